// SPDX-License-Identifier: LGPL-2.1-or-later
// ATR structure, CNS interpretation and the known-ATR table of cns-card.md §7.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/apdu/atr.hpp"
#include "tscns/cns/atr_info.hpp"
#include "tscns/cns/known_atrs.hpp"
#include "tscns/cns/profile.hpp"

using namespace tscns;
using namespace tscns::apdu;
using namespace tscns::cns;

namespace {

constexpr const char* kSt2021
    = "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80 8D";
constexpr const char* kIdemia2021
    = "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 21 01 43 4E 53 10 31 80 79";

void parse_st2021_readsEveryField(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto atr = Atr::parse(fromHex(kSt2021));
        c.eq(atr.ts, 0x3B, "TS");
        c.eq(atr.t0, 0xFF, "T0");
        c.eq(atr.groups.size(), 3u, "interface groups");
        c.eq(atr.ta(1), std::optional<std::uint8_t>(0x18), "TA1");
        c.eq(atr.tb(1), std::optional<std::uint8_t>(0x00), "TB1");
        c.eq(atr.tc(1), std::optional<std::uint8_t>(0xFF), "TC1");
        c.eq(atr.td(1), std::optional<std::uint8_t>(0x81), "TD1");
        c.that(!atr.ta(2) && !atr.tb(2) && !atr.tc(2), "group 2 has only TD2");
        c.eq(atr.td(2), std::optional<std::uint8_t>(0x31), "TD2");
        c.eq(atr.ta(3), std::optional<std::uint8_t>(0xFE), "TA3 = IFSC 254");
        c.eq(atr.tb(3), std::optional<std::uint8_t>(0x55), "TB3");
        c.that(!atr.td(3) && !atr.ta(4) && !atr.ta(0), "nothing beyond");
        c.hex(atr.historical, "00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80", "historical bytes");
        c.eq(atr.tck, std::optional<std::uint8_t>(0x8D), "TCK");
        c.that(atr.protocols() == std::vector<int> { 1, 1 }, "protocols T=1, T=1");
        c.that(atr.offersProtocol(1) && !atr.offersProtocol(0), "T=1 only");
        c.bytes(atr.raw, fromHex(kSt2021), "raw kept");
    });
}

void parse_t0Only_hasNoTck(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto atr = Atr::parse(fromHex("3B 02 14 50"));
        c.that(!atr.tck, "no TCK");
        c.hex(atr.historical, "14 50", "historical");
        c.that(atr.protocols() == std::vector<int> { 0 }, "implicit T=0");
        const auto inverse = Atr::parse(fromHex("3F 00"));
        c.eq(inverse.ts, 0x3F, "inverse convention TS accepted");
        // T=15 in TD2 carries global bytes, still requires TCK.
        const auto global = Atr::parse(fromHex("3B 80 80 1F 03 1C"));
        c.that(global.tck.has_value(), "TCK with T=15");
        c.that(global.protocols() == std::vector<int> { 0 }, "T=15 is not a protocol");
    });
}

void parse_malformed_throwsCardData(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            std::string hex;
            const char* part;
        };
        std::string badTck = kSt2021;
        badTck.replace(badTck.size() - 2, 2, "8E");
        std::string trailing = std::string(kSt2021) + " 00";
        std::string tooLong = "3B 0F";
        for (int i = 0; i < 32; ++i)
            tooLong += " 00";
        const Case cases[] = {
            { "", "empty" },
            { "3C 00", "TS 3C is neither 3B" },
            { "FF FF FF", "TS FF" },
            { "3B", "T0 missing" },
            { "3B FF 18", "TB1 announced" },
            { "3B 80 80 80 80", "TD4 announced" },
            { "3B 8F 80 01 00 6B", "15 historical bytes, 2 present" },
            { "3B 80 80 01", "TCK missing" },
            { badTck, "XOR of T0..TCK is 03" },
            { trailing, "1 unexpected byte(s) after TCK" },
            { "3B 02 14 50 00", "after the historical bytes" },
            { tooLong, "34 bytes" },
        };
        for (const auto& k : cases) {
            const Bytes data = fromHex(k.hex);
            c.throws(
                Errc::CardData, [&] { (void)Atr::parse(data); }, k.hex, k.part);
        }
    });
}

