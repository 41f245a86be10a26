// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns-vcard run` options, --fault-sw rules and vpcd addresses.
#include "link_options.hpp"
#include "link_policy_card.hpp"

// cmocka last: its fail() macro clashes with std::basic_ios::fail.
#include "link_test_support.hpp"

using namespace tscns;
using namespace tscns::vcard;
using namespace tscns::vcard::test;
using namespace std::chrono_literals;

namespace {

struct OptionsFixture {
    RunOptions options;
    std::string error;
};

bool parses(OptionsFixture& f, std::vector<std::string> args)
{
    f.error = tscns::test::exceptionText([&] { f.options = parseRunOptions(args); });
    return f.error.empty();
}

bool rejects(OptionsFixture& f, std::vector<std::string> args)
{
    f.error = tscns::test::errorMismatch(Errc::BadArgument, [&] { (void)parseRunOptions(args); });
    if (!f.error.empty()) {
        std::string line;
        for (const auto& a : args)
            line += " " + a;
        f.error = "args:" + line + ": " + f.error;
    }
    return f.error.empty();
}

bool endpointIs(OptionsFixture& f, const char* text, const char* host, std::uint16_t port)
{
    Endpoint e;
    f.error = tscns::test::exceptionText([&] { e = parseEndpoint(text); });
    if (!f.error.empty()) return false;
    if (e.host != host || e.port != port) {
        f.error
            = std::string(text) + " parsed as host '" + e.host + "' port " + std::to_string(e.port);
        return false;
    }
    return true;
}

bool printsAs(OptionsFixture& f, const char* text, const char* expected)
{
    std::string printed;
    f.error = tscns::test::exceptionText([&] { printed = parseEndpoint(text).toString(); });
    if (f.error.empty() && printed != expected)
        f.error = std::string(text) + " prints as " + printed;
    return f.error.empty();
}

bool endpointRejected(OptionsFixture& f, const char* text)
{
    f.error = tscns::test::errorMismatch(Errc::BadArgument, [&] { (void)parseEndpoint(text); });
    if (!f.error.empty()) f.error = std::string("'") + text + "': " + f.error;
    return f.error.empty();
}

bool faultIs(OptionsFixture& f, const char* text, std::uint8_t ins, std::uint16_t sw,
    std::optional<std::uint64_t> nth)
{
    FaultSw fault;
    f.error = tscns::test::exceptionText([&] { fault = parseFaultSw(text); });
    if (!f.error.empty()) return false;
    if (!(fault == FaultSw { ins, apdu::StatusWord(sw), nth })) {
        f.error = std::string(text) + " parsed as INS " + std::to_string(fault.ins) + " SW "
            + fault.sw.toString();
        return false;
    }
    return true;
}

void parseRunOptions_dirOnly_usesDefaults(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    TSCNS_LINK_CHECK(parses(f, { "/tmp/card" }), f.error);
    assert_string_equal(f.options.cardDir.c_str(), "/tmp/card");
    assert_string_equal(f.options.vpcd.host.c_str(), "localhost");
    assert_int_equal(f.options.vpcd.port, 35963);
    assert_false(f.options.apduLog.has_value());
    assert_int_equal(f.options.latency.count(), 0);
    assert_int_equal(f.options.baud, 0);
    assert_false(f.options.reconnect);
    assert_false(f.options.removeAfter.has_value());
    assert_false(f.options.reinsertAfter.has_value());
    assert_true(f.options.faults.empty());
    assert_false(f.options.exitAfterRemoval);
    assert_false(f.options.pidFile.has_value());
    assert_int_equal(f.options.connectTimeout.count(), 5000);
    assert_false(f.options.help);
}

void parseRunOptions_everyOption_isRead(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    TSCNS_LINK_CHECK(
        parses(f,
            { "--vpcd", "[::1]:35964", "card", "--apdu-log=-", "--latency-ms", "15", "--baud",
                "9600", "--reconnect", "--remove-after", "7", "--reinsert-after-ms=250",
                "--fault-sw", "2A=6F00", "--fault-sw", "b0=6282@2", "--exit-after-removal",
                "--pid-file", "/tmp/p.pid", "--connect-timeout-ms", "100" }),
        f.error);
    assert_string_equal(f.options.cardDir.c_str(), "card");
    assert_string_equal(f.options.vpcd.host.c_str(), "::1");
    assert_int_equal(f.options.vpcd.port, 35964);
    assert_string_equal(f.options.apduLog->c_str(), "-");
    assert_int_equal(f.options.latency.count(), 15);
    assert_int_equal(f.options.baud, 9600);
    assert_true(f.options.reconnect);
    assert_int_equal(*f.options.removeAfter, 7);
    assert_int_equal(f.options.reinsertAfter->count(), 250);
    assert_int_equal(f.options.faults.size(), 2);
    assert_true(f.options.faults[0] == (FaultSw { 0x2A, apdu::StatusWord(0x6F00), std::nullopt }));
    assert_true(f.options.faults[1] == (FaultSw { 0xB0, apdu::StatusWord(0x6282), 2 }));
    assert_true(f.options.exitAfterRemoval);
    assert_string_equal(f.options.pidFile->c_str(), "/tmp/p.pid");
    assert_int_equal(f.options.connectTimeout.count(), 100);
}

void parseRunOptions_help_needsNoDir(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    TSCNS_LINK_CHECK(parses(f, { "--help" }), f.error);
    assert_true(f.options.help);
    TSCNS_LINK_CHECK(parses(f, { "-h" }), f.error);
    assert_true(f.options.help);
}

void parseRunOptions_badInput_throwsBadArgument(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    TSCNS_LINK_CHECK(rejects(f, {}), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "b" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--bogus" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--vpcd" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--latency-ms", "-1" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--latency-ms", "1x" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--latency-ms", "86400001" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--baud", "fast" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--remove-after", "0" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--reinsert-after-ms", "10" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--reconnect=yes" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--apdu-log", "" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--fault-sw", "2A" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--vpcd", "host:0" }), f.error);
}

