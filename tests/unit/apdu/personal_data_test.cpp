// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_DatiPersonali: the synthetic example of cns-card.md §3 and malformed variants.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/cns/personal_data.hpp"

using namespace tscns;
using namespace tscns::cns;

namespace {

// cns-card.md §3, without the reading spaces: header 000065 = 101 = 6 + 95.
constexpr std::string_view kExample = "000065"
                                      "04"
                                      "6030"
                                      "08"
                                      "01022024"
                                      "08"
                                      "01022030"
                                      "05"
                                      "ROSSI"
                                      "05"
                                      "MARIO"
                                      "08"
                                      "01011980"
                                      "01"
                                      "M"
                                      "00"
                                      "10"
                                      "RSSMRA80A01F205X"
                                      "00"
                                      "04"
                                      "F205"
                                      "00"
                                      "00"
                                      "04"
                                      "F205"
                                      "00"
                                      "00";

constexpr std::size_t kEfSize = 400;

/// The example as the 400-byte zero-padded EF.
Bytes efOf(std::string_view text, std::size_t size = kEfSize)
{
    Bytes out(text.begin(), text.end());
    if (out.size() < size) out.resize(size, 0x00);
    return out;
}

Bytes bytesOf(std::string_view text)
{
    return Bytes(text.begin(), text.end());
}

std::string replaced(std::string_view text, std::string_view from, std::string_view to)
{
    std::string s(text);
    const auto at = s.find(from);
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

void parse_syntheticExample_readsAllFields(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.eq(kExample.size(), 101u, "example length = header value");
        const auto pd = PersonalData::parse(efOf(kExample));
        c.eq(pd.header, 0x65u, "header");
        c.eq(pd.encodedLength, 101u, "encoded length");
        c.that(pd.headerMeaning() == PersonalData::HeaderMeaning::IncludesHeader,
            "header counts itself");
        c.eq(pd.fieldCount, 16u, "16 fields");
        c.eq(pd.issuer, std::string_view("6030"), "issuer");
        c.that(pd.issueDate == Date { 2024, 2, 1 }, "issue date");
        c.that(pd.expiryDate == Date { 2030, 2, 1 }, "expiry date");
        c.eq(pd.surname, std::string_view("ROSSI"), "surname");
        c.eq(pd.givenName, std::string_view("MARIO"), "given name");
        c.that(pd.birthDate == Date { 1980, 1, 1 }, "birth date");
        c.eq(pd.sex, std::string_view("M"), "sex");
        c.eq(pd.height, std::string_view(""), "height");
        c.eq(pd.codiceFiscale, std::string_view("RSSMRA80A01F205X"), "codice fiscale");
        c.eq(pd.citizenship, std::string_view(""), "citizenship");
        c.eq(pd.birthMunicipality, std::string_view("F205"), "birth municipality");
        c.eq(pd.birthCountry, std::string_view(""), "birth country");
        c.eq(pd.birthCertificate, std::string_view(""), "birth certificate");
        c.eq(pd.residenceMunicipality, std::string_view("F205"), "residence municipality");
        c.eq(pd.residenceAddress, std::string_view(""), "residence address");
        c.eq(pd.expatriationNotes, std::string_view(""), "expatriation notes");
        c.eq(pd.displayName(), std::string_view("MARIO ROSSI"), "token label");
        if (pd.birthDate) {
            c.eq(pd.birthDate->toIso(), std::string_view("1980-01-01"), "ISO date");
            c.eq(pd.birthDate->toDdMmYyyy(), std::string_view("01011980"), "DDMMYYYY");
        }
        c.eq(personalFieldName(1), std::string_view("issuer"), "name 1");
        c.eq(personalFieldName(16), std::string_view("expatriationNotes"), "name 16");
        c.eq(personalFieldName(17), std::string_view("unknown"), "name 17");
    });
}

void parse_headerVariants_areNotTrusted(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto excl = PersonalData::parse(efOf(replaced(kExample, "000065", "00005F")));
        c.that(
            excl.headerMeaning() == PersonalData::HeaderMeaning::ExcludesHeader, "OpenSC meaning");
        const auto zero = PersonalData::parse(efOf(replaced(kExample, "000065", "000000")));
        c.that(zero.headerMeaning() == PersonalData::HeaderMeaning::Neither, "nonsense header");
        c.eq(zero.surname, std::string_view("ROSSI"), "fields still read");
        const auto lower = PersonalData::parse(efOf(replaced(kExample, "000065", "00abcd")));
        c.eq(lower.header, 0xABCDu, "lowercase hex header");
        const auto unpadded = PersonalData::parse(bytesOf(kExample));
        c.eq(unpadded.fieldCount, 16u, "no padding at all");
        const auto lowerLength
            = PersonalData::parse(efOf(replaced(kExample, "05MARIO", "0aMARIO LUCA")));
        c.eq(lowerLength.givenName, std::string_view("MARIO LUCA"), "lowercase hex length 0a");
    });
}

