// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_IDCarta (3F00/1000/1003): the 16-digit card identification number (cns-card.md §2).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// What the 16 digits say when interpreted (cns-card.md §2). The structure (type digit, issuer,
/// Luhn check digit) was inferred from a few public IDs; a failed check is reported, never a
/// reason to refuse the card.
struct CardIdChecks {
    bool sixteenDigits = false; ///< exactly 16 decimal digits
    bool knownType = false; ///< digit 1 is a known card type (5-9)
    bool luhn = false; ///< digit 16 is the Luhn check digit of digits 1-15
    std::vector<std::string> problems; ///< one sentence per failed check

    [[nodiscard]] bool allPassed() const noexcept { return problems.empty(); }
    friend bool operator==(const CardIdChecks&, const CardIdChecks&) = default;
};

struct CardId {
    static constexpr std::size_t kLength = 16;

    std::string digits; ///< the 16 digits as the card holds them
    std::optional<CardType> type; ///< nullopt when digit 1 is not a known type
    std::string issuer; ///< digits 2-4, or 2-7 for type 7 (as printed, whatever the type)
    CardIdChecks checks;

    /// Interprets 16 decimal digits. Throws Error(CardData) only when `text` is not exactly 16
    /// digits; the type digit and the check digit are reported in `checks`.
    static CardId parse(std::string_view text);
    /// The EF content as read from the card: the leading 16 digits count, whatever follows them
    /// (00 or FF padding, a terminator) is ignored and noted in `checks.problems`. Throws
    /// Error(CardData) when fewer than 16 digits lead the data.
    static CardId read(ByteView ef);

    friend bool operator==(const CardId&, const CardId&) = default;
};

} // namespace tscns::cns
