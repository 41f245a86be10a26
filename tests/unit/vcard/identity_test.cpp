// SPDX-License-Identifier: LGPL-2.1-or-later
// Identity encodings of the virtual card (codice fiscale, Luhn, EF_DatiPersonali, dates), the
// profile table and file-path names.
#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/identity.hpp"
#include "tscns/vcard/profiles.hpp"

#include <cstring>

// cmocka last: its fail() macro clashes with std::basic_ios::fail() in later includes.
#include "test_support.hpp"

using namespace tscns;
using namespace tscns::vcard;

namespace {

// Per-test scratch space: results with destructors live here, not in test locals
// (docs/development.md §6: a failed assertion longjmps over local destructors).
struct Scratch {
    Bytes bytes;
    FilePath path;
};

int scratchSetup(void** state)
{
    *state = new Scratch;
    return 0;
}

int scratchTeardown(void** state)
{
    delete static_cast<Scratch*>(*state);
    return 0;
}

Scratch* scratch(void** state)
{
    return static_cast<Scratch*>(*state);
}

// Helpers compare std::string results and return bool, so no string outlives them.
bool cfIs(const char* surname, const char* name, Date birth, char sex, const char* place,
    const char* expected)
{
    return codiceFiscale(surname, name, birth, sex, place) == expected;
}

bool cfPart(const char* surname, const char* name, Date birth, char sex, const char* place,
    std::size_t pos, const char* expected)
{
    return codiceFiscale(surname, name, birth, sex, place).substr(pos, std::strlen(expected))
        == expected;
}

bool cfSelfValid(const char* surname, const char* name, Date birth, char sex, const char* place)
{
    return codiceFiscaleValid(codiceFiscale(surname, name, birth, sex, place));
}

bool isoIs(Date d, const char* expected)
{
    return d.iso() == expected;
}
bool ddmmyyyyIs(Date d, const char* expected)
{
    return d.ddmmyyyy() == expected;
}
bool pathNameIs(const FilePath& p, char sep, const char* expected)
{
    return filePathName(p, sep) == expected;
}

void codiceFiscale_knownVectors(void**)
{
    // cns-card.md §3 synthetic example, and the classic public example.
    assert_true(cfIs("ROSSI", "MARIO", { 1980, 1, 1 }, 'M', "F205", "RSSMRA80A01F205X"));
    assert_true(cfIs("Rossi", "Mario", { 1985, 12, 10 }, 'M', "A562", "RSSMRA85T10A562S"));
}

void codiceFiscale_nameRules(void**)
{
    // Given name with four or more consonants: 1st, 3rd and 4th (G N F R N C -> GFR).
    assert_true(cfPart("ROSSI", "GIANFRANCO", { 1970, 6, 2 }, 'M', "H501", 0, "RSSGFR"));
    // Short surname padded with X; spaces ignored; vowels after consonants.
    assert_true(cfPart("FO", "ANNA", { 1990, 5, 15 }, 'F', "H501", 0, "FOXNNA"));
    assert_true(cfPart("DE LUCA", "ELENA", { 1990, 5, 15 }, 'F', "H501", 0, "DLCLNE"));
    // Women: day + 40; month letters A B C D E H L M P R S T.
    assert_true(cfPart("BIANCHI", "ANNA", { 1990, 5, 15 }, 'F', "H501", 6, "90E55H501"));
    assert_true(cfPart("BIANCHI", "LUCA", { 2001, 9, 3 }, 'M', "D612", 6, "01P03D612"));
    assert_true(cfSelfValid("BIANCHI", "ANNA", { 1990, 5, 15 }, 'F', "H501"));
}

void codiceFiscale_checkCharacter(void**)
{
    assert_true(codiceFiscaleValid("RSSMRA80A01F205X"));
    assert_false(codiceFiscaleValid("RSSMRA80A01F205Y"));
    assert_false(codiceFiscaleValid("RSSMRA80A01F205"));
    assert_int_equal(codiceFiscaleCheckChar("RSSMRA85T10A562"), 'S');
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] { (void)codiceFiscaleCheckChar("RSSMRA85T10A56"); });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        (void)codiceFiscale("ROSSI", "MARIO", { 1980, 2, 30 }, 'M', "F205");
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        (void)codiceFiscale("ROSSI", "MARIO", { 1980, 2, 3 }, 'X', "F205");
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        (void)codiceFiscale("ROSSI", "MARIO", { 1980, 2, 3 }, 'M', "205F");
    });
}

