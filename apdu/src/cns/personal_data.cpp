// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_DatiPersonali parsing.
#include "tscns/cns/personal_data.hpp"

#include "tscns/apdu/error.hpp"

#include "quote.hpp"

#include <array>

namespace tscns::cns {

namespace {
    constexpr std::size_t kHeaderDigits = 6;
    constexpr std::size_t kLengthDigits = 2;

    constexpr std::array<std::string_view, PersonalData::kFieldCount> kNames = {
        "issuer",
        "issueDate",
        "expiryDate",
        "surname",
        "givenName",
        "birthDate",
        "sex",
        "height",
        "codiceFiscale",
        "citizenship",
        "birthMunicipality",
        "birthCountry",
        "birthCertificate",
        "residenceMunicipality",
        "residenceAddress",
        "expatriationNotes",
    };

    [[noreturn]] void fail(const std::string& what)
    {
        throw Error(Errc::CardData, "personal data (EF_DatiPersonali): " + what);
    }

    int hexDigit(std::uint8_t c) noexcept
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }

    std::string_view text(ByteView bytes)
    {
        return { reinterpret_cast<const char*>(bytes.data()), bytes.size() };
    }

    /// Value of `digits` hex digits at `pos`, bounds already checked by the caller.
    std::uint32_t readHex(ByteView ef, std::size_t pos, std::size_t digits, const std::string& what)
    {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            const int d = hexDigit(ef[pos + i]);
            if (d < 0)
                fail(what + " " + detail::quote(text(ef.subspan(pos, digits))) + " at offset "
                    + std::to_string(pos) + " is not hexadecimal");
            v = (v << 4) | static_cast<std::uint32_t>(d);
        }
        return v;
    }

    std::optional<Date> dateField(const std::string& value, std::size_t number)
    {
        if (value.empty()) return std::nullopt;
        try {
            return Date::parseDdMmYyyy(value);
        } catch (const Error& e) {
            fail("field " + std::to_string(number) + " (" + std::string(kNames[number - 1])
                + "): " + e.message());
        }
    }
} // namespace

std::string_view personalFieldName(std::size_t number) noexcept
{
    return number >= 1 && number <= kNames.size() ? kNames[number - 1] : "unknown";
}

PersonalData PersonalData::parse(ByteView ef)
{
    if (ef.size() < kHeaderDigits)
        fail(std::to_string(ef.size()) + " bytes, shorter than the 6-digit header");
    PersonalData out;
    out.header = readHex(ef, 0, kHeaderDigits, "header");

    std::array<std::string, kFieldCount> fields;
    std::size_t pos = kHeaderDigits;
    std::size_t count = 0;
    while (count < kFieldCount && pos < ef.size() && ef[pos] != 0x00) {
        const std::size_t number = count + 1;
        const std::string name
            = "field " + std::to_string(number) + " (" + std::string(kNames[count]) + ")";
        if (ef.size() - pos < kLengthDigits)
            fail(name + ": length truncated at offset " + std::to_string(pos));
        const std::size_t length = readHex(ef, pos, kLengthDigits, name + " length");
        pos += kLengthDigits;
        if (length > ef.size() - pos)
            fail(name + ": length " + std::to_string(length) + " runs past the end ("
                + std::to_string(ef.size() - pos) + " bytes left at offset " + std::to_string(pos)
                + ")");
        for (std::size_t i = 0; i < length; ++i) {
            const std::uint8_t b = ef[pos + i];
            if (b < 0x20 || b > 0x7E)
                fail(name + ": non-printable byte " + toHexSpaced(ByteView(&b, 1)) + " at offset "
                    + std::to_string(pos + i));
        }
        fields[count] = std::string(text(ef.subspan(pos, length)));
        pos += length;
        ++count;
    }
    for (std::size_t i = pos; i < ef.size(); ++i)
        if (ef[i] != 0x00)
            fail("byte " + toHexSpaced(ef.subspan(i, 1)) + " at offset " + std::to_string(i)
                + " after the last field (" + std::to_string(count)
                + "), only 00 padding may follow");
    if (count < kMinFieldCount)
        fail("only " + std::to_string(count) + " fields, a TS-CNS has at least "
            + std::to_string(kMinFieldCount));

    out.encodedLength = pos;
    out.fieldCount = count;
    out.issuer = std::move(fields[0]);
    out.issueDate = dateField(fields[1], 2);
    out.expiryDate = dateField(fields[2], 3);
    out.surname = std::move(fields[3]);
    out.givenName = std::move(fields[4]);
    out.birthDate = dateField(fields[5], 6);
    out.sex = std::move(fields[6]);
    out.height = std::move(fields[7]);
    out.codiceFiscale = std::move(fields[8]);
    out.citizenship = std::move(fields[9]);
    out.birthMunicipality = std::move(fields[10]);
    out.birthCountry = std::move(fields[11]);
    out.birthCertificate = std::move(fields[12]);
    out.residenceMunicipality = std::move(fields[13]);
    out.residenceAddress = std::move(fields[14]);
    out.expatriationNotes = std::move(fields[15]);
    return out;
}

PersonalData::HeaderMeaning PersonalData::headerMeaning() const noexcept
{
    if (header == encodedLength) return HeaderMeaning::IncludesHeader;
    if (header + kHeaderDigits == encodedLength) return HeaderMeaning::ExcludesHeader;
    return HeaderMeaning::Neither;
}

std::string PersonalData::displayName() const
{
    if (givenName.empty()) return surname;
    if (surname.empty()) return givenName;
    return givenName + " " + surname;
}

} // namespace tscns::cns
