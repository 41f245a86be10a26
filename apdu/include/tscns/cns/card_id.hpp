// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_IDCarta (3F00/1000/1003): the 16-digit card identification number (cns-card.md §2).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tscns::cns {

/// Digit 1 of the card ID.
enum class CardType : std::uint8_t {
    NationalCitizen = 5,
    RegionalCitizen = 6,
    OtherCitizen = 7,
    NationalOperator = 8,
    RegionalOperator = 9,
};

/// "national citizen", "regional citizen", ...
[[nodiscard]] std::string_view cardTypeName(CardType type) noexcept;

/// The Luhn check digit ('0'..'9') for a string of decimal digits (15 for a card ID).
/// Throws Error(BadArgument) for an empty string or a non-digit.
[[nodiscard]] char luhnCheckDigit(std::string_view digits15);

struct CardId {
    static constexpr std::size_t kLength = 16;

    std::string digits; ///< all 16 digits
    CardType type = CardType::RegionalCitizen;
    std::string issuer; ///< digits 2-4, or 2-7 for type 7

    /// Validates 16 ASCII digits, no terminator or padding: known type digit (5-9) and Luhn
    /// check digit 16 over digits 1-15. Throws Error(BadArgument) naming the problem: wrong
    /// length, non-digit (with its position), unknown type, wrong check digit.
    static CardId parse(std::string_view text);
    /// The EF content as read from the card.
    static CardId parse(ByteView ef);

    friend bool operator==(const CardId&, const CardId&) = default;
};

} // namespace tscns::cns
