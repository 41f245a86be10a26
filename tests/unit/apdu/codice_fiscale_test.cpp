// SPDX-License-Identifier: LGPL-2.1-or-later
// Codice fiscale check character and structure.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/cns/codice_fiscale.hpp"

using namespace tscns;
using namespace tscns::cns;

namespace {

void checkChar_knownCodes(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        // The synthetic code of cns-card.md §3/§4: its check character is indeed X.
        c.eq(codiceFiscaleCheckChar("RSSMRA80A01F205"), 'X', "RSSMRA80A01F205X");
        c.eq(codiceFiscaleCheckChar("RSSMRA80A01H501"), 'U', "RSSMRA80A01H501U");
        c.eq(codiceFiscaleCheckChar("BNCLRA85T64L219"), 'Y', "female, day 24 + 40");
        c.eq(codiceFiscaleCheckChar("RSSMRA80A01H50M"), 'M', "omocodia in position 15");
        c.eq(codiceFiscaleCheckChar("RSSMRAULALMFNLR"), 'D', "every digit replaced");
        c.throws(
            Errc::BadArgument, [] { (void)codiceFiscaleCheckChar("RSSMRA80A01F20"); }, "14",
            "14 characters given, expected 15");
        c.throws(
            Errc::BadArgument, [] { (void)codiceFiscaleCheckChar("RSSMRA80A01F205X"); }, "16");
        c.throws(
            Errc::BadArgument, [] { (void)codiceFiscaleCheckChar("RSSMRA80A01F2-5"); }, "dash",
            "\"-\" at position 14");
        c.throws(
            Errc::BadArgument, [] { (void)codiceFiscaleCheckChar("rssmra80a01f205"); },
            "lowercase");
    });
}

void validate_validCodes_pass(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        for (const char* cf : { "RSSMRA80A01F205X", "RSSMRA80A01H501U", "BNCLRA85T64L219Y",
                 "RSSMRA80A01H50MM", "RSSMRAULALMFNLRD" }) {
            c.noThrow([&] { validateCodiceFiscale(cf); }, cf);
            c.that(isValidCodiceFiscale(cf), cf);
        }
    });
}

void validate_invalidCodes_throwBadArgument(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            const char* cf;
            const char* part;
        };
        const Case cases[] = {
            { "RSSMRA80A01F205Y", "check character Y is wrong, expected X" },
            { "RSSMRA80A01F205", "15 characters, expected 16" },
            { "RSSMRA80A01F205XX", "17 characters" },
            { "", "0 characters" },
            { "rssmra80a01f205x", "position 1 must be a letter" },
            { "R5SMRA80A01F205X", "position 2 must be a letter" },
            { "RSSMRA80A01F2O5L", "position 14 must be a digit" },
            { "RSSMRA80F01F205J", "month letter F" },
            { "RSSMRA80A32F205F", "day 32" },
            { "RSSMRA80A00F205Y", "day 0" },
            { "RSSMRA80A01F205-", "position 16 must be a letter" },
        };
        for (const auto& k : cases) {
            c.throws(
                Errc::BadArgument, [&] { validateCodiceFiscale(k.cf); }, k.cf, k.part);
            c.that(!isValidCodiceFiscale(k.cf), std::string("isValid(") + k.cf + ")");
        }
    });
}

} // namespace

int runCodiceFiscaleTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checkChar_knownCodes),
        cmocka_unit_test(validate_validCodes_pass),
        cmocka_unit_test(validate_invalidCodes_throwBadArgument),
    };
    return cmocka_run_group_tests_name("cns_codice_fiscale", tests, nullptr, nullptr);
}
