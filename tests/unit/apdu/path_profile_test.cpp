// SPDX-License-Identifier: LGPL-2.1-or-later
// Path parsing and the profile table.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/cns/profile.hpp"

using namespace tscns;
using namespace tscns::cns;

namespace {

static_assert(Path { 0x3F00, 0x1100, 0x1101 }.size() == 3);
static_assert(Path { 0x3F00, 0x1100 }.isAbsolute());
static_assert(Path { 0x3F00 }.isMf());
static_assert(!Path { 0x1000, 0x1003 }.isAbsolute());
static_assert(Path { 0x3F00, 0x1100 } == Path { 0x3F00, 0x1100 });
static_assert(std::is_trivially_destructible_v<Profile>, "profile tables need no destructor");

void parse_validPaths(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto cert = Path::parse("3F00/1100/1101");
        c.eq(cert.size(), 3u, "size");
        c.that(cert.isAbsolute() && !cert.isMf(), "absolute");
        c.eq(cert[2], 0x1101, "last FID");
        c.hex(cert.selectData(), "11 00 11 01", "select data without 3F00");
        c.eq(cert.toString(), std::string_view("3F00/1100/1101"), "toString");
        c.that(cert == (Path { 0x3F00, 0x1100, 0x1101 }), "equals literal");
        const auto lower = Path::parse("3f00/1400/9001/2002");
        c.eq(lower.toString(), std::string_view("3F00/1400/9001/2002"), "lowercase accepted");
        const auto rel = Path::parse("1000/1003");
        c.hex(rel.selectData(), "10 00 10 03", "relative select data");
        c.that(Path::parse("3F00").isMf(), "MF");
        c.hex(Path::parse("3F00").selectData(), "", "MF select data is empty");
        c.eq(cert.child(0x0001).toString(), std::string_view("3F00/1100/1101/0001"), "child");
        std::size_t n = 0;
        for (auto fid : cert) {
            (void)fid;
            ++n;
        }
        c.eq(n, 3u, "iteration");
        c.noThrow([] { (void)Path::parse("3F00/0001/0002/0003/0004/0005/0006/0007"); }, "8 FIDs");
    });
}

void parse_invalidPaths_throwBadArgument(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        struct Case {
            const char* text;
            const char* part;
        };
        const Case cases[] = {
            { "", "empty" },
            { "3F00/", "component \"\" is not 4 hex digits" },
            { "/3F00", "component \"\"" },
            { "3F00//1100", "component \"\"" },
            { "3F0/1100", "component \"3F0\"" },
            { "3F000/1100", "component \"3F000\"" },
            { "3F00/11G0", "component \"11G0\"" },
            { "3F00 /1100", "component \"3F00 \"" },
            { "1100/3F00", "3F00 (MF) only as the first FID" },
            { "3F00/FFFF", "reserved" },
            { "3F00/3FFF", "reserved" },
            { "3F00/0001/0002/0003/0004/0005/0006/0007/0008", "more than 8 FIDs" },
        };
        for (const auto& k : cases)
            c.throws(
                Errc::BadArgument, [&] { (void)Path::parse(k.text); }, k.text, k.part);
        c.throws(
            Errc::BadArgument, [] { (void)Path::parse("3F00").child(0x3F00); }, "child 3F00");
        c.throws(
            Errc::BadArgument,
            [] {
                (void)Path { 0x1000, 0x3F00 };
            },
            "literal with 3F00 inside");
    });
}