void parse_fewerFields_needNineAndCleanEnd(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        // Fields 1-9 only ("…0010RSSMRA80A01F205X"), then padding or nothing.
        const std::string nine(kExample.substr(0, kExample.find("RSSMRA80A01F205X") + 16));
        const auto padded = PersonalData::parse(efOf(nine));
        c.eq(padded.fieldCount, 9u, "9 fields then padding");
        c.eq(padded.codiceFiscale, std::string_view("RSSMRA80A01F205X"), "field 9");
        c.eq(padded.residenceMunicipality, std::string_view(""), "absent field 14");
        const auto bare = PersonalData::parse(asBytes(nine));
        c.eq(bare.fieldCount, 9u, "9 fields then end of data");
        const std::string eight(kExample.substr(0, kExample.find("10RSSMRA")));
        c.throws(
            Errc::CardData, [&] { (void)PersonalData::parse(efOf(eight)); }, "8 fields",
            "only 8 fields");
        c.throws(
            Errc::CardData, [] { (void)PersonalData::parse(efOf("000006")); }, "header only",
            "only 0 fields");
    });
}

void parse_garbage_throwsCardData(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        Bytes nonPrintable = efOf(kExample);
        nonPrintable[kExample.find("ROSSI")] = 0x01;
        Bytes highByte = efOf(kExample);
        highByte[kExample.find("MARIO")] = 0xC8;
        Bytes tail = efOf(kExample);
        tail[399] = 'X';
        Bytes afterNine = efOf(kExample.substr(0, kExample.find("RSSMRA80A01F205X") + 16));
        afterNine[300] = '1';
        const std::pair<Bytes, const char*> cases[] = {
            { Bytes {}, "0 bytes, shorter than the 6-digit header" },
            { efOf("00006", 5), "5 bytes, shorter" },
            { efOf(replaced(kExample, "000065", "00006Z")),
                "header \"00006Z\" at offset 0 is not hexadecimal" },
            { efOf(replaced(kExample, "05ROSSI", "0GROSSI")),
                "field 4 (surname) length \"0G\" at offset 32" },
            { bytesOf(replaced(kExample, "05ROSSI", "FFROSSI")),
                "field 4 (surname): length 255 runs past the end (67 bytes left at offset 34)" },
            { efOf(replaced(kExample, "05ROSSI", "FFROSSI")), "non-printable byte 00" },
            { bytesOf(kExample.substr(0, 50)), "field 6 (birthDate): length 8 runs past the end" },
            { bytesOf(kExample.substr(0, 7)), "field 1 (issuer): length truncated at offset 6" },
            { bytesOf(std::string(kExample) + "1"),
                "byte 31 at offset 101 after the last field (16)" },
            { nonPrintable, "field 4 (surname): non-printable byte 01 at offset 34" },
            { highByte, "field 5 (givenName): non-printable byte C8" },
            { tail, "byte 58 at offset 399 after the last field (16)" },
            { afterNine, "byte 31 at offset 300 after the last field (9)" },
            { efOf(replaced(kExample, "01022024", "31022024")),
                "field 2 (issueDate): date \"31022024\": no such day" },
            { efOf(replaced(kExample, "01011980", "0101198A")), "field 6 (birthDate): date" },
            { efOf(replaced(kExample, "01022030", "2902202A")), "field 3 (expiryDate): date" },
        };
        for (const auto& [ef, part] : cases)
            c.throws(
                Errc::CardData, [&] { (void)PersonalData::parse(ef); }, part, part);
    });
}

void parse_leapDay_isAccepted(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto pd = PersonalData::parse(efOf(replaced(kExample, "01022024", "29022024")));
        c.that(pd.issueDate == Date { 2024, 2, 29 }, "29 Feb 2024");
        c.throws(
            Errc::CardData,
            [] { (void)PersonalData::parse(efOf(replaced(kExample, "01022024", "29022023"))); },
            "29 Feb 2023", "no such day");
        c.throws(
            Errc::CardData,
            [] { (void)PersonalData::parse(efOf(replaced(kExample, "01022024", "29021900"))); },
            "29 Feb 1900", "no such day");
        c.noThrow([] { (void)Date::parseDdMmYyyy("29022000"); }, "29 Feb 2000");
        c.throws(
            Errc::CardData, [] { (void)Date::parseDdMmYyyy("1011980"); }, "7 digits");
        c.throws(
            Errc::CardData, [] { (void)Date::parseDdMmYyyy("01131980"); }, "month 13");
        c.throws(
            Errc::CardData, [] { (void)Date::parseDdMmYyyy("00011980"); }, "day 0");
    });
}

} // namespace

int runPersonalDataTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_syntheticExample_readsAllFields),
        cmocka_unit_test(parse_headerVariants_areNotTrusted),
        cmocka_unit_test(parse_fewerFields_needNineAndCleanEnd),
        cmocka_unit_test(parse_garbage_throwsCardData),
        cmocka_unit_test(parse_leapDay_isAccepted),
    };
    return cmocka_run_group_tests_name("cns_personal_data", tests, nullptr, nullptr);
}
