// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_IDCarta parsing and the Luhn check digit.
#include "tscns/cns/card_id.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>

namespace tscns::cns {

namespace {
    [[noreturn]] void fail(const std::string& what)
    {
        throw Error(Errc::CardData, "card ID (EF_IDCarta): " + what);
    }

    bool isDigit(char c) noexcept
    {
        return c >= '0' && c <= '9';
    }

    /// Printable rendering of one untrusted byte for messages.
    std::string show(char c)
    {
        const auto b = static_cast<std::uint8_t>(c);
        if (b >= 0x20 && b < 0x7F) return std::string("'") + c + "'";
        return "byte " + toHexSpaced(ByteView(&b, 1));
    }
} // namespace

std::string_view cardTypeName(CardType type) noexcept
{
    switch (type) {
    case CardType::NationalCitizen:
        return "national citizen";
    case CardType::RegionalCitizen:
        return "regional citizen";
    case CardType::OtherCitizen:
        return "other citizen";
    case CardType::NationalOperator:
        return "national operator";
    case CardType::RegionalOperator:
        return "regional operator";
    }
    return "unknown";
}

char luhnCheckDigit(std::string_view digits15)
{
    if (digits15.empty()) throw Error(Errc::BadArgument, "Luhn: no digits");
    int sum = 0;
    // Walk from the right; the digit next to the check digit is doubled.
    bool doubleIt = true;
    for (auto it = digits15.rbegin(); it != digits15.rend(); ++it) {
        if (!isDigit(*it)) throw Error(Errc::BadArgument, "Luhn: " + show(*it) + " is not a digit");
        int d = *it - '0';
        if (doubleIt) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        doubleIt = !doubleIt;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

CardId CardId::parse(std::string_view text)
{
    if (text.size() != kLength) fail(std::to_string(text.size()) + " bytes, expected 16 digits");
    for (std::size_t i = 0; i < text.size(); ++i)
        if (!isDigit(text[i]))
            fail(show(text[i]) + " at position " + std::to_string(i + 1) + " is not a digit");

    CardId id;
    id.digits = std::string(text);
    id.checks.sixteenDigits = true;
    const int typeDigit = text[0] - '0';
    id.checks.knownType = typeDigit >= 5;
    if (id.checks.knownType)
        id.type = static_cast<CardType>(typeDigit);
    else
        id.checks.problems.push_back(
            "type digit " + std::to_string(typeDigit) + " is not a known card type (5-9)");
    const char expected = luhnCheckDigit(text.substr(0, kLength - 1));
    id.checks.luhn = expected == text[kLength - 1];
    if (!id.checks.luhn)
        id.checks.problems.push_back(std::string("digit 16 (") + text[kLength - 1]
            + ") is not the Luhn check digit (" + expected + ")");
    id.issuer = std::string(text.substr(1, id.type == CardType::OtherCitizen ? 6 : 3));
    return id;
}

CardId CardId::read(ByteView ef)
{
    const std::string_view text(reinterpret_cast<const char*>(ef.data()), ef.size());
    std::size_t n = 0;
    while (n < text.size() && isDigit(text[n]))
        ++n;
    if (n < kLength) {
        if (n == text.size()) fail(std::to_string(n) + " digits, expected 16");
        fail(show(text[n]) + " at position " + std::to_string(n + 1) + " is not a digit");
    }
    CardId id = parse(text.substr(0, kLength));
    const std::string_view rest = text.substr(kLength);
    if (!rest.empty()) {
        const bool padding = std::all_of(rest.begin(), rest.end(),
            [](char c) { return c == '\0' || static_cast<unsigned char>(c) == 0xFF; });
        id.checks.sixteenDigits = false;
        id.checks.problems.push_back(std::to_string(rest.size()) + " byte"
            + (rest.size() == 1 ? "" : "s") + (padding ? " of padding" : " of other data")
            + " after the 16 digits (ignored)");
    }
    return id;
}

} // namespace tscns::cns
