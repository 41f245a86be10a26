// SPDX-License-Identifier: LGPL-2.1-or-later
// GetResponseChannel over a ScriptedChannel: 61xx chains GET RESPONSE and concatenates, 6Cxx
// resends once with the right Le, an endless 61xx is aborted (ISO 7816-4 §5.3.4).
#include "groups.hpp"
#include "script_fixture.hpp"

#include "tscns/apdu/get_response_channel.hpp"

using namespace tscns;
using namespace tscns::test;
using apdu::CommandApdu;
using apdu::GetResponseChannel;
using apdu::ResponseApdu;

namespace {

const CommandApdu kChallenge8 { 0x00, 0x84, 0x00, 0x00, {}, 8 };
const CommandApdu kRead255 { 0x00, 0xB0, 0x00, 0x00, {}, 255 };

void getResponse_61xx_chainsAndConcatenates(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 84 00 00 08", "AA BB 61 04")
            .expect("00 C0 00 00 04", "CC DD EE FF 61 02")
            .expect("00 C0 00 00 02", "11 22 90 00");
        GetResponseChannel channel(f->script);
        const ResponseApdu r = channel.transmit(kChallenge8);
        c.hex(r.data, "AA BB CC DD EE FF 11 22", "concatenated data");
        c.eq(r.sw.value(), 0x9000, "final SW");
    });
}

void getResponse_6100_asksFor256(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(256);
        f->script.expect("00 84 00 00 08", "61 00").expect("00 C0 00 00 00", answer(data));
        GetResponseChannel channel(f->script);
        c.bytes(channel.transmit(kChallenge8).data, data, "data");
    });
}

void getResponse_keepsLogicalChannelDropsChaining(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        // CLA 01 (logical channel 1) and CLA 11 (chained, channel 1): GET RESPONSE keeps the
        // channel bits only.
        f->script.expect("01 84 00 00 08", "61 01")
            .expect("01 C0 00 00 01", "AA 90 00")
            .expect("11 2A 80 86 01 00", "61 01")
            .expect("01 C0 00 00 01", "BB 90 00");
        GetResponseChannel channel(f->script);
        c.hex(channel.transmit(CommandApdu { 0x01, 0x84, 0x00, 0x00, {}, 8 }).data, "AA", "ch 1");
        c.hex(channel.transmit(CommandApdu { 0x11, 0x2A, 0x80, 0x86, { 0x00 }, std::nullopt }).data,
            "BB", "chained");
    });
}

void getResponse_errorAfterGetResponse_isReturned(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 84 00 00 08", "AA 61 04").expect("00 C0 00 00 04", "6A 86");
        GetResponseChannel channel(f->script);
        const ResponseApdu r = channel.transmit(kChallenge8);
        c.eq(r.sw.value(), 0x6A86, "the last SW is returned, not interpreted");
        c.hex(r.data, "AA", "data so far");
    });
}

void wrongLe_6Cxx_resendsOnceWithRightLe(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(16);
        f->script.expect("00 B0 00 00 FF", "6C 10").expect("00 B0 00 00 10", answer(data));
        GetResponseChannel channel(f->script);
        const ResponseApdu r = channel.transmit(kRead255);
        c.bytes(r.data, data, "data");
        c.eq(r.sw.value(), 0x9000, "SW");
    });
}

void wrongLe_6C00_resendsWithLe256(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(256);
        f->script.expect("00 B0 00 00 FF", "6C 00").expect("00 B0 00 00 00", answer(data));
        GetResponseChannel channel(f->script);
        c.bytes(channel.transmit(kRead255).data, data, "data");
    });
}

void wrongLe_twice_isReturnedNotLooped(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 B0 00 00 FF", "6C 10").expect("00 B0 00 00 10", "6C 08");
        GetResponseChannel channel(f->script);
        c.eq(channel.transmit(kRead255).sw.value(), 0x6C08, "second 6Cxx returned as is");
    });
}

void wrongLe_thenMoreData_chainsGetResponse(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 B0 00 00 FF", "6C 04")
            .expect("00 B0 00 00 04", "01 02 61 02")
            .expect("00 C0 00 00 02", "03 04 90 00");
        GetResponseChannel channel(f->script);
        c.hex(channel.transmit(kRead255).data, "01 02 03 04", "data");
    });
}

void getResponse_endless61xx_isAbortedWithTransport(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 84 00 00 08", "AA 61 01");
        // Exactly kMaxRounds GET RESPONSE commands go out, then the channel gives up.
        for (int i = 0; i < GetResponseChannel::kMaxRounds; ++i)
            f->script.expect("00 C0 00 00 01", "BB 61 01");
        GetResponseChannel channel(f->script);
        c.throws(
            Errc::Transport, [&] { (void)channel.transmit(kChallenge8); }, "endless 61xx",
            "GET RESPONSE loop aborted");
        c.eq(f->script.transmitCount(), 1 + GetResponseChannel::kMaxRounds, "commands sent");
    });
}

void plain_9000_passesThrough(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 84 00 00 08", "0102030405060708 9000")
            .expect("00 84 00 00 08", "6A 86");
        GetResponseChannel channel(f->script);
        c.hex(channel.transmit(kChallenge8).data, "0102030405060708", "data");
        c.eq(channel.transmit(kChallenge8).sw.value(), 0x6A86, "errors are not interpreted");
    });
}

void transportError_propagatesUnchanged(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 84 00 00 08", "AA 61 04")
            .expectThrow("00 C0 00 00 04", Error(Errc::CardRemoved, "card pulled out"));
        GetResponseChannel channel(f->script);
        c.throws(
            Errc::CardRemoved, [&] { (void)channel.transmit(kChallenge8); }, "removed",
            "card pulled out");
    });
}

} // namespace

int runGetResponseChannelTests()
{
#define SCRIPTED(t) cmocka_unit_test_setup_teardown(t, scriptSetup, scriptTeardown)
    const struct CMUnitTest tests[] = {
        SCRIPTED(getResponse_61xx_chainsAndConcatenates),
        SCRIPTED(getResponse_6100_asksFor256),
        SCRIPTED(getResponse_keepsLogicalChannelDropsChaining),
        SCRIPTED(getResponse_errorAfterGetResponse_isReturned),
        SCRIPTED(wrongLe_6Cxx_resendsOnceWithRightLe),
        SCRIPTED(wrongLe_6C00_resendsWithLe256),
        SCRIPTED(wrongLe_twice_isReturnedNotLooped),
        SCRIPTED(wrongLe_thenMoreData_chainsGetResponse),
        SCRIPTED(getResponse_endless61xx_isAbortedWithTransport),
        SCRIPTED(plain_9000_passesThrough),
        SCRIPTED(transportError_propagatesUnchanged),
    };
#undef SCRIPTED
    return cmocka_run_group_tests_name("get_response_channel", tests, nullptr, nullptr);
}