void knownAtrs_everyEntry_parsesAndMatchesItsKind(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.eq(knownAtrs().size(), 27u, "22 table rows + 5 other Italian cards");
        std::size_t contact = 0;
        for (const auto& k : knownAtrs()) {
            const std::string what(k.hex);
            const Bytes raw = fromHex(k.hex);
            Atr atr;
            try {
                atr = Atr::parse(raw);
            } catch (const Error& e) {
                c.report(what + ": " + e.message());
                continue;
            }
            c.that(atr.tck.has_value(), what + ": TCK present and checked");
            c.that(findKnownAtr(raw) == &k, what + ": look-up finds the entry");
            c.that(!k.label.empty(), what + ": label");
            const auto info = interpretCnsAtr(atr);
            switch (k.kind) {
            case KnownAtr::Kind::CnsContact:
                ++contact;
                c.that(matchesCnsLoose(atr), what + ": CNS at H10");
                c.that(matchesCnsStrict(atr), what + ": strict OpenSC 0.23 structure");
                c.that(info && info->strictStructure && info->application == 0x01, what + ": info");
                c.that(profileForAtr(raw).has_value(), what + ": has a profile");
                break;
            case KnownAtr::Kind::CnsContactless:
            case KnownAtr::Kind::NotCns:
                c.that(!matchesCnsLoose(atr), what + ": no CNS at H10");
                c.that(!matchesCnsStrict(atr), what + ": not the CNS contact structure");
                c.that(!info, what + ": no CNS info");
                c.that(!profileForAtr(raw), what + ": no profile from the ATR");
                break;
            }
        }
        c.eq(contact, 19u, "contact CNS rows");
        c.that(findKnownAtr(fromHex("3B 02 14 50")) == nullptr, "unknown ATR");
        c.that(findKnownAtr(Bytes {}) == nullptr, "empty ATR");
        Bytes prefix = fromHex(kSt2021);
        prefix.pop_back();
        c.that(findKnownAtr(prefix) == nullptr, "prefix does not match");
    });
}

void interpretCnsAtr_st2021_andIdemia(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto st = interpretCnsAtr(Atr::parse(fromHex(kSt2021)));
        c.that(st.has_value(), "ST 2021 is CNS");
        if (st) {
            c.eq(st->h1, 0x00, "H1");
            c.eq(st->h2, 0x6B, "H2");
            c.eq(st->chipManufacturer, 0x02, "H3");
            c.eq(st->chipManufacturerName(), std::string_view("STMicroelectronics"), "H3 name");
            c.eq(st->maskManufacturer, 0x09, "H4");
            c.eq(st->maskManufacturerName(), std::string_view("STIncard"), "H4 name");
            c.eq(st->osVersion, 0x1617, "H5H6");
            c.eq(st->application, 0x01, "H7");
            c.eq(st->h8, 0x11, "H8");
            c.eq(st->h9, 0x01, "H9");
            c.eq(st->version, 0x11, "H13");
            c.eq(st->versionString(), std::string_view("1.1"), "version 1.1");
            c.that(st->isStIncard() && !st->isIdemia2021(), "STIncard");
        }
        const auto id = interpretCnsAtr(Atr::parse(fromHex(kIdemia2021)));
        c.that(id && id->isIdemia2021() && !id->isStIncard(), "IDEMIA 2021");
        if (id) {
            c.eq(id->versionString(), std::string_view("1.0"), "IDEMIA says 1.0");
            c.eq(id->chipManufacturerName(), std::string_view("Infineon"), "H3 name");
            c.eq(id->maskManufacturerName(), std::string_view("IDEMIA (Oberthur)"), "H4 name");
        }
        c.eq(chipManufacturerName(0x04), std::string_view("NXP"), "04");
        c.eq(chipManufacturerName(0x11), std::string_view("Emosyn-EM"), "11");
        c.eq(chipManufacturerName(0x15), std::string_view("Atmel"), "15");
        c.eq(chipManufacturerName(0x99), std::string_view("unknown"), "99");
        const char* masks[] = { "unknown", "Kaitech", "Gemplus", "Ghirlanda", "Giesecke & Devrient",
            "IDEMIA (Oberthur)", "Orga", "Axalto", "Siemens", "STIncard", "GEP", "EPS Corp",
            "Athena", "Gemalto", "unknown" };
        for (std::uint8_t i = 0; i <= 0x0E; ++i)
            c.eq(maskManufacturerName(i), std::string_view(masks[i]), "mask " + std::to_string(i));
    });
}