void parseFaultSw_forms_areRead(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    TSCNS_LINK_CHECK(faultIs(f, "2A=6F00", 0x2A, 0x6F00, std::nullopt), f.error);
    TSCNS_LINK_CHECK(faultIs(f, "20=63c1", 0x20, 0x63C1, std::nullopt), f.error);
    TSCNS_LINK_CHECK(faultIs(f, "B0=6282@3", 0xB0, 0x6282, 3), f.error);
}

void parseFaultSw_malformed_throwsBadArgument(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    for (const char* bad : { "", "2A", "2A=", "=6F00", "2A=6F", "2A=6F000", "2=6F00", "2A0=6F00",
             "ZZ=6F00", "2A=XY00", "2A=6F00@", "2A=6F00@0", "2A=6F00@x" }) {
        f.error = tscns::test::errorMismatch(Errc::BadArgument, [&] { (void)parseFaultSw(bad); });
        if (!f.error.empty()) f.error = std::string("'") + bad + "': " + f.error;
        TSCNS_LINK_CHECK(f.error.empty(), f.error);
    }
}

void parseEndpoint_forms_areRead(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    TSCNS_LINK_CHECK(endpointIs(f, "localhost:35963", "localhost", 35963), f.error);
    TSCNS_LINK_CHECK(endpointIs(f, "127.0.0.1:35964", "127.0.0.1", 35964), f.error);
    TSCNS_LINK_CHECK(endpointIs(f, "vpcd.example", "vpcd.example", 35963), f.error);
    TSCNS_LINK_CHECK(endpointIs(f, "[::1]:1", "::1", 1), f.error);
    TSCNS_LINK_CHECK(endpointIs(f, "[fe80::1%lo]", "fe80::1%lo", 35963), f.error);
    TSCNS_LINK_CHECK(printsAs(f, "[::1]:99", "[::1]:99"), f.error);
    TSCNS_LINK_CHECK(printsAs(f, "host", "host:35963"), f.error);
}

void parseEndpoint_malformed_throwsBadArgument(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    for (const char* bad : { "", ":35963", "host:", "host:0", "host:65536", "host:12a", "::1",
             "[::1", "[::1]x", "[]:1", "[::1]:" }) {
        TSCNS_LINK_CHECK(endpointRejected(f, bad), f.error);
    }
}