void profiles_tableMatchesDoc(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.eq(profiles().size(), 7u, "seven layouts");
        const auto& classic = classicProfile();
        c.that(classic.family == Family::Classic, "classic family");
        c.eq(classic.certificatePath().toString(), std::string_view("3F00/1100/1101"),
            "classic cert");
        c.eq(classic.keyReference, 0x01, "classic key");
        c.that(!classic.keyDf, "classic: no key DF");
        c.eq(classic.pinP2(), 0x10, "classic PIN P2");
        c.eq(classic.pukP2(), 0x11, "classic PUK P2");
        c.eq(classic.securityEnvironment, 0x03, "SE 3");
        c.eq(classic.maxChallenge, 8u, "classic challenge");
        c.eq(classic.minPinLength, 5u, "min PIN");
        c.eq(classic.maxPinLength, 8u, "max PIN");
        c.eq(classic.maxReadChunk, 0xFFu, "read chunk");

        const auto& st = stIncardProfile();
        c.eq(st.pinReference, 0x10, "STIncard PIN ref");
        c.eq(st.pinP2(), 0x90, "STIncard VERIFY P2 0x10|0x80");
        c.eq(st.pukP2(), 0x91, "STIncard PUK P2");
        c.that(st.certificatePath() == classic.certificatePath(), "STIncard cert path");

        const auto& idemia = idemia2021Profile();
        c.that(idemia.family == Family::Idemia2021, "IDEMIA family");
        c.eq(idemia.certificatePath().toString(), std::string_view("3F00/1400/9001/2002"),
            "IDEMIA cert");
        c.eq(idemia.keyReference, 0x02, "IDEMIA key");
        c.that(idemia.keyDf && idemia.keyDf->toString() == "3F00/1400/9002", "IDEMIA key DF");
        c.eq(idemia.pinP2(), 0x10, "IDEMIA PIN P2");
        c.eq(idemia.pukP2(), 0x11, "IDEMIA PUK P2");
        c.eq(idemia.maxChallenge, 32u, "IDEMIA challenge");
        c.that(!classic.usesApplication() && !idemia.usesApplication(), "MF-level layouts");

        const auto& info = infocamere1204Profile();
        c.that(info.family == Family::Infocamere1204, "Infocamere family");
        c.eq(info.certificatePath().toString(), std::string_view("3F00/2FFF/8228"), "1204 cert");
        c.that(info.certificateForm == CertificateForm::Wrapped1204, "wrapped form");
        c.eq(info.keyReference, 0x21, "Infocamere key");

        const auto& ace = ace2025Profile();
        c.that(ace.family == Family::Ace2025 && ace.usesApplication(), "ACe by AID");
        c.hex(Bytes(ace.aid.begin(), ace.aid.end()), "A0 00 00 05 30 00 0B 10 40 01 02 1A",
            "ACe AID");
        c.eq(ace.certificatePath().toString(), std::string_view("3F00/DA01/C001"), "ACe cert");
        c.eq(ace.certificate.count, std::size_t { 3 }, "ACe: three readings of DA01/C001");
        c.eq(ace.keyReference, 0x01, "ACe key");
        c.eq(ace.pinP2(), 0x10, "ACe PIN");
        c.eq(ace.pukP2(), 0x11, "ACe PUK");

        c.hex(Bytes(chipDocCnsProfile().aid.begin(), chipDocCnsProfile().aid.end()),
            "A0 00 00 05 30 00 0B 10 40 01 01 1B", "ChipDoc AID");
        c.hex(Bytes(jSign4Profile().aid.begin(), jSign4Profile().aid.end()),
            "A0 00 00 00 95 01 00 4D", "JSign4 AID");
        c.eq(jSign4Profile().certificatePath().toString(), std::string_view("3F00/1100/1101"),
            "JSign4: classic files inside the application");

        c.eq(familyName(Family::Classic), std::string_view("classic"), "family name");
        c.eq(familyName(Family::Ace2025), std::string_view("ace-2025"), "family name ACe");
        c.eq(familyName(Family::JSign4), std::string_view("jsign4"), "family name JSign4");
    });
}

void profileFor_rules(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        CnsAtrInfo info;
        info.chipManufacturer = 0x05;
        info.maskManufacturer = 0x05;
        info.osVersion = 0x2000;
        c.eq(profileFor(info).name, idemia2021Profile().name, "05 05 20");
        info.osVersion = 0x1FFF;
        c.eq(profileFor(info).name, classicProfile().name, "05 05 1F");
        info.chipManufacturer = 0x04;
        info.osVersion = 0x9100;
        c.eq(profileFor(info).name, classicProfile().name, "04 05 91: not IDEMIA 2021");
        info.maskManufacturer = 0x09;
        c.eq(profileFor(info).name, stIncardProfile().name, "H4 09");
        info.maskManufacturer = 0x04;
        c.eq(profileFor(info).name, ace2025Profile().name, "H4 04: G&D mask (ACe 2025)");
        info.chipManufacturer = 0x15;
        info.maskManufacturer = 0x0C;
        info.osVersion = 0x0302;
        c.eq(profileFor(info).name, chipDocCnsProfile().name, "15 0C 03: Bit4id token");
    });
}

} // namespace

int runPathProfileTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_validPaths),
        cmocka_unit_test(parse_invalidPaths_throwBadArgument),
        cmocka_unit_test(profiles_tableMatchesDoc),
        cmocka_unit_test(profileFor_rules),
    };
    return cmocka_run_group_tests_name("cns_path_profile", tests, nullptr, nullptr);
}
