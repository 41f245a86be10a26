// SPDX-License-Identifier: LGPL-2.1-or-later
// Calendar date as EF_DatiPersonali stores it (DDMMYYYY, cns-card.md §3).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace tscns::cns {

struct Date {
    std::uint16_t year = 0;
    std::uint8_t month = 0; ///< 1-12
    std::uint8_t day = 0; ///< 1-31

    /// Exactly 8 digits DDMMYYYY forming a real Gregorian date (leap years checked), year
    /// 1000-9999. Throws Error(BadArgument) otherwise.
    static Date parseDdMmYyyy(std::string_view text);
    [[nodiscard]] static bool isValid(int year, int month, int day) noexcept;

    [[nodiscard]] std::string toIso() const; ///< "1980-01-01"
    [[nodiscard]] std::string toDdMmYyyy() const; ///< "01011980"

    friend auto operator<=>(const Date&, const Date&) = default;
};

} // namespace tscns::cns
