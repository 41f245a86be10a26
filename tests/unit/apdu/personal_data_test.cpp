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

/// Records a failure unless one of pd's warnings contains `part`.
void expectWarning(
    test::Checker& c, const PersonalData& pd, std::string_view part, std::string_view what)
{
    for (const auto& w : pd.warnings)
        if (w.find(part) != std::string::npos) return;
    std::string all;
    for (const auto& w : pd.warnings)
        all += " [" + w + "]";
    c.report(std::string(what) + ": no warning contains \"" + std::string(part) + "\";" + all);
}

void parse_fewerFields_areWarnings(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        // Fields 1-9 only ("…0010RSSMRA80A01F205X"), then padding or nothing.
        const std::string nine(kExample.substr(0, kExample.find("RSSMRA80A01F205X") + 16));
        const auto padded = PersonalData::parse(efOf(nine));
        c.eq(padded.fieldCount, 9u, "9 fields then padding");
        c.eq(padded.codiceFiscale, std::string_view("RSSMRA80A01F205X"), "field 9");
        c.eq(padded.residenceMunicipality, std::string_view(""), "absent field 14");
        c.that(padded.warnings.empty(), "9 fields: nothing to warn about");
        const auto bare = PersonalData::parse(asBytes(nine));
        c.eq(bare.fieldCount, 9u, "9 fields then end of data");
        const std::string eight(kExample.substr(0, kExample.find("10RSSMRA")));
        const auto short8 = PersonalData::parse(efOf(eight));
        c.eq(short8.fieldCount, 8u, "8 fields read");
        c.eq(short8.surname, std::string_view("ROSSI"), "surname of an 8-field EF");
        expectWarning(c, short8, "only 8 fields", "8 fields");
        const auto ffPadded = PersonalData::parse([&] {
            Bytes b = bytesOf(nine);
            b.resize(kEfSize, 0xFF);
            return b;
        }());
        c.eq(ffPadded.fieldCount, 9u, "FF padding ends the fields too");
        c.that(ffPadded.warnings.empty(), "FF padding is no warning");
        c.throws(
            Errc::CardData, [] { (void)PersonalData::parse(efOf("000006")); }, "header only",
            "no field could be read");
    });
}

void parse_oddBytes_bestEffortWithWarnings(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto badHeader = PersonalData::parse(efOf(replaced(kExample, "000065", "00006Z")));
        c.eq(badHeader.surname, std::string_view("ROSSI"), "non-hex header: fields still read");
        expectWarning(c, badHeader, "header is not hexadecimal", "non-hex header");

        const auto badLength = PersonalData::parse(efOf(replaced(kExample, "05ROSSI", "0GROSSI")));
        c.eq(badLength.fieldCount, 3u, "fields before the bad length kept");
        c.that(badLength.expiryDate == Date { 2030, 2, 1 }, "field 3 kept");
        expectWarning(
            c, badLength, "field 4 (surname): length \"0G\" at offset 32", "non-hex length");

        const auto pastEnd = PersonalData::parse(bytesOf(replaced(kExample, "05ROSSI", "FFROSSI")));
        c.eq(pastEnd.fieldCount, 4u, "the overlong field is the last");
        c.eq(pastEnd.surname.substr(0, 5), std::string_view("ROSSI"), "overlong field kept");
        expectWarning(c, pastEnd, "field 4 (surname): 255 bytes announced, 67 left", "past end");

        const auto cut = PersonalData::parse(bytesOf(kExample.substr(0, 50)));
        c.eq(cut.surname, std::string_view("ROSSI"), "cut EF: surname");
        c.that(!cut.birthDate.has_value(), "cut EF: incomplete birth date dropped");
        expectWarning(c, cut, "field 6 (birthDate): 8 bytes announced", "cut EF");

        const auto extra = PersonalData::parse(bytesOf(std::string(kExample) + "0212"));
        c.eq(extra.fieldCount, 16u, "16 fields");
        expectWarning(c, extra, "4 bytes of other data after field 16", "a 17th field");

        Bytes tail = efOf(kExample);
        tail[399] = 'X';
        expectWarning(c, PersonalData::parse(tail), "1 bytes of other data", "byte at the end");

        Bytes control = efOf(kExample);
        control[kExample.find("ROSSI")] = 0x01;
        const auto ctl = PersonalData::parse(control);
        c.eq(ctl.surname, std::string_view("\xEF\xBF\xBDOSSI"), "control byte as U+FFFD");
        expectWarning(c, ctl, "field 4 (surname): non-printable", "control byte");

        Bytes latin1 = efOf(replaced(kExample, "05ROSSI", "05NICOL"));
        latin1[kExample.find("ROSSI") + 4] = 0xD2; // "NICOÒ" in Latin-1
        const auto accent = PersonalData::parse(latin1);
        c.eq(accent.surname, std::string_view("NICO\xC3\x92"), "Latin-1 to UTF-8");
        expectWarning(c, accent, "field 4 (surname): bytes beyond ASCII", "Latin-1");

        const auto badDate = PersonalData::parse(efOf(replaced(kExample, "01022024", "31022024")));
        c.that(!badDate.issueDate.has_value(), "impossible date dropped");
        c.eq(badDate.surname, std::string_view("ROSSI"), "the rest kept");
        expectWarning(c, badDate, "field 2 (issueDate): date \"31022024\": no such day", "date");
        expectWarning(c, PersonalData::parse(efOf(replaced(kExample, "01011980", "0101198A"))),
            "field 6 (birthDate): date", "non-digit date");

        c.throws(
            Errc::CardData, [] { (void)PersonalData::parse(Bytes {}); }, "empty",
            "0 bytes, too short");
        c.throws(
            Errc::CardData, [] { (void)PersonalData::parse(efOf("00006", 5)); }, "5 bytes",
            "5 bytes, too short");
        c.throws(
            Errc::CardData, [] { (void)PersonalData::parse(efOf("00006Z0G")); },
            "no readable field", "no field could be read");
    });
}

void parse_leapDay_isAccepted(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto pd = PersonalData::parse(efOf(replaced(kExample, "01022024", "29022024")));
        c.that(pd.issueDate == Date { 2024, 2, 29 }, "29 Feb 2024");
        c.that(!PersonalData::parse(efOf(replaced(kExample, "01022024", "29022023")))
                    .issueDate.has_value(),
            "29 Feb 2023 is no date");
        c.that(!PersonalData::parse(efOf(replaced(kExample, "01022024", "29021900")))
                    .issueDate.has_value(),
            "29 Feb 1900 is no date");
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
        cmocka_unit_test(parse_fewerFields_areWarnings),
        cmocka_unit_test(parse_oddBytes_bestEffortWithWarnings),
        cmocka_unit_test(parse_leapDay_isAccepted),
    };
    return cmocka_run_group_tests_name("cns_personal_data", tests, nullptr, nullptr);
}
