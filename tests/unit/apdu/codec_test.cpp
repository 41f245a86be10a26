// SPDX-License-Identifier: LGPL-2.1-or-later
// CommandApdu / ResponseApdu: ISO 7816-4 case vectors and round trips.
#include "groups.hpp"
#include "test_support.hpp"

#include "tscns/apdu/command_apdu.hpp"
#include "tscns/apdu/response_apdu.hpp"

using namespace tscns;
using namespace tscns::apdu;

namespace {

void roundTrip(const char* hex)
{
    Bytes raw;
    CommandApdu c;
    Bytes again;
    TSCNS_NO_THROW([&] {
        raw = fromHex(hex);
        c = CommandApdu::decode(raw);
        again = c.encode();
    });
    TSCNS_ASSERT_BYTES(again, raw);
}

void encode_isoCases_matchVectors(void**)
{
    CommandApdu c1 { 0x00, 0xA4, 0x00, 0x00, {}, std::nullopt };
    TSCNS_ASSERT_BYTES(c1.encode(), fromHex("00A40000"));
    CommandApdu c2 { 0x00, 0xB0, 0x00, 0x00, {}, 256 };
    TSCNS_ASSERT_BYTES(c2.encode(), fromHex("00B0000000"));
    CommandApdu c3 { 0x00, 0xA4, 0x00, 0x0C, { 0x3F, 0x00 }, std::nullopt };
    TSCNS_ASSERT_BYTES(c3.encode(), fromHex("00A4000C023F00"));
    CommandApdu c4 { 0x00, 0xA4, 0x08, 0x00, { 0x10, 0x00, 0x10, 0x03 }, 256 };
    TSCNS_ASSERT_BYTES(c4.encode(), fromHex("00A408000410001003 00"));
    CommandApdu c2e { 0x00, 0xB0, 0x00, 0x00, {}, 65536 };
    TSCNS_ASSERT_BYTES(c2e.encode(), fromHex("00B00000000000"));
    CommandApdu c4e { 0x00, 0x2A, 0x80, 0x86, Bytes(257, 0xAB), 256 };
    const Bytes enc = c4e.encode();
    assert_int_equal(enc.size(), 4 + 3 + 257 + 2);
    TSCNS_ASSERT_BYTES(ByteView(enc).first(7), fromHex("002A8086000101"));
    TSCNS_ASSERT_BYTES(ByteView(enc).last(2), fromHex("0100"));
}

void decode_allCases_roundTrip(void**)
{
    roundTrip("00A40000");
    roundTrip("00B00000FF");
    roundTrip("00B0000000");
    roundTrip("00A4000C023F00");
    roundTrip("00A40800041000100300");
    roundTrip("00B00000000000");
    roundTrip("00B00000000100");
    roundTrip("0022F30300");
}

void decode_extendedCase4_readsLcAndLe(void**)
{
    Bytes raw = fromHex("002A8086000101");
    raw.insert(raw.end(), 257, 0x55);
    raw.push_back(0x01);
    raw.push_back(0x00);
    CommandApdu c;
    TSCNS_NO_THROW([&] { c = CommandApdu::decode(raw); });
    assert_int_equal(c.data.size(), 257);
    assert_true(c.le.has_value());
    assert_int_equal(*c.le, 256);
    assert_true(c.extended);
    TSCNS_ASSERT_BYTES(c.encode(), raw);
}

void decode_malformed_throwsBadArgument(void**)
{
    const char* bad[] = {
        "", "00", "00A4", "00A400", // shorter than the header
        "00A4000C053F00", // Lc 5, 2 bytes
        "00A4000C023F000000", // Lc 2, 4 bytes
        "00B00000000000FF", // extended with a stray byte
        "00B0000000", // fine: case 2S, checked below
    };
    for (std::size_t i = 0; i + 1 < std::size(bad); ++i) {
        const Bytes raw = fromHex(bad[i]);
        TSCNS_EXPECT_ERROR(Errc::BadArgument, [&] { (void)CommandApdu::decode(raw); });
    }
    TSCNS_EXPECT_ERROR(
        Errc::BadArgument, [&] { (void)CommandApdu::decode(fromHex("00B000000000")); });
    TSCNS_EXPECT_ERROR(
        Errc::BadArgument, [&] { (void)CommandApdu::decode(fromHex("00B0000000000001AA")); });
}

void encode_outOfRange_throwsBadArgument(void**)
{
    CommandApdu zeroLe { 0x00, 0xB0, 0x00, 0x00, {}, 0 };
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [&] { (void)zeroLe.encode(); });
    CommandApdu huge { 0x00, 0xD6, 0x00, 0x00, Bytes(65536, 0), std::nullopt };
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [&] { (void)huge.encode(); });
}

void response_roundTrip_and_truncated(void**)
{
    ResponseApdu r;
    TSCNS_NO_THROW([&] { r = ResponseApdu::decode(fromHex("01 02 63 C2")); });
    TSCNS_ASSERT_BYTES(r.data, fromHex("0102"));
    assert_int_equal(r.sw.value(), 0x63C2);
    assert_int_equal(*r.sw.pinRetries(), 2);
    assert_false(r.isSuccess());
    TSCNS_ASSERT_BYTES(r.encode(), fromHex("010263C2"));
    TSCNS_EXPECT_ERROR(Errc::Transport, [&] { (void)ResponseApdu::decode(fromHex("90")); });
    TSCNS_EXPECT_ERROR(Errc::Transport, [&] { (void)ResponseApdu::decode(Bytes {}); });
}

void statusWord_accessors(void**)
{
    constexpr StatusWord s { 0x6A, 0x82 };
    static_assert(s == sw::kFileNotFound);
    assert_int_equal(s.sw1(), 0x6A);
    assert_int_equal(s.sw2(), 0x82);
    assert_string_equal(s.toString().c_str(), "6A82");
    assert_false(s.pinRetries().has_value());
    assert_true(sw::kSuccess.isSuccess());
}

void secureBytes_refusesToGrow(void**)
{
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        SecureBytes s(4);
        s.append(asBytes("12345"));
    });
}

} // namespace

int runCodecTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_isoCases_matchVectors),
        cmocka_unit_test(decode_allCases_roundTrip),
        cmocka_unit_test(decode_extendedCase4_readsLcAndLe),
        cmocka_unit_test(decode_malformed_throwsBadArgument),
        cmocka_unit_test(encode_outOfRange_throwsBadArgument),
        cmocka_unit_test(response_roundTrip_and_truncated),
        cmocka_unit_test(statusWord_accessors),
        cmocka_unit_test(secureBytes_refusesToGrow),
    };
    return cmocka_run_group_tests_name("apdu_codec", tests, nullptr, nullptr);
}