void matchers_looseWithoutStructure_isNotStrict(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        // The CNS historical bytes behind a T=0-only ATR: OpenSC master accepts, 0.23 does not.
        const auto atr = Atr::parse(fromHex("3B 0F 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80"));
        c.that(matchesCnsLoose(atr), "loose");
        c.that(!matchesCnsStrict(atr), "not strict");
        const auto info = interpretCnsAtr(atr);
        c.that(info && !info->strictStructure, "info without strict structure");
        // Right structure, but "CNS" moved.
        const auto moved = Atr::parse(
            fromHex("3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 43 4E 53 01 11 31 80 8D"));
        c.that(!matchesCnsLoose(moved) && !matchesCnsStrict(moved), "CNS not at H10");
        // CIE v2: same structure, H7.. = 02 "ITID".
        const auto cie = Atr::parse(
            fromHex("3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 13 00 02 49 54 49 44 20 20 31 80 D3"));
        c.that(!matchesCnsLoose(cie) && !matchesCnsStrict(cie), "CIE v2");
    });
}

void profileForAtr_picksFamilyFromHistoricalBytes(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            const char* hex;
            const char* profile;
        };
        const Case cases[] = {
            { kSt2021, "CNS classic (STIncard mask)" },
            { "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 03 03 01 01 01 43 4E 53 10 31 80 9D",
                "CNS classic (STIncard mask)" },
            { "3B FF 18 00 FF C1 0A 31 FE 55 00 6B 05 08 C8 05 01 11 01 43 4E 53 10 31 80 0C",
                "CNS classic" },
            { kIdemia2021, "IDEMIA 2021" },
            { "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 91 20 01 F1 01 43 4E 53 10 31 80 38",
                "IDEMIA 2021" },
            { "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 10 17 01 21 01 43 4E 53 10 31 80 5E",
                "CNS classic" },
            { "3B FF 18 00 00 81 31 FE 45 00 6B 04 05 01 00 01 21 01 43 4E 53 10 31 80 59",
                "CNS classic" },
            { "3B DF 18 00 81 31 FE 7D 00 6B 15 0C 01 81 01 11 01 43 4E 53 10 31 80 E8",
                "CNS classic" },
        };
        for (const auto& k : cases) {
            const auto p = profileForAtr(fromHex(k.hex));
            c.that(p.has_value(), std::string(k.hex) + ": profile");
            if (p) c.eq(p->name, std::string_view(k.profile), k.hex);
        }
        c.that(!profileForAtr(fromHex("3B 80 80 01 01")), "contactless: no profile from the ATR");
        c.throws(
            Errc::CardData, [] { (void)profileForAtr(fromHex("3B FF")); }, "garbage ATR");
    });
}

} // namespace

int runAtrTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_st2021_readsEveryField),
        cmocka_unit_test(parse_t0Only_hasNoTck),
        cmocka_unit_test(parse_malformed_throwsCardData),
        cmocka_unit_test(knownAtrs_everyEntry_parsesAndMatchesItsKind),
        cmocka_unit_test(interpretCnsAtr_st2021_andIdemia),
        cmocka_unit_test(matchers_looseWithoutStructure_isNotStrict),
        cmocka_unit_test(profileForAtr_picksFamilyFromHistoricalBytes),
    };
    return cmocka_run_group_tests_name("apdu_atr", tests, nullptr, nullptr);
}
