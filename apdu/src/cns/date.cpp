// SPDX-License-Identifier: LGPL-2.1-or-later
// DDMMYYYY dates.
#include "tscns/cns/date.hpp"

#include "tscns/apdu/error.hpp"

#include "quote.hpp"

#include <cstdio>

namespace tscns::cns {

bool Date::isValid(int year, int month, int day) noexcept
{
    if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
    static constexpr int kDays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int max = month == 2 && leap ? 29 : kDays[month - 1];
    return day <= max;
}

Date Date::parseDdMmYyyy(std::string_view text)
{
    if (text.size() != 8)
        throw Error(Errc::CardData, "date " + detail::quote(text) + ": expected 8 digits DDMMYYYY");
    int v[8];
    for (std::size_t i = 0; i < 8; ++i) {
        if (text[i] < '0' || text[i] > '9')
            throw Error(
                Errc::CardData, "date " + detail::quote(text) + ": expected 8 digits DDMMYYYY");
        v[i] = text[i] - '0';
    }
    const int day = v[0] * 10 + v[1];
    const int month = v[2] * 10 + v[3];
    const int year = v[4] * 1000 + v[5] * 100 + v[6] * 10 + v[7];
    if (!isValid(year, month, day))
        throw Error(Errc::CardData, "date " + detail::quote(text) + ": no such day");
    return { static_cast<std::uint16_t>(year), static_cast<std::uint8_t>(month),
        static_cast<std::uint8_t>(day) };
}

std::string Date::toIso() const
{
    char buf[16];
    std::snprintf(
        buf, sizeof buf, "%04u-%02u-%02u", unsigned { year }, unsigned { month }, unsigned { day });
    return buf;
}

std::string Date::toDdMmYyyy() const
{
    char buf[16];
    std::snprintf(
        buf, sizeof buf, "%02u%02u%04u", unsigned { day }, unsigned { month }, unsigned { year });
    return buf;
}

} // namespace tscns::cns
