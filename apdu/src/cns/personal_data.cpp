// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_DatiPersonali parsing.
#include "tscns/cns/personal_data.hpp"

#include "tscns/apdu/error.hpp"

#include "quote.hpp"

#include <array>
#include <vector>

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

    /// Value of `digits` hex digits at `pos` (bounds checked by the caller), nullopt when one
    /// of them is not hexadecimal.
    std::optional<std::uint32_t> readHex(ByteView ef, std::size_t pos, std::size_t digits)
    {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            const int d = hexDigit(ef[pos + i]);
            if (d < 0) return std::nullopt;
            v = (v << 4) | static_cast<std::uint32_t>(d);
        }
        return v;
    }

    bool isPadding(std::uint8_t b) noexcept
    {
        return b == 0x00 || b == 0xFF;
    }

    std::string fieldLabel(std::size_t number)
    {
        return "field " + std::to_string(number) + " (" + std::string(kNames[number - 1]) + ")";
    }

    /// The field's bytes as UTF-8: printable ASCII as is, 80..FF read as Latin-1 (the card's
    /// character set beyond ASCII is not documented), control bytes as U+FFFD.
    std::string decodeField(ByteView bytes, std::size_t number, std::vector<std::string>& warnings)
    {
        std::string out;
        bool latin1 = false;
        bool control = false;
        for (const std::uint8_t b : bytes) {
            if (b >= 0x20 && b < 0x7F) {
                out.push_back(static_cast<char>(b));
            } else if (b >= 0xA0) {
                latin1 = true;
                out.push_back(static_cast<char>(0xC0 | (b >> 6)));
                out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
            } else {
                control = true;
                out += "\xEF\xBF\xBD";
            }
        }
        if (latin1)
            warnings.push_back(fieldLabel(number) + ": bytes beyond ASCII, read as Latin-1");
        if (control)
            warnings.push_back(fieldLabel(number) + ": non-printable bytes, shown as U+FFFD");
        return out;
    }

    std::optional<Date> dateField(
        const std::string& value, std::size_t number, std::vector<std::string>& warnings)
    {
        if (value.empty()) return std::nullopt;
        try {
            return Date::parseDdMmYyyy(value);
        } catch (const Error& e) {
            warnings.push_back(fieldLabel(number) + ": " + e.message() + " (date ignored)");
            return std::nullopt;
        }
    }
} // namespace

std::string_view personalFieldName(std::size_t number) noexcept
{
    return number >= 1 && number <= kNames.size() ? kNames[number - 1] : "unknown";
}

PersonalData PersonalData::parse(ByteView ef)
{
    if (ef.size() < kHeaderDigits + kLengthDigits)
        fail(std::to_string(ef.size()) + " bytes, too short for the header and one field");
    PersonalData out;
    if (auto h = readHex(ef, 0, kHeaderDigits))
        out.header = *h;
    else
        out.warnings.emplace_back("the 6-digit header is not hexadecimal (ignored)");

    std::array<std::string, kFieldCount> fields;
    std::size_t pos = kHeaderDigits;
    std::size_t count = 0;
    // Sequential, bounded by the data, never by the header; a 00 or FF where a length is
    // expected is the padding after the last field.
    while (count < kFieldCount && pos < ef.size() && !isPadding(ef[pos])) {
        const std::size_t number = count + 1;
        if (ef.size() - pos < kLengthDigits) {
            out.warnings.push_back(
                fieldLabel(number) + ": length cut short at offset " + std::to_string(pos));
            break;
        }
        const auto length = readHex(ef, pos, kLengthDigits);
        if (!length) {
            out.warnings.push_back(fieldLabel(number) + ": length "
                + detail::quote(text(ef.subspan(pos, kLengthDigits))) + " at offset "
                + std::to_string(pos) + " is not hexadecimal; the fields stop here");
            break;
        }
        pos += kLengthDigits;
        std::size_t take = *length;
        if (take > ef.size() - pos) {
            take = ef.size() - pos;
            out.warnings.push_back(fieldLabel(number) + ": " + std::to_string(*length)
                + " bytes announced, " + std::to_string(take) + " left (kept as far as it goes)");
        }
        fields[count] = decodeField(ef.subspan(pos, take), number, out.warnings);
        pos += take;
        ++count;
    }
    if (count == 0) fail("no field could be read after the header");
    out.encodedLength = pos;
    std::size_t extra = 0;
    for (std::size_t i = pos; i < ef.size(); ++i)
        if (!isPadding(ef[i])) ++extra;
    if (extra > 0)
        out.warnings.push_back(std::to_string(extra) + " bytes of other data after field "
            + std::to_string(count) + " (ignored)");
    if (count < kMinFieldCount)
        out.warnings.push_back("only " + std::to_string(count) + " fields; a TS-CNS has at least "
            + std::to_string(kMinFieldCount));

    out.fieldCount = count;
    out.issuer = std::move(fields[0]);
    out.issueDate = dateField(fields[1], 2, out.warnings);
    out.expiryDate = dateField(fields[2], 3, out.warnings);
    out.surname = std::move(fields[3]);
    out.givenName = std::move(fields[4]);
    out.birthDate = dateField(fields[5], 6, out.warnings);
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
