// SPDX-License-Identifier: LGPL-2.1-or-later
// CNS certificate subject CN "<CF>/<card ID>.<hash>" (cns-card.md §4).
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/cns/subject_cn.hpp"

using namespace tscns;
using namespace tscns::cns;

namespace {

// base64 of the bytes 00 01 .. 13.
constexpr std::string_view kHash = "AAECAwQFBgcICQoLDA0ODxAREhM=";

void parse_syntheticCn_splitsParts(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const std::string cn = "RSSMRA80A01F205X/6030012345678904." + std::string(kHash);
        const auto s = SubjectCn::parse(cn);
        c.eq(s.codiceFiscale, std::string_view("RSSMRA80A01F205X"), "codice fiscale");
        c.eq(s.cardId.digits, std::string_view("6030012345678904"), "card ID");
        c.eq(s.cardId.issuer, std::string_view("030"), "issuer");
        c.eq(s.hashBase64, kHash, "hash text");
        c.hex(s.hash, "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13", "hash bytes");
        // A hash containing '/' and '+': split at the first '/' only.
        const auto slashy
            = SubjectCn::parse("RSSMRA80A01F205X/6030012345678904.//////////////////+++++++++=");
        c.eq(slashy.hash.size(), 20u, "hash with / and +");
        c.that(slashy.hash[0] == 0xFF, "first byte of ////");
        // A card ID without the Luhn digit is still the card's ID (the check is reported).
        const auto nonLuhn
            = SubjectCn::parse("RSSMRA80A01F205X/6030012345678905." + std::string(kHash));
        c.eq(nonLuhn.cardId.digits, std::string_view("6030012345678905"), "non-Luhn card ID");
        c.that(!nonLuhn.cardId.checks.luhn, "Luhn check reported failed");
    });
}

void parse_invalid_throwsCardData(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const std::string good = "RSSMRA80A01F205X/6030012345678904." + std::string(kHash);
        struct Case {
            std::string cn;
            const char* part;
        };
        const Case cases[] = {
            { "", "no '/'" },
            { "RSSMRA80A01F205X", "no '/'" },
            { "RSSMRA80A01F205X/6030012345678904", "no '.'" },
            { "CN=" + good, "codice fiscale" },
            { "RSSMRA80A01F205Y/6030012345678904." + std::string(kHash), "check character Y" },
            { "RSSMRA80A01F205X/603001234567890A." + std::string(kHash), "'A' at position 16" },
            { "RSSMRA80A01F205X/603001234567890." + std::string(kHash), "15 bytes" },
            { "RSSMRA80A01F205X/6030012345678904.", "hash has 0 characters" },
            { good.substr(0, good.size() - 1), "hash has 27 characters" },
            { good + "=", "hash has 29 characters" },
            { "RSSMRA80A01F205X/6030012345678904.AAECAwQFBgcICQoLDA0ODxAREhMA",
                "does not end with" },
            { "RSSMRA80A01F205X/6030012345678904.AAECAwQFBgcICQoLDA0ODxAREh*=",
                "\"*\" is not base64" },
        };
        for (const auto& k : cases)
            c.throws(
                Errc::CardData, [&] { (void)SubjectCn::parse(k.cn); }, k.cn, k.part);
    });
}

} // namespace

int runSubjectCnTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_syntheticCn_splitsParts),
        cmocka_unit_test(parse_invalid_throwsCardData),
    };
    return cmocka_run_group_tests_name("cns_subject_cn", tests, nullptr, nullptr);
}
