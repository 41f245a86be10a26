// SPDX-License-Identifier: LGPL-2.1-or-later
// Dates, codice fiscale, Luhn and the EF_DatiPersonali encoder (cns-card.md §2, §3).
#include "tscns/vcard/identity.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace tscns::vcard {

namespace {

    bool isLeap(int year) noexcept
    {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }

    // Days since 1970-01-01 (H. Hinnant's days_from_civil).
    long daysFromCivil(int y, int m, int d) noexcept
    {
        y -= m <= 2 ? 1 : 0;
        const long era = (y >= 0 ? y : y - 399) / 400;
        const long yoe = y - era * 400;
        const long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    Date civilFromDays(long z) noexcept
    {
        z += 719468;
        const long era = (z >= 0 ? z : z - 146096) / 146097;
        const long doe = z - era * 146097;
        const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const long mp = (5 * doy + 2) / 153;
        const long d = doy - (153 * mp + 2) / 5 + 1;
        const long m = mp < 10 ? mp + 3 : mp - 9;
        const long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
        return { static_cast<int>(y), static_cast<int>(m), static_cast<int>(d) };
    }

    bool isVowel(char c) noexcept
    {
        return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
    }

    // Upper-case letters only: spaces, apostrophes and accents' base letters are dropped.
    std::string lettersOf(std::string_view name)
    {
        std::string out;
        for (char c : name) {
            const auto u = static_cast<unsigned char>(c);
            if (std::isalpha(u) != 0) out.push_back(static_cast<char>(std::toupper(u)));
        }
        return out;
    }

    void split(const std::string& letters, std::string& consonants, std::string& vowels)
    {
        for (char c : letters)
            (isVowel(c) ? vowels : consonants).push_back(c);
    }

    std::string padCode(std::string code)
    {
        while (code.size() < 3)
            code.push_back('X');
        return code.substr(0, 3);
    }

    // Surname: consonants, then vowels, then X.
    std::string surnameCode(std::string_view surname)
    {
        std::string consonants;
        std::string vowels;
        split(lettersOf(surname), consonants, vowels);
        return padCode(consonants + vowels);
    }

    // Given name: with four or more consonants the 1st, 3rd and 4th; otherwise as the surname.
    std::string givenNameCode(std::string_view givenName)
    {
        std::string consonants;
        std::string vowels;
        split(lettersOf(givenName), consonants, vowels);
        if (consonants.size() >= 4) return { consonants[0], consonants[2], consonants[3] };
        return padCode(consonants + vowels);
    }

    constexpr std::string_view kMonthLetters = "ABCDEHLMPRST";

    // Values of characters in odd positions (1st, 3rd, ...), digits and letters alike: 0/A, 1/B...
    constexpr int kOddValues[26] = { 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
        12, 14, 16, 10, 22, 25, 24, 23 };

} // namespace

int daysInMonth(int year, int month) noexcept
{
    static constexpr int kDays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month < 1 || month > 12) return 0;
    if (month == 2 && isLeap(year)) return 29;
    return kDays[month - 1];
}

bool Date::valid() const noexcept
{
    return year >= 1 && year <= 9999 && day >= 1 && day <= daysInMonth(year, month);
}

Date Date::parseIso(std::string_view text)
{
    auto digits = [&](std::size_t from, std::size_t n) {
        int v = 0;
        for (std::size_t i = from; i < from + n; ++i) {
            if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return -1;
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    Date d;
    if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
        d.year = digits(0, 4);
        d.month = digits(5, 2);
        d.day = digits(8, 2);
        if (d.valid()) return d;
    }
    throw Error(
        Errc::BadArgument, "invalid date '" + std::string(text) + "' (expected YYYY-MM-DD)");
}

std::string Date::iso() const
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    return buf;
}

std::string Date::ddmmyyyy() const
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d%02d%04d", day, month, year);
    return buf;
}

Date Date::plusYears(int years) const noexcept
{
    Date d { year + years, month, day };
    if (d.day > daysInMonth(d.year, d.month)) d.day = daysInMonth(d.year, d.month);
    return d;
}

Date Date::plusDays(long days) const noexcept
{
    return civilFromDays(daysFromCivil(year, month, day) + days);
}

