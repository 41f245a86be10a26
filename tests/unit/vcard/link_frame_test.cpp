// SPDX-License-Identifier: LGPL-2.1-or-later
// vpcd frame encoder and incremental decoder.
#include "link_frame.hpp"

// cmocka last: its fail() macro clashes with std::basic_ios::fail.
#include "link_test_support.hpp"

using namespace tscns;
using namespace tscns::vcard;
using namespace tscns::vcard::test;

namespace {

struct FrameFixture {
    VpcdFrameDecoder decoder;
    std::string error;
};

bool encodesTo(FrameFixture& f, const char* messageHex, const char* frameHex)
{
    return sameBytes(f.error, encodeVpcdFrame(fromHex(messageHex)), frameHex);
}

bool encodesLengthPrefix(FrameFixture& f, std::size_t size, const char* prefixHex)
{
    const Bytes frame = encodeVpcdFrame(Bytes(size, 0x5A));
    if (frame.size() != size + 2) {
        f.error = "frame of " + std::to_string(frame.size()) + " bytes";
        return false;
    }
    return sameBytes(f.error, ByteView(frame).first(2), prefixHex);
}

bool refusesOversize(FrameFixture& f)
{
    f.error = tscns::test::errorMismatch(
        Errc::BadArgument, [] { (void)encodeVpcdFrame(Bytes(kMaxVpcdMessage + 1, 0)); });
    return f.error.empty();
}

/// Feeds `frameHex` one byte at a time: no message may appear before the last byte.
bool decodesByteByByte(FrameFixture& f, const char* frameHex, const char* messageHex)
{
    const Bytes frame = fromHex(frameHex);
    for (std::size_t i = 0; i < frame.size(); ++i) {
        f.decoder.feed(ByteView(frame).subspan(i, 1));
        auto message = f.decoder.next();
        if (i + 1 < frame.size()) {
            if (message) {
                f.error = "message after " + std::to_string(i + 1) + " bytes";
                return false;
            }
            if (!f.decoder.midFrame()) {
                f.error = "midFrame() false inside a frame";
                return false;
            }
            continue;
        }
        if (!message) {
            f.error = "no message after the whole frame";
            return false;
        }
        if (!sameBytes(f.error, *message, messageHex)) return false;
    }
    if (f.decoder.midFrame() || f.decoder.next()) {
        f.error = "decoder not empty after the frame";
        return false;
    }
    return true;
}

bool decodesInOrder(
    FrameFixture& f, const char* streamHex, std::initializer_list<const char*> messages)
{
    f.decoder.feed(fromHex(streamHex));
    for (const char* expected : messages) {
        auto message = f.decoder.next();
        if (!message) {
            f.error = std::string("missing message ") + expected;
            return false;
        }
        if (!sameBytes(f.error, *message, expected)) return false;
    }
    if (f.decoder.next()) {
        f.error = "an extra message";
        return false;
    }
    return true;
}

void encodeVpcdFrame_message_prefixesBigEndianLength(void** state)
{
    auto& f = fixture<FrameFixture>(state);
    TSCNS_LINK_CHECK(encodesTo(f, "00 A4 00 00", "00 04 00 A4 00 00"), f.error);
    TSCNS_LINK_CHECK(encodesTo(f, "04", "00 01 04"), f.error);
    TSCNS_LINK_CHECK(encodesTo(f, "", "00 00"), f.error);
    TSCNS_LINK_CHECK(encodesLengthPrefix(f, 0x1234, "12 34"), f.error);
    TSCNS_LINK_CHECK(encodesLengthPrefix(f, 0xFFFF, "FF FF"), f.error);
}

void encodeVpcdFrame_over65535_throwsBadArgument(void** state)
{
    auto& f = fixture<FrameFixture>(state);
    TSCNS_LINK_CHECK(refusesOversize(f), f.error);
}

void decoder_byteByByte_yieldsMessageAtLastByte(void** state)
{
    auto& f = fixture<FrameFixture>(state);
    TSCNS_LINK_CHECK(decodesByteByByte(f, "00 05 00 A4 04 00 00", "00 A4 04 00 00"), f.error);
    TSCNS_LINK_CHECK(decodesByteByByte(f, "00 01 04", "04"), f.error);
}

void decoder_severalFramesInOneRead_yieldsAllInOrder(void** state)
{
    auto& f = fixture<FrameFixture>(state);
    TSCNS_LINK_CHECK(decodesInOrder(f, "00 01 01 00 01 04 00 00 00 04 00 B0 00 00",
                         { "01", "04", "", "00 B0 00 00" }),
        f.error);
}

void decoder_partialSecondFrame_waitsForTheRest(void** state)
{
    auto& f = fixture<FrameFixture>(state);
    TSCNS_LINK_CHECK(decodesInOrder(f, "00 01 04 00 03 AA", { "04" }), f.error);
    TSCNS_LINK_CHECK(f.decoder.midFrame(), f.error);
    TSCNS_LINK_CHECK(decodesInOrder(f, "BB CC", { "AA BB CC" }), f.error);
}

} // namespace

int runLinkFrameTests()
{
    const CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(encodeVpcdFrame_message_prefixesBigEndianLength,
            setupFixture<FrameFixture>, teardownFixture<FrameFixture>),
        cmocka_unit_test_setup_teardown(encodeVpcdFrame_over65535_throwsBadArgument,
            setupFixture<FrameFixture>, teardownFixture<FrameFixture>),
        cmocka_unit_test_setup_teardown(decoder_byteByByte_yieldsMessageAtLastByte,
            setupFixture<FrameFixture>, teardownFixture<FrameFixture>),
        cmocka_unit_test_setup_teardown(decoder_severalFramesInOneRead_yieldsAllInOrder,
            setupFixture<FrameFixture>, teardownFixture<FrameFixture>),
        cmocka_unit_test_setup_teardown(decoder_partialSecondFrame_waitsForTheRest,
            setupFixture<FrameFixture>, teardownFixture<FrameFixture>),
    };
    return cmocka_run_group_tests_name("vpcd frames", tests, nullptr, nullptr);
}
