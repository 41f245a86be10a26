// SPDX-License-Identifier: LGPL-2.1-or-later
// The test doubles themselves: ScriptedChannel matches exact bytes, reports mismatches with both
// hex strings, never restarts, reports unconsumed steps; RecordingChannel records and counts.
#include "groups.hpp"
#include "recording_channel.hpp"
#include "script_fixture.hpp"

#include <cstdio>

using namespace tscns;
using namespace tscns::test;
using apdu::CommandApdu;

namespace {

const CommandApdu kSelectMf { 0x00, 0xA4, 0x00, 0x00, { 0x3F, 0x00 }, std::nullopt };
const CommandApdu kChallenge8 { 0x00, 0x84, 0x00, 0x00, {}, 8 };

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

void scripted_matchingSteps_answerInOrder(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 A4 00 00 02 3F 00", "90 00")
            .expect("0084000008", "0102030405060708 9000");
        c.eq(f->script.stepCount(), 2, "steps");
        c.that(!f->script.verifyConsumed(), "not consumed before any transmit");
        const apdu::ResponseApdu r1 = f->script.transmit(kSelectMf);
        c.eq(r1.sw.value(), 0x9000, "SELECT SW");
        c.that(r1.data.empty(), "SELECT data");
        c.eq(f->script.consumed(), 1, "consumed after 1");
        const apdu::ResponseApdu r2 = f->script.transmit(kChallenge8);
        c.hex(r2.data, "01 02 03 04 05 06 07 08", "challenge data");
        c.that(f->script.verifyConsumed(), "consumed");
        c.eq(f->script.problems(), std::string(), "no problems");
        c.eq(teardownVerdict(f->script), 0, "teardown verdict");
    });
}

void scripted_mismatch_throwsTransportWithBothHexStrings(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 A4 00 00 02 3F 01", "90 00");
        const auto e = c.throws(
            Errc::Transport, [&] { (void)f->script.transmit(kSelectMf); }, "mismatch");
        if (e) {
            c.that(contains(e->message(), "expected: 00 A4 00 00 02 3F 01"), "expected hex");
            c.that(contains(e->message(), "actual:   00 A4 00 00 02 3F 00"), "actual hex");
        }
        c.that(f->script.mismatched(), "mismatched()");
        c.eq(f->script.consumed(), 0, "a mismatch consumes nothing");
        c.that(!f->script.verifyConsumed(), "verifyConsumed");
        const std::string p = f->script.problems();
        c.that(contains(p, "mismatch") && contains(p, "not consumed"), "problems: " + p);
        // The right command now matches the step that is still pending, but the failure stays.
        (void)f->script.transmit(CommandApdu { 0x00, 0xA4, 0x00, 0x00, { 0x3F, 0x01 }, {} });
        c.that(!f->script.verifyConsumed(), "a past mismatch keeps failing the test");
        f->script.clear();
        c.that(f->script.verifyConsumed(), "clear() forgets everything");
    });
}

void scripted_exhausted_throwsAndNeverRestarts(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 A4 00 00 02 3F 00", "90 00");
        (void)f->script.transmit(kSelectMf);
        c.that(f->script.verifyConsumed(), "consumed");
        c.throws(
            Errc::Transport, [&] { (void)f->script.transmit(kSelectMf); }, "after the end",
            "after the end of the script");
        c.eq(f->script.transmitCount(), 2, "transmits");
        c.that(!f->script.verifyConsumed(), "an extra command fails the test");
        f->script.clear();
    });
}

void scripted_unconsumedStep_failsTeardown(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 A4 00 00 02 3F 00", "90 00")
            .expectThrow("0084000008", Error(Errc::CardRemoved, "gone"));
        (void)f->script.transmit(kSelectMf);
        c.that(!f->script.verifyConsumed(), "one step left");
        const std::string p = f->script.problems();
        c.that(contains(p, "step 2 not consumed: 00 84 00 00 08 -> throws Errc::CardRemoved"),
            "problems: " + p);
        std::fprintf(
            stderr, "(a self-test of the script double: the next error report is expected)\n");
        c.eq(teardownVerdict(f->script, "self-test"), -1, "teardown verdict");
        f->script.clear();
    });
}

void scripted_throwStep_throwsTheGivenError(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expectThrow("0084000008", Error(Errc::CardReset, "reset by another application"));
        c.throws(
            Errc::CardReset, [&] { (void)f->script.transmit(kChallenge8); }, "throw step",
            "reset by another application");
        c.that(f->script.verifyConsumed(), "a throwing step is consumed");
    });
}

void scripted_badScript_isBadArgument(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        c.throws(
            Errc::BadArgument, [&] { f->script.expect("00 A4 0", "9000"); }, "odd command hex");
        c.throws(
            Errc::BadArgument, [&] { f->script.expect("00 A4 00 00", "90"); }, "no SW");
        c.throws(
            Errc::BadArgument, [&] { f->script.expect("00 A4 00 00", "zz 90 00"); }, "bad hex");
        c.eq(f->script.stepCount(), 0, "nothing added");
    });
}

void recording_countsAndRecords(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 A4 00 00 02 3F 00", "90 00")
            .expect("0084000008", "0102030405060708 9000")
            .expectThrow("0084000008", Error(Errc::CardRemoved, "gone"));
        RecordingChannel rec(f->script);
        (void)rec.transmit(kSelectMf);
        (void)rec.transmit(kChallenge8);
        c.throws(
            Errc::CardRemoved, [&] { (void)rec.transmit(kChallenge8); }, "inner throws");
        c.eq(rec.count(), 3, "count");
        c.eq(rec.count(0x84), 2, "GET CHALLENGE count");
        c.eq(rec.count(0xA4), 1, "SELECT count");
        c.eq(rec.responses().size(), 2, "no answer recorded for the throwing call");
        c.that(rec.commands().at(0) == kSelectMf, "first command");
        c.hex(rec.responses().at(1).data, "0102030405060708", "second answer");
        rec.clear();
        c.eq(rec.count(), 0, "cleared");
    });
}

} // namespace

int runScriptedChannelTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            scripted_matchingSteps_answerInOrder, scriptSetup, scriptTeardown),
        cmocka_unit_test_setup_teardown(scripted_mismatch_throwsTransportWithBothHexStrings,
            scriptSetup, scriptTeardownUnchecked),
        cmocka_unit_test_setup_teardown(
            scripted_exhausted_throwsAndNeverRestarts, scriptSetup, scriptTeardownUnchecked),
        cmocka_unit_test_setup_teardown(
            scripted_unconsumedStep_failsTeardown, scriptSetup, scriptTeardownUnchecked),
        cmocka_unit_test_setup_teardown(
            scripted_throwStep_throwsTheGivenError, scriptSetup, scriptTeardown),
        cmocka_unit_test_setup_teardown(
            scripted_badScript_isBadArgument, scriptSetup, scriptTeardown),
        cmocka_unit_test_setup_teardown(recording_countsAndRecords, scriptSetup, scriptTeardown),
    };
    return cmocka_run_group_tests_name("scripted_channel", tests, nullptr, nullptr);
}
