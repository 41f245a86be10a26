// SPDX-License-Identifier: LGPL-2.1-or-later
// reader_unit_tests: the feature list of a PIN-pad reader (well-formed, malformed, truncated,
// oversized entries), the PIN_VERIFY_STRUCTURE field by field against the VERIFY that the software
// path sends, and ControlPinPad's one control call per request with the answers of card and pad.
#include "tscns/apdu/error.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/commands.hpp"
#include "tscns/cns/profile.hpp"
#include "tscns/reader/pin_pad.hpp"

#include "fake_pin_pad.hpp"
#include "scripted_channel.hpp"
#include "test_support.hpp"

#include <winscard.h>
// After winscard.h: reader.h uses its types.
#include <reader.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <vector>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::reader;
using tscns::test::Checker;

namespace {

/// A reader playing PC/SC part 10: answers the feature request with `features`, records every
/// control call and answers the others with `answer`.
class FakeControlPort final : public ControlPort {
public:
    Bytes features;
    Bytes answer = fromHex("9000");
    bool failFeatureRequest = false;
    struct Call {
        std::uint32_t code;
        Bytes input;
    };
    std::vector<Call> calls;

    Bytes control(std::uint32_t code, ByteView input) override
    {
        calls.push_back({ code, Bytes(input.begin(), input.end()) });
        if (code == CM_IOCTL_GET_FEATURE_REQUEST) {
            if (failFeatureRequest) throw Error(Errc::Transport, "not supported by the driver");
            return features;
        }
        return answer;
    }
};

constexpr std::uint32_t kVerifyCode = 0x42330006;

/// A feature list as a CCID reader with a pad announces it.
Bytes padFeatures()
{
    return fromHex("06 04 42 33 00 06"
                   "07 04 42 33 00 07"
                   "0A 04 42 33 00 0A"
                   "12 04 42 33 00 12");
}

void features_wellFormed_allFour(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes list = padFeatures();
        const ReaderFeatures f = parseFeatures(ByteView(list));
        c.eq(f.verifyPinDirect, std::optional<std::uint32_t>(kVerifyCode), "verify");
        c.eq(f.modifyPinDirect, std::optional<std::uint32_t>(0x42330007), "modify");
        c.eq(f.ifdPinProperties, std::optional<std::uint32_t>(0x4233000A), "properties");
        c.eq(f.getTlvProperties, std::optional<std::uint32_t>(0x42330012), "TLV properties");
        const Bytes none;
        c.that(!parseFeatures(ByteView(none)).verifyPinDirect, "empty list: no feature");
    });
}

void features_malformedTruncatedOversized(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        // A 3-byte entry (malformed) is skipped, the entry after it still counts.
        Bytes list = fromHex("06 03 42 33 00  07 04 42 33 00 07");
        ReaderFeatures f = parseFeatures(ByteView(list));
        c.that(!f.verifyPinDirect, "3-byte code ignored");
        c.eq(f.modifyPinDirect, std::optional<std::uint32_t>(0x42330007), "next entry read");
        // An oversized entry (8 bytes) is skipped whole.
        list = fromHex("06 08 42 33 00 06 00 00 00 00  12 04 42 33 00 12");
        f = parseFeatures(ByteView(list));
        c.that(!f.verifyPinDirect, "8-byte value ignored");
        c.eq(f.getTlvProperties, std::optional<std::uint32_t>(0x42330012), "after oversized");
        // A truncated last entry: what came before counts, the rest is dropped.
        list = fromHex("07 04 42 33 00 07  06 04 42 33");
        f = parseFeatures(ByteView(list));
        c.that(!f.verifyPinDirect, "truncated entry ignored");
        c.that(f.modifyPinDirect.has_value(), "complete entry kept");
        // A length running far past the end, a lone tag byte, a duplicate tag.
        list = fromHex("06 FF 42 33 00 06");
        c.that(!parseFeatures(ByteView(list)).verifyPinDirect, "length past the end");
        list = fromHex("06 04 42 33 00 06  06 04 11 11 11 11  06");
        f = parseFeatures(ByteView(list));
        c.eq(f.verifyPinDirect, std::optional<std::uint32_t>(kVerifyCode), "first entry wins");
        // Unknown tags are ignored.
        list = fromHex("01 04 00 00 00 01  06 04 42 33 00 06");
        c.eq(parseFeatures(ByteView(list)).verifyPinDirect,
            std::optional<std::uint32_t>(kVerifyCode), "after an unknown tag");
    });
}