void luhn_checkDigits(void**)
{
    assert_int_equal(luhnCheckDigit("7992739871"), '3');
    assert_true(luhnValid("79927398713"));
    assert_false(luhnValid("79927398710"));
    assert_true(luhnValid("6030012345678904")); // cns-card.md §4 synthetic card ID
    assert_int_equal(luhnCheckDigit("603001234567890"), '4');
    assert_false(luhnValid("60300123456789a4"));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] { (void)luhnCheckDigit("12x"); });
}

void datiPersonali_matchesDocumentedExample(void** state)
{
    Scratch* s = scratch(state);
    // cns-card.md §3: header 0x65 = 101 = 6 + 95, then 0x00 up to 400 bytes.
    const char* expected = "000065"
                           "046030"
                           "0801022024"
                           "0801022030"
                           "05ROSSI"
                           "05MARIO"
                           "0801011980"
                           "01M"
                           "00"
                           "10RSSMRA80A01F205X"
                           "00"
                           "04F205"
                           "00"
                           "00"
                           "04F205"
                           "00"
                           "00";
    TSCNS_NO_THROW([&] {
        DatiPersonali d;
        d[0] = "6030";
        d[1] = "01022024";
        d[2] = "01022030";
        d[3] = "ROSSI";
        d[4] = "MARIO";
        d[5] = "01011980";
        d[6] = "M";
        d[8] = "RSSMRA80A01F205X";
        d[10] = "F205";
        d[13] = "F205";
        s->bytes = encodeDatiPersonali(d);
    });
    assert_int_equal(s->bytes.size(), 400);
    assert_int_equal(std::strlen(expected), 101);
    assert_memory_equal(s->bytes.data(), expected, 101);
    for (std::size_t i = 101; i < s->bytes.size(); ++i)
        assert_int_equal(s->bytes[i], 0x00);
}

void datiPersonali_limits(void**)
{
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        DatiPersonali d;
        d[3] = std::string(256, 'A');
        (void)encodeDatiPersonali(d);
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        DatiPersonali d;
        d[3] = std::string(200, 'A');
        d[4] = std::string(200, 'B');
        (void)encodeDatiPersonali(d);
    });
}

void date_arithmeticAndFormats(void**)
{
    assert_true((Date { 2024, 2, 29 }.plusYears(6) == Date { 2030, 2, 28 }));
    assert_true((Date { 2024, 2, 29 }.plusYears(4) == Date { 2028, 2, 29 }));
    assert_true((Date { 2023, 12, 31 }.plusDays(1) == Date { 2024, 1, 1 }));
    assert_true((Date { 2024, 3, 1 }.plusDays(-1) == Date { 2024, 2, 29 }));
    assert_true((Date { 2023, 7, 1 }.plusDays(1095) == Date { 2026, 6, 30 }));
    assert_true(isoIs({ 2024, 2, 9 }, "2024-02-09"));
    assert_true(ddmmyyyyIs({ 2024, 2, 9 }, "09022024"));
    assert_true((Date::parseIso("1999-12-31") == Date { 1999, 12, 31 }));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] { (void)Date::parseIso("2023-02-29"); });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] { (void)Date::parseIso("2023/02/01"); });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] { (void)Date::parseIso("23-02-01"); });
}