char codiceFiscaleCheckChar(std::string_view first15)
{
    if (first15.size() != 15)
        throw Error(Errc::BadArgument, "codice fiscale check: 15 characters expected");
    int sum = 0;
    for (std::size_t i = 0; i < 15; ++i) {
        const auto c
            = static_cast<unsigned char>(std::toupper(static_cast<unsigned char>(first15[i])));
        int index = 0;
        if (c >= '0' && c <= '9') {
            index = c - '0';
        } else if (c >= 'A' && c <= 'Z') {
            index = c - 'A';
        } else {
            throw Error(Errc::BadArgument, "codice fiscale: invalid character");
        }
        // Positions are counted from 1: index 0 is the first, "odd", position.
        sum += (i % 2 == 0) ? kOddValues[index] : index;
    }
    return static_cast<char>('A' + sum % 26);
}

bool codiceFiscaleValid(std::string_view cf) noexcept
{
    if (cf.size() != 16) return false;
    try {
        return codiceFiscaleCheckChar(cf.substr(0, 15)) == cf[15];
    } catch (const Error&) {
        return false;
    }
}

std::string codiceFiscale(std::string_view surname, std::string_view givenName, Date birth,
    char sex, std::string_view belfiore)
{
    if (sex != 'M' && sex != 'F')
        throw Error(Errc::BadArgument, "codice fiscale: sex must be M or F");
    if (!birth.valid()) throw Error(Errc::BadArgument, "codice fiscale: invalid birth date");
    if (belfiore.size() != 4 || std::isupper(static_cast<unsigned char>(belfiore[0])) == 0
        || std::isdigit(static_cast<unsigned char>(belfiore[1])) == 0
        || std::isdigit(static_cast<unsigned char>(belfiore[2])) == 0
        || std::isdigit(static_cast<unsigned char>(belfiore[3])) == 0)
        throw Error(Errc::BadArgument,
            "codice fiscale: invalid Belfiore code '" + std::string(belfiore) + "'");
    if (lettersOf(surname).empty() || lettersOf(givenName).empty())
        throw Error(Errc::BadArgument, "codice fiscale: empty name");

    std::string cf = surnameCode(surname) + givenNameCode(givenName);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", birth.year % 100);
    cf += buf;
    cf.push_back(kMonthLetters[static_cast<std::size_t>(birth.month - 1)]);
    std::snprintf(buf, sizeof buf, "%02d", birth.day + (sex == 'F' ? 40 : 0));
    cf += buf;
    cf += belfiore;
    cf.push_back(codiceFiscaleCheckChar(cf));
    return cf;
}

char luhnCheckDigit(std::string_view digits)
{
    int sum = 0;
    bool twice = true; // the digit left of the check digit is doubled
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (*it < '0' || *it > '9') throw Error(Errc::BadArgument, "Luhn: non-digit character");
        int v = *it - '0';
        if (twice) {
            v *= 2;
            if (v > 9) v -= 9;
        }
        sum += v;
        twice = !twice;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool luhnValid(std::string_view digits) noexcept
{
    if (digits.size() < 2) return false;
    try {
        return luhnCheckDigit(digits.substr(0, digits.size() - 1)) == digits.back();
    } catch (const Error&) {
        return false;
    }
}

Bytes encodeDatiPersonali(const DatiPersonali& fields, std::size_t efSize, bool headerCountsItself)
{
    std::string body;
    char buf[8];
    for (const std::string& f : fields) {
        if (f.size() > 0xFF)
            throw Error(Errc::BadArgument, "EF_DatiPersonali: field longer than 255 bytes");
        std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(f.size()));
        body += buf;
        body += f;
    }
    // Header = total length including its own six characters (the real dump in #3804).
    const std::size_t total = 6 + body.size();
    if (total > efSize || total > 0xFFFFFF)
        throw Error(Errc::BadArgument, "EF_DatiPersonali: data does not fit the EF");
    std::snprintf(
        buf, sizeof buf, "%06X", static_cast<unsigned>(headerCountsItself ? total : body.size()));
    Bytes out(efSize, 0x00);
    std::copy(buf, buf + 6, out.begin());
    std::copy(body.begin(), body.end(), out.begin() + 6);
    return out;
}

} // namespace tscns::vcard