void features_query_oneCall_failureMeansNone(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        FakeControlPort port;
        port.features = padFeatures();
        const ReaderFeatures f = queryFeatures(port);
        c.eq(port.calls.size(), 1, "one control call");
        if (!port.calls.empty()) {
            c.eq(port.calls[0].code, static_cast<std::uint32_t>(CM_IOCTL_GET_FEATURE_REQUEST),
                "GET_FEATURE_REQUEST");
            c.eq(port.calls[0].input.size(), 0, "no input");
        }
        c.that(f.verifyPinDirect.has_value(), "pad found");
        FakeControlPort plain;
        plain.failFeatureRequest = true;
        c.that(!queryFeatures(plain).verifyPinDirect, "a failing request: no pad");
    });
}

void verifyStructure_fieldByField_matchesSoftwareVerify(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        cns::PadVerifyRequest request;
        request.reference = 0x10;
        const Bytes s = buildVerifyStructure(request);
        constexpr std::size_t head = offsetof(PIN_VERIFY_STRUCTURE, abData);
        c.eq(s.size(), head + 13, "header + 13-byte APDU");
        if (s.size() != head + 13) return;
        PIN_VERIFY_STRUCTURE v;
        std::memcpy(&v, s.data(), head);
        c.eq(int { v.bTimerOut }, 30, "bTimerOut");
        c.eq(int { v.bTimerOut2 }, 0, "bTimerOut2");
        c.eq(int { v.bmFormatString }, 0x82, "bmFormatString: bytes, position 0, left, ASCII");
        c.eq(int { v.bmPINBlockString }, 0x08, "bmPINBlockString: no length, 8-byte block");
        c.eq(int { v.bmPINLengthFormat }, 0x00, "bmPINLengthFormat");
        c.eq(int { v.wPINMaxExtraDigit }, 0x0508, "wPINMaxExtraDigit: 5..8 digits");
        c.eq(int { v.bEntryValidationCondition }, 0x02, "validation by the OK key");
        c.eq(int { v.bNumberMessage }, 1, "bNumberMessage");
        c.eq(int { v.wLangId }, 0x0410, "wLangId");
        c.eq(int { v.bMsgIndex }, 0, "bMsgIndex");
        c.eq(int { v.bTeoPrologue[0] } + v.bTeoPrologue[1] + v.bTeoPrologue[2], 0, "prologue");
        const std::uint32_t dataLength = v.ulDataLength; // a copy: the struct is packed
        c.eq(dataLength, 13U, "ulDataLength");
        const ByteView apdu = ByteView(s).subspan(head);
        c.hex(apdu, "00 20 00 10 08 FF FF FF FF FF FF FF FF", "APDU template");
        // What the reader sends once the user typed 12345 (ASCII from data byte 0, the block's
        // other bytes as given) is exactly the software VERIFY.
        Bytes typed(apdu.begin(), apdu.end());
        const char* digits = "12345";
        for (std::size_t i = 0; i < 5; ++i)
            typed[5 + i] = static_cast<std::uint8_t>(digits[i]);
        const Bytes software = cns::verify(0x10, SecureBytes(asBytes(digits), 8)).encode();
        c.bytes(ByteView(typed), ByteView(software), "pad APDU == cns::verify()");
        // Another reference and other limits.
        request.reference = 0x90;
        request.minDigits = 6;
        request.maxDigits = 7;
        const Bytes s2 = buildVerifyStructure(request);
        std::memcpy(&v, s2.data(), head);
        c.eq(int { v.wPINMaxExtraDigit }, 0x0607, "6..7 digits");
        c.eq(int { s2[head + 3] }, 0x90, "P2 90");
        request.maxDigits = 9;
        c.throws(
            Errc::BadArgument, [&] { (void)buildVerifyStructure(request); }, "9 digits");
    });
}

