// SPDX-License-Identifier: LGPL-2.1-or-later
// Codice fiscale validation.
#include "tscns/cns/codice_fiscale.hpp"

#include "tscns/apdu/error.hpp"

#include "quote.hpp"

#include <array>
#include <cstddef>

namespace tscns::cns {

namespace {
    constexpr std::size_t kLength = 16;

    // Value of a character at an odd position (1st, 3rd, ...); digits share the values of
    // A..J. The public DM 23/12/1976 table.
    constexpr std::array<int, 26> kOddLetter = {
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // A-J
        2, 4, 18, 20, 11, 3, 6, 8, 12, 14, // K-T
        16, 10, 22, 25, 24, 23, // U-Z
    };

    // Omocodia: the letter that replaces digit d is kOmocodia[d].
    constexpr std::string_view kOmocodia = "LMNPQRSTUV";
    constexpr std::string_view kMonths = "ABCDEHLMPRST";

    bool isUpper(char c) noexcept
    {
        return c >= 'A' && c <= 'Z';
    }
    bool isDigit(char c) noexcept
    {
        return c >= '0' && c <= '9';
    }

    [[noreturn]] void fail(std::string_view cf, const std::string& what)
    {
        throw Error(Errc::BadArgument, "codice fiscale " + detail::quote(cf) + ": " + what);
    }

    /// Digit value of a digit position, accepting omocodia letters; -1 otherwise.
    int digitValue(char c) noexcept
    {
        if (isDigit(c)) return c - '0';
        const auto at = kOmocodia.find(c);
        return at == std::string_view::npos ? -1 : static_cast<int>(at);
    }
} // namespace

char codiceFiscaleCheckChar(std::string_view first15)
{
    if (first15.size() != kLength - 1)
        throw Error(Errc::BadArgument,
            "codice fiscale check character: " + std::to_string(first15.size())
                + " characters given, expected 15");
    int sum = 0;
    for (std::size_t i = 0; i < first15.size(); ++i) {
        const char c = first15[i];
        int value = 0;
        if (isDigit(c)) {
            value = c - '0';
        } else if (isUpper(c)) {
            value = c - 'A';
        } else {
            throw Error(Errc::BadArgument,
                "codice fiscale check character: " + detail::quote(first15.substr(i, 1))
                    + " at position " + std::to_string(i + 1) + " is not A-Z or 0-9");
        }
        // Position i + 1 is odd when i is even.
        sum += i % 2 == 0 ? kOddLetter[static_cast<std::size_t>(value)] : value;
    }
    return static_cast<char>('A' + sum % 26);
}

void validateCodiceFiscale(std::string_view cf)
{
    if (cf.size() != kLength) fail(cf, std::to_string(cf.size()) + " characters, expected 16");
    for (std::size_t i = 0; i < cf.size(); ++i) {
        const char c = cf[i];
        const std::size_t pos = i + 1;
        const bool letterPos = pos <= 6 || pos == 9 || pos == 12 || pos == 16;
        if (letterPos && !isUpper(c))
            fail(cf, "position " + std::to_string(pos) + " must be a letter A-Z");
        if (!letterPos && digitValue(c) < 0)
            fail(cf,
                "position " + std::to_string(pos) + " must be a digit (or omocodia letter "
                    + std::string(kOmocodia) + ")");
    }
    if (kMonths.find(cf[8]) == std::string_view::npos)
        fail(cf, std::string("month letter ") + cf[8] + " is not one of " + std::string(kMonths));
    const int day = digitValue(cf[9]) * 10 + digitValue(cf[10]);
    if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71)))
        fail(cf, "day " + std::to_string(day) + " is not 01-31 (male) or 41-71 (female)");
    const char expected = codiceFiscaleCheckChar(cf.substr(0, kLength - 1));
    if (cf[kLength - 1] != expected)
        fail(cf,
            std::string("check character ") + cf[kLength - 1] + " is wrong, expected " + expected);
}

bool isValidCodiceFiscale(std::string_view cf) noexcept
{
    try {
        validateCodiceFiscale(cf);
        return true;
    } catch (...) {
        return false;
    }
}

} // namespace tscns::cns