void profiles_tableMatchesCnsCardDoc(void** state)
{
    Scratch* s = scratch(state);
    static const char* const kNames[] = { "st-cns11", "athena-cns10", "cardos-cns10", "idemia-2021",
        "infocamere-1204", "ace-2025", "chipdoc-cns", "st-2022-nfc", "foreign-idemia" };
    assert_int_equal(profiles().size(), 9);
    for (std::size_t i = 0; i < 9; ++i)
        assert_true(profiles()[i].name == kNames[i]);
    assert_true(profiles()[0].name == kDefaultProfile);
    for (const Profile& p : profiles()) {
        // TCK: XOR of T0..TCK is 0 (cns-card.md §7).
        TSCNS_NO_THROW([&] { s->bytes = p.atr(); });
        assert_int_equal(s->bytes[0], 0x3B);
        std::uint8_t x = 0;
        for (std::size_t i = 1; i < s->bytes.size(); ++i)
            x = static_cast<std::uint8_t>(x ^ s->bytes[i]);
        assert_int_equal(x, 0);
        // Contact cards: "CNS" at H10-H12 (15 historical bytes, ending 31 80 TCK); the
        // contactless one has a bare ATR and the AID it must be reached by.
        if (s->bytes.size() > 5)
            assert_memory_equal(s->bytes.data() + s->bytes.size() - 7, "CNS", 3);
        else
            assert_true(p.aidRequired && !p.aidHex.empty());
    }
    const Profile* ace = findProfile("ace-2025");
    assert_non_null(ace);
    assert_true(ace->certPath == "3F00/DA01/C001" && ace->aidRequiredOption && !ace->aidRequired);
    assert_true(ace->aidHex == "A0 00 00 05 30 00 0B 10 40 01 02 1A");
    assert_true(findProfile("infocamere-1204")->wrappedCertificate);
    assert_int_equal(findProfile("infocamere-1204")->keyRef, 0x21);
    assert_true(findProfile("chipdoc-cns")->aidRequired);
    const Profile* st = findProfile("st-cns11");
    const Profile* idemia = findProfile("idemia-2021");
    const Profile* foreign = findProfile("foreign-idemia");
    assert_non_null(st);
    assert_non_null(idemia);
    assert_non_null(foreign);
    assert_true(st->acceptsPinRef(0x90) && st->acceptsPinRef(0x10) && st->acceptsPukRef(0x91));
    assert_false(findProfile("athena-cns10")->acceptsPinRef(0x90));
    assert_false(st->acceptsPinRef(0x00));
    assert_int_equal(st->defaultKeyBits, 2048);
    assert_int_equal(findProfile("cardos-cns10")->defaultKeyBits, 1024);
    assert_true(idemia->atrHex == foreign->atrHex);
    assert_false(foreign->cnsApplication);
    assert_int_equal(idemia->maxChallenge, 32);
    assert_int_equal(idemia->keyRef, 0x02);
    assert_true(idemia->certPath == "3F00/1400/9001/2002");
    assert_null(findProfile("st"));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] { (void)requireProfile("nope"); });
}

void filePath_namesRoundTrip(void** state)
{
    Scratch* s = scratch(state);
    TSCNS_NO_THROW([&] { s->path = parseFilePath("3F00/1100/1101"); });
    assert_int_equal(s->path.size(), 3);
    assert_int_equal(s->path[2], 0x1101);
    assert_true(pathNameIs(s->path, '-', "3F00-1100-1101"));
    assert_true(pathNameIs(s->path, '/', "3F00/1100/1101"));
    TSCNS_NO_THROW([&] { s->path = parseFilePath("3f00-1400-9001-2002"); });
    assert_int_equal(s->path[3], 0x2002);
    for (const char* bad :
        { "1100-1101", "3F00-11", "3F00-GG00", "3F00-", "3F00 1100", "", "3F00-3F00" })
        TSCNS_EXPECT_ERROR(Errc::BadArgument, [bad] { (void)parseFilePath(bad); });
}

} // namespace

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codiceFiscale_knownVectors),
        cmocka_unit_test(codiceFiscale_nameRules),
        cmocka_unit_test(codiceFiscale_checkCharacter),
        cmocka_unit_test(luhn_checkDigits),
        cmocka_unit_test_setup_teardown(
            datiPersonali_matchesDocumentedExample, scratchSetup, scratchTeardown),
        cmocka_unit_test(datiPersonali_limits),
        cmocka_unit_test(date_arithmeticAndFormats),
        cmocka_unit_test_setup_teardown(
            profiles_tableMatchesCnsCardDoc, scratchSetup, scratchTeardown),
        cmocka_unit_test_setup_teardown(filePath_namesRoundTrip, scratchSetup, scratchTeardown),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