void controlPinPad_answers_oneCallEach(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        FakeControlPort port;
        ControlPinPad pad(port, kVerifyCode);
        cns::PadVerifyRequest request;
        request.reference = 0x10;
        for (const char* sw : { "9000", "63C2", "6983", "6400", "6401", "6B80" }) {
            port.calls.clear();
            port.answer = fromHex(sw);
            const apdu::StatusWord got = pad.verifyOnPad(request);
            c.eq(got.value(), apdu::StatusWord(port.answer[0], port.answer[1]).value(), sw);
            c.eq(port.calls.size(), 1, std::string(sw) + ": one control call");
            if (!port.calls.empty()) {
                c.eq(port.calls[0].code, kVerifyCode, "the announced control code");
                c.bytes(ByteView(port.calls[0].input), ByteView(buildVerifyStructure(request)),
                    "the PIN_VERIFY_STRUCTURE");
            }
        }
        port.answer = fromHex("00 90 00"); // extra leading bytes: the status word is last
        c.eq(pad.verifyOnPad(request).value(), 0x9000, "status word at the end");
        port.answer = fromHex("90");
        c.throws(
            Errc::Transport, [&] { (void)pad.verifyOnPad(request); }, "1-byte answer");
        port.answer.clear();
        c.throws(
            Errc::Transport, [&] { (void)pad.verifyOnPad(request); }, "empty answer");
    });
}

/// The whole chain without hardware: CnsCard → ControlPinPad → a reader that "types" the PIN
/// into the structure's APDU and sends it to a scripted card.
class TypingReader final : public ControlPort {
public:
    explicit TypingReader(tscns::test::ScriptedChannel& card)
        : card_(card)
    {
    }
    unsigned verifies = 0;
    Bytes control(std::uint32_t code, ByteView input) override
    {
        if (code != kVerifyCode) throw Error(Errc::Transport, "unexpected control code");
        ++verifies;
        constexpr std::size_t head = offsetof(PIN_VERIFY_STRUCTURE, abData);
        if (input.size() < head + 5) return fromHex("6B80");
        Bytes apdu(input.begin() + head, input.end());
        const char* digits = "12345";
        for (std::size_t i = 0; i < 5 && 5 + i < apdu.size(); ++i)
            apdu[5 + i] = static_cast<std::uint8_t>(digits[i]);
        const apdu::ResponseApdu r = card_.transmit(apdu::CommandApdu::decode(apdu));
        return fromHex(toHex(Bytes { r.sw.sw1(), r.sw.sw2() }));
    }

private:
    tscns::test::ScriptedChannel& card_;
};

void chain_cnsCardThroughControlPinPad(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        tscns::test::ScriptedChannel card;
        card.expect("00 20 00 10 08 3132333435FFFFFF", "63 C2");
        card.expect("00 20 00 10 08 3132333435FFFFFF", "90 00");
        TypingReader reader(card);
        ControlPinPad pad(reader, kVerifyCode);
        cns::CnsCard cns(card, cns::classicProfile(), &pad);
        const auto e = c.throws(
            Errc::PinIncorrect, [&] { cns.verifyPinOnPad(); }, "63C2");
        if (e) c.eq(e->retries(), std::optional<int>(2), "2 tries left");
        c.eq(reader.verifies, 1U, "one control call for the failed login");
        c.noThrow([&] { cns.verifyPinOnPad(); }, "second login");
        c.eq(reader.verifies, 2U, "one control call per login");
        c.that(card.verifyConsumed(), card.problems());
    });
}

int runPinPadTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(features_wellFormed_allFour),
        cmocka_unit_test(features_malformedTruncatedOversized),
        cmocka_unit_test(features_query_oneCall_failureMeansNone),
        cmocka_unit_test(verifyStructure_fieldByField_matchesSoftwareVerify),
        cmocka_unit_test(controlPinPad_answers_oneCallEach),
        cmocka_unit_test(chain_cnsCardThroughControlPinPad),
    };
    return cmocka_run_group_tests_name("reader_pin_pad", tests, nullptr, nullptr);
}

} // namespace

int main(int argc, char** argv)
{
    constexpr tscns::test::TestGroup kGroups[] = {
        { "pin_pad", runPinPadTests },
    };
    return tscns::test::runTestGroups(argc, argv, kGroups);
}
