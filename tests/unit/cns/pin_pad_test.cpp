// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsCard::verifyPinOnPad against a FakePinPad over exact APDU scripts: the VERIFY the pad sends
// is the one verifyPin sends, one pad request per call (never retried), tries left from 63Cx,
// blocked from 6983, the pad's own timeout/cancel/refusal, and no pad at all.
#include "groups.hpp"
#include "script_fixture.hpp"

#include "fake_pin_pad.hpp"

#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/commands.hpp"
#include "tscns/cns/profile.hpp"

using namespace tscns;
using namespace tscns::test;
using cns::CnsCard;

namespace {

/// "12345" padded: 31 32 33 34 35 FF FF FF (as in cns_card_script_test.cpp).
constexpr const char* kPin12345 = "3132333435FFFFFF";

void onPad_success_sendsTheSoftwareVerify(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        // The same bytes as verifyPin: compare with cns::verify() itself.
        const Bytes software = cns::verify(0x10, SecureBytes(asBytes("12345"), 8)).encode();
        c.hex(ByteView(software), std::string("00 20 00 10 08") + kPin12345, "software VERIFY");
        f->script.expect(ByteView(software), fromHex("9000"));
        PadScript pad;
        FakePinPad fake(pad, f->script);
        CnsCard card(f->script, cns::classicProfile(), &fake);
        c.that(card.hasPinPad(), "pad given");
        c.that(!card.pinSent(), "nothing sent yet");
        c.noThrow([&] { card.verifyPinOnPad(); }, "verify on the pad");
        c.eq(pad.calls, 1, "one pad request");
        c.that(pad.last.has_value() && pad.last->reference == 0x10, "P2 10");
        c.that(pad.last.has_value() && pad.last->minDigits == 5 && pad.last->maxDigits == 8,
            "5..8 digits");
        c.that(card.pinSent(), "PIN sent (the use resets afterwards)");
    });
}

void onPad_stIncard_usesP2_90(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(std::string("00 20 00 90 08") + kPin12345, "90 00");
        PadScript pad;
        FakePinPad fake(pad, f->script);
        CnsCard card(f->script, cns::stIncardProfile(), &fake);
        c.noThrow([&] { card.verifyPinOnPad(); }, "verify");
        c.that(pad.last.has_value() && pad.last->reference == 0x90, "P2 90");
    });
}

void onPad_63C2_isPinIncorrect_oneRequest(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 20 00 10 08 3534333231FFFFFF", "63 C2");
        PadScript pad;
        pad.typed = "54321";
        FakePinPad fake(pad, f->script);
        CnsCard card(f->script, cns::classicProfile(), &fake);
        const auto e = c.throws(
            Errc::PinIncorrect, [&] { card.verifyPinOnPad(); }, "63C2");
        if (e) c.eq(e->retries(), std::optional<int>(2), "retries");
        c.eq(pad.calls, 1, "exactly one pad request");
        c.eq(f->script.transmitCount(), 1, "exactly one VERIFY");
    });
}

void onPad_6983_and_63C0_arePinLocked(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(std::string("00 20 00 10 08") + kPin12345, "69 83")
            .expect(std::string("00 20 00 10 08") + kPin12345, "63 C0");
        PadScript pad;
        FakePinPad fake(pad, f->script);
        CnsCard card(f->script, cns::classicProfile(), &fake);
        auto e = c.throws(
            Errc::PinLocked, [&] { card.verifyPinOnPad(); }, "6983");
        if (e) c.eq(e->retries(), std::optional<int>(0), "no tries (6983)");
        e = c.throws(
            Errc::PinLocked, [&] { card.verifyPinOnPad(); }, "63C0");
        if (e) c.eq(e->retries(), std::optional<int>(0), "no tries (63C0)");
        c.eq(pad.calls, 2, "one request per call");
    });
}

void onPad_padAnswers_timeoutCancelRefusal(void** state)
{
    ScriptFixture* f = scriptOf(state); // nothing may reach the card
    TSCNS_CHECK([&](Checker& c) {
        PadScript pad;
        FakePinPad fake(pad, f->script);
        CnsCard card(f->script, cns::classicProfile(), &fake);
        pad.padAnswer = cns::pad_sw::kTimeout;
        auto e = c.throws(
            Errc::CardRejected, [&] { card.verifyPinOnPad(); }, "6400");
        if (e) c.that(e->statusWord() == cns::pad_sw::kTimeout, "SW 6400 carried");
        if (e) c.that(!e->retries().has_value(), "no tries count");
        pad.padAnswer = cns::pad_sw::kCancelled;
        e = c.throws(
            Errc::CardRejected, [&] { card.verifyPinOnPad(); }, "6401");
        if (e) c.that(e->statusWord() == cns::pad_sw::kCancelled, "SW 6401 carried");
        pad.padAnswer = cns::pad_sw::kBadParameter;
        e = c.throws(
            Errc::Transport, [&] { card.verifyPinOnPad(); }, "6B80");
        c.eq(pad.calls, 3, "one request per call, none repeated");
        c.eq(f->script.transmitCount(), 0, "no APDU");
    });
}

void onPad_withoutPad_isUnsupported(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        CnsCard card(f->script, cns::classicProfile());
        c.that(!card.hasPinPad(), "no pad");
        c.throws(
            Errc::Unsupported, [&] { card.verifyPinOnPad(); }, "no pad");
        c.eq(f->script.transmitCount(), 0, "no APDU");
        c.that(!card.pinSent(), "nothing sent");
    });
}

} // namespace

int runPinPadTests()
{
#define SCRIPTED(t) cmocka_unit_test_setup_teardown(t, scriptSetup, scriptTeardown)
    const struct CMUnitTest tests[] = {
        SCRIPTED(onPad_success_sendsTheSoftwareVerify),
        SCRIPTED(onPad_stIncard_usesP2_90),
        SCRIPTED(onPad_63C2_isPinIncorrect_oneRequest),
        SCRIPTED(onPad_6983_and_63C0_arePinLocked),
        SCRIPTED(onPad_padAnswers_timeoutCancelRefusal),
        SCRIPTED(onPad_withoutPad_isUnsupported),
    };
#undef SCRIPTED
    return cmocka_run_group_tests_name("cns_pin_pad", tests, nullptr, nullptr);
}