void parseRunOptions_faultOptions_areRead(void** state)
{
    auto& f = fixture<OptionsFixture>(state);
    TSCNS_LINK_CHECK(parses(f,
                         { "card", "--garbage-at", "3:noise", "--mute-at=4", "--mute-give-up-ms",
                             "300", "--reinsert-after-ms", "10" }),
        f.error);
    assert_true(*f.options.garbageAt == (GarbageAt { 3, GarbageKind::Noise }));
    assert_int_equal(*f.options.muteAt, 4);
    assert_int_equal(f.options.muteGiveUp->count(), 300);
    TSCNS_LINK_CHECK(parses(f, { "card", "--garbage-at", "7", "--pull-at", "2" }), f.error);
    assert_true(*f.options.garbageAt == (GarbageAt { 7, GarbageKind::Byte }));
    assert_int_equal(*f.options.pullAt, 2);
    assert_false(f.options.muteAt.has_value());
    TSCNS_LINK_CHECK(parses(f, { "card", "--garbage-at=1:cut" }), f.error);
    assert_true(f.options.garbageAt->kind == GarbageKind::Cut);
    TSCNS_LINK_CHECK(parses(f, { "card", "--garbage-at=1:byte" }), f.error);
    assert_true(f.options.garbageAt->kind == GarbageKind::Byte);

    TSCNS_LINK_CHECK(rejects(f, { "a", "--garbage-at", "0" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--garbage-at", "2:loud" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--garbage-at", ":byte" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--mute-at", "0" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--mute-give-up-ms", "10" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--mute-at", "1", "--pull-at", "2" }), f.error);
    TSCNS_LINK_CHECK(rejects(f, { "a", "--pull-at", "x" }), f.error);
}

void garbageFor_kinds_haveNoValidStatusWord(void**)
{
    const Bytes real = fromHex("01 02 03 90 00");
    assert_true(garbageFor(GarbageAt { 1, GarbageKind::Byte }, real) == fromHex("90"));
    assert_true(garbageFor(GarbageAt { 1, GarbageKind::Cut }, real) == fromHex("01 02 03 90"));
    assert_true(garbageFor(GarbageAt { 1, GarbageKind::Cut }, fromHex("90 00")) == fromHex("90"));
    const Bytes noise = garbageFor(GarbageAt { 5, GarbageKind::Noise }, real);
    assert_int_equal(noise.size(), 8);
    assert_true(noise[6] < 0x60); // SW1 below 60: no card answers that (ISO 7816-4 §5.6)
    // Reproducible for one K, different for another.
    assert_true(noise == garbageFor(GarbageAt { 5, GarbageKind::Noise }, real));
    assert_false(noise == garbageFor(GarbageAt { 6, GarbageKind::Noise }, real));
}

void transferTime_baud_countsTenBitsPerByte(void**)
{
    assert_int_equal(transferTime(100, 0).count(), 0);
    assert_int_equal(transferTime(12, 9600).count(), 12500);
    assert_int_equal(transferTime(1, 10).count(), 1'000'000);
    assert_int_equal(transferTime(65537, 1).count(), 655'370'000'000LL);
}

} // namespace

int runLinkOptionsTests()
{
    const CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(parseRunOptions_dirOnly_usesDefaults,
            setupFixture<OptionsFixture>, teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseRunOptions_everyOption_isRead,
            setupFixture<OptionsFixture>, teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseRunOptions_help_needsNoDir,
            setupFixture<OptionsFixture>, teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseRunOptions_badInput_throwsBadArgument,
            setupFixture<OptionsFixture>, teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseFaultSw_forms_areRead, setupFixture<OptionsFixture>,
            teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseFaultSw_malformed_throwsBadArgument,
            setupFixture<OptionsFixture>, teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseEndpoint_forms_areRead, setupFixture<OptionsFixture>,
            teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseEndpoint_malformed_throwsBadArgument,
            setupFixture<OptionsFixture>, teardownFixture<OptionsFixture>),
        cmocka_unit_test_setup_teardown(parseRunOptions_faultOptions_areRead,
            setupFixture<OptionsFixture>, teardownFixture<OptionsFixture>),
        cmocka_unit_test(garbageFor_kinds_haveNoValidStatusWord),
        cmocka_unit_test(transferTime_baud_countsTenBitsPerByte),
    };
    return cmocka_run_group_tests_name("run options", tests, nullptr, nullptr);
}
