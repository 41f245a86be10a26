// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsCard against exact APDU scripts: READ BINARY chunking and end-of-file rules, FCI problems,
// status word mapping of SELECT and the PIN commands (never resent), PSO DECIPHER with the
// command-chaining fallback, GET CHALLENGE splitting, identification probe, transport errors.
#include "groups.hpp"
#include "script_fixture.hpp"

#include "tscns/cns/card_id.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/profile.hpp"

using namespace tscns;
using namespace tscns::test;
using cns::CnsCard;

namespace {

const cns::Path kDatiPersonali { 0x3F00, 0x1100, 0x1102 };
constexpr const char* kSelectDatiFci = "00 A4 08 00 04 11 00 11 02 00";
constexpr const char* kSelectIdCartaFci = "00 A4 08 00 04 10 00 10 03 00";
/// FCI of EF_DatiPersonali: size 0190 = 400, transparent EF (cns-card.md §1).
constexpr const char* kFci400 = "6F 07 80 02 01 90 82 01 01";
/// FCI without tag 80/81: the size is unknown.
constexpr const char* kFciNoSize = "6F 03 82 01 01";

constexpr const char* kAtrSt
    = "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80 8D";
constexpr const char* kAtrIdemia
    = "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 21 01 43 4E 53 10 31 80 79";

/// "12345" padded: 31 32 33 34 35 FF FF FF.
constexpr const char* kPin12345 = "3132333435FFFFFF";
constexpr const char* kPin54321 = "3534333231FFFFFF";
constexpr const char* kPuk = "3837363534333231";

SecureBytes secret(std::string_view digits)
{
    return SecureBytes(asBytes(digits), 8);
}

std::string sw(std::string_view hex)
{
    return std::string(hex);
}

/// A valid 16-digit card ID: 6 + 030 + 11 digits + Luhn.
std::string validCardId()
{
    std::string id = "603001234567890";
    id.push_back(cns::luhnCheckDigit(id));
    return id;
}

// ---- readFile ---------------------------------------------------------------------------------

void readFile_fciSize400_reads255Then145(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(400);
        f->script.expect(kSelectDatiFci, sw(kFci400) + "9000")
            .expect("00 B0 00 00 FF", answer(ByteView(data).first(255)))
            .expect("00 B0 00 FF 91", answer(ByteView(data).subspan(255)));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.readFile(kDatiPersonali), data, "file");
    });
}

void readFile_noSizeInFci_readsUntilShortChunk(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(355);
        f->script.expect(kSelectDatiFci, sw(kFciNoSize) + "9000")
            .expect("00 B0 00 00 FF", answer(ByteView(data).first(255)))
            .expect("00 B0 00 FF FF", answer(ByteView(data).subspan(255)));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.readFile(kDatiPersonali), data, "file");
    });
}

void readFile_noFci_readsUntil6B00(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(510);
        // No FCI at all (9000 without data), and a file that is a multiple of 255 bytes.
        f->script.expect(kSelectDatiFci, "90 00")
            .expect("00 B0 00 00 FF", answer(ByteView(data).first(255)))
            .expect("00 B0 00 FF FF", answer(ByteView(data).subspan(255)))
            .expect("00 B0 01 FE FF", "6B 00")
            // One byte at the same offset: refused too, so this is the end of the file.
            .expect("00 B0 01 FE 01", "6B 00");
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.readFile(kDatiPersonali), data, "file");
    });
}

void readFile_noSize_6282EndsTheFileWithItsData(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(265);
        f->script.expect(kSelectDatiFci, sw(kFciNoSize) + "9000")
            .expect("00 B0 00 00 FF", answer(ByteView(data).first(255)))
            .expect("00 B0 00 FF FF", answer(ByteView(data).subspan(255), "6282"));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.readFile(kDatiPersonali), data, "file");
    });
}

void readFile_noSize_emptyFile(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(kSelectDatiFci, "90 00")
            .expect("00 B0 00 00 FF", "6B 00")
            .expect("00 B0 00 00 01", "6B 00");
        CnsCard card(f->script, cns::classicProfile());
        c.eq(card.readFile(kDatiPersonali).size(), 0, "size");
    });
}

void readFile_fciSize400_6B00At255_isTruncated(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(255);
        f->script.expect(kSelectDatiFci, sw(kFci400) + "9000")
            .expect("00 B0 00 00 FF", answer(data))
            .expect("00 B0 00 FF 91", "6B 00")
            .expect("00 B0 00 FF 01", "6B 00");
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::Transport, [&] { (void)card.readFile(kDatiPersonali); }, "6B00 before the end",
            "truncated (255 of 400 bytes)");
    });
}

void readFile_fciSize400_shortChunk_isTruncated(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(355);
        f->script.expect(kSelectDatiFci, sw(kFci400) + "9000")
            .expect("00 B0 00 00 FF", answer(ByteView(data).first(255)))
            .expect("00 B0 00 FF 91", answer(ByteView(data).subspan(255)));
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::Transport, [&] { (void)card.readFile(kDatiPersonali); }, "short chunk",
            "truncated (355 of 400 bytes)");
    });
}

void readFile_fciSize400_6282Early_isTruncated(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(kSelectDatiFci, sw(kFci400) + "9000")
            .expect("00 B0 00 00 FF", answer(pattern(100), "6282"));
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::Transport, [&] { (void)card.readFile(kDatiPersonali); }, "6282 early",
            "truncated");
    });
}

void readFile_chunkLongerThanAsked_isTransport(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(kSelectDatiFci, sw(kFci400) + "9000")
            .expect("00 B0 00 00 FF", answer(pattern(256)))
            // Without a size, and with the end-of-file status word.
            .expect(kSelectDatiFci, "90 00")
            .expect("00 B0 00 00 FF", answer(pattern(255)))
            .expect("00 B0 00 FF FF", answer(pattern(300), "6282"));
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::Transport, [&] { (void)card.readFile(kDatiPersonali); }, "256 for 255",
            "returned 256 bytes for 255");
        c.throws(
            Errc::Transport, [&] { (void)card.readFile(kDatiPersonali); }, "300 for 255 with 6282",
            "returned 300 bytes for 255");
    });
}

// A card that refuses a read running past the end of the EF (6B00) while a shorter one works:
// it is asked for half as many bytes until the end.
void readFile_6B00PastTheEnd_asksForLess(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(300);
        f->script.expect(kSelectDatiFci, "90 00")
            .expect("00 B0 00 00 FF", answer(ByteView(data).first(255)))
            .expect("00 B0 00 FF FF", "6B 00")
            .expect("00 B0 00 FF 01", answer(ByteView(data).subspan(255, 1)))
            .expect("00 B0 01 00 7F", "6B 00")
            .expect("00 B0 01 00 01", answer(ByteView(data).subspan(256, 1)))
            .expect("00 B0 01 01 3F", "6B 00")
            .expect("00 B0 01 01 01", answer(ByteView(data).subspan(257, 1)))
            .expect("00 B0 01 02 1F", answer(ByteView(data).subspan(258, 31)))
            .expect("00 B0 01 21 1F", "6B 00")
            .expect("00 B0 01 21 01", answer(ByteView(data).subspan(289, 1)))
            .expect("00 B0 01 22 0F", "6B 00")
            .expect("00 B0 01 22 01", answer(ByteView(data).subspan(290, 1)))
            .expect("00 B0 01 23 07", answer(ByteView(data).subspan(291, 7)))
            .expect("00 B0 01 2A 07", "6B 00")
            .expect("00 B0 01 2A 01", answer(ByteView(data).subspan(298, 1)))
            .expect("00 B0 01 2B 03", "6B 00")
            .expect("00 B0 01 2B 01", answer(ByteView(data).subspan(299, 1)))
            .expect("00 B0 01 2C 01", "6B 00");
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.readFile(kDatiPersonali), data, "file");
    });
}

// An FCI that does not parse tells nothing: the file is read as one of unknown size.
void readFile_malformedFci_isIgnored(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(100);
        for (const char* fci : { "6F 05 80 02 01 90 00", // TLV runs past the end
                 "01 02 03 90 00", // not an FCI/FCP template
                 "6F 04 80 02 80 01 90 00" }) // 32769 bytes: more than READ BINARY reaches
            f->script.expect(kSelectDatiFci, fci).expect("00 B0 00 00 FF", answer(data));
        CnsCard card(f->script, cns::classicProfile());
        for (const char* what : { "truncated TLV", "garbage", "too large" })
            c.bytes(card.readFile(kDatiPersonali), data, what);
    });
}

void readFile_select6A82_isCardRejectedWithStatusWord(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(kSelectDatiFci, "6A 82");
        CnsCard card(f->script, cns::classicProfile());
        const auto e = c.throws(
            Errc::CardRejected, [&] { (void)card.readFile(kDatiPersonali); }, "6A82");
        if (e) c.eq(e->statusWord().value_or(apdu::StatusWord {}).value(), 0x6A82, "status word");
    });
}

void readFile_readRefused_mapsThroughTheTable(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(kSelectDatiFci, sw(kFci400) + "9000").expect("00 B0 00 00 FF", "69 82");
        CnsCard card(f->script, cns::classicProfile());
        const auto e = c.throws(
            Errc::NotLoggedIn, [&] { (void)card.readFile(kDatiPersonali); }, "6982");
        if (e) c.eq(e->statusWord().value_or(apdu::StatusWord {}).value(), 0x6982, "status word");
    });
}

void readFile_selectAnswers61xx_usesGetResponse(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(16);
        f->script.expect(kSelectDatiFci, "61 09")
            .expect("00 C0 00 00 09", "6F 07 80 02 00 10 82 01 01 90 00")
            .expect("00 B0 00 00 10", answer(data));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.readFile(kDatiPersonali), data, "file");
    });
}

void readFile_cardRemoved_propagatesUnchanged(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expectThrow(kSelectDatiFci, Error(Errc::CardRemoved, "card pulled out"))
            .expect(kSelectDatiFci, sw(kFci400) + "9000")
            .expectThrow("00 B0 00 00 FF", Error(Errc::CardReset, "reset by another app"));
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::CardRemoved, [&] { (void)card.readFile(kDatiPersonali); }, "at SELECT",
            "card pulled out");
        c.throws(
            Errc::CardReset, [&] { (void)card.readFile(kDatiPersonali); }, "at READ BINARY",
            "reset by another app");
    });
}

// ---- PIN commands -----------------------------------------------------------------------------

void verifyPin_success_sendsPaddedPin(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(std::string("00 20 00 10 08") + kPin12345, "90 00");
        CnsCard card(f->script, cns::classicProfile());
        c.noThrow([&] { card.verifyPin(secret("12345")); }, "verify");
    });
}

void verifyPin_stIncard_usesP2_90(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(std::string("00 20 00 90 08") + kPin12345, "90 00")
            .expect("00 20 00 90", "63 C3");
        CnsCard card(f->script, cns::stIncardProfile());
        c.noThrow([&] { card.verifyPin(secret("12345")); }, "verify");
        c.eq(card.pinStatus().triesLeft, std::optional<int>(3), "tries query with P2 90");
    });
}

void verifyPin_63C2_isPinIncorrect_sentOnce(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(std::string("00 20 00 10 08") + kPin54321, "63 C2");
        CnsCard card(f->script, cns::classicProfile());
        const auto e = c.throws(
            Errc::PinIncorrect, [&] { card.verifyPin(secret("54321")); }, "63C2");
        if (e) c.eq(e->retries(), std::optional<int>(2), "retries");
        c.eq(f->script.transmitCount(), 1, "exactly one VERIFY");
    });
}

void verifyPin_63C0_and_6983_arePinLocked(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(std::string("00 20 00 10 08") + kPin54321, "63 C0")
            .expect(std::string("00 20 00 10 08") + kPin54321, "69 83");
        CnsCard card(f->script, cns::classicProfile());
        const auto e1 = c.throws(
            Errc::PinLocked, [&] { card.verifyPin(secret("54321")); }, "63C0");
        if (e1) c.eq(e1->retries(), std::optional<int>(0), "retries 63C0");
        const auto e2 = c.throws(
            Errc::PinLocked, [&] { card.verifyPin(secret("54321")); }, "6983");
        if (e2) c.eq(e2->statusWord().value_or(apdu::StatusWord {}).value(), 0x6983, "SW");
        c.eq(f->script.transmitCount(), 2, "one VERIFY each");
    });
}

void verifyPin_6700_isPinLength(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(std::string("00 20 00 10 08") + kPin12345, "67 00")
            .expect(std::string("00 20 00 10 08") + kPin12345, "6A 80");
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::PinLength, [&] { card.verifyPin(secret("12345")); }, "6700");
        c.throws(
            Errc::PinLength, [&] { card.verifyPin(secret("12345")); }, "6A80");
    });
}

void verifyPin_badPin_sendsNothing(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::PinLength, [&] { card.verifyPin(secret("1234")); }, "4 digits");
        c.throws(
            Errc::PinLength, [&] { card.verifyPin(secret("12a45")); }, "not digits");
        c.eq(f->script.transmitCount(), 0, "nothing sent");
    });
}

void verifyPin_6Cxx_isNotResent(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        // A resend would present the PIN twice (and could cost a second try): the 6Cxx rule of
        // GetResponseChannel must not apply to PIN commands.
        f->script.expect(std::string("00 20 00 10 08") + kPin12345, "6C 08")
            .expect(std::string("00 20 00 10 08") + kPin12345, "61 02");
        CnsCard card(f->script, cns::classicProfile());
        const auto e = c.throws(
            Errc::Transport, [&] { card.verifyPin(secret("12345")); }, "6C08");
        if (e) c.eq(e->statusWord().value_or(apdu::StatusWord {}).value(), 0x6C08, "SW");
        c.eq(f->script.transmitCount(), 1, "no resend after 6Cxx");
        c.throws(
            Errc::Transport, [&] { card.verifyPin(secret("12345")); }, "61xx");
        c.eq(f->script.transmitCount(), 2, "no GET RESPONSE after a PIN command");
    });
}

void verifyPin_cardRemoved_propagatesUnchanged(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expectThrow(
            std::string("00 20 00 10 08") + kPin12345, Error(Errc::CardRemoved, "card pulled out"));
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::CardRemoved, [&] { card.verifyPin(secret("12345")); }, "removed",
            "card pulled out");
    });
}

void changePin_sendsOldAndNew(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string apdu = std::string("00 24 00 10 10") + kPin12345 + kPin54321;
        f->script.expect(apdu, "90 00").expect(apdu, "63 C1");
        CnsCard card(f->script, cns::classicProfile());
        c.noThrow([&] { card.changePin(secret("12345"), secret("54321")); }, "change");
        const auto e = c.throws(
            Errc::PinIncorrect, [&] { card.changePin(secret("12345"), secret("54321")); }, "63C1");
        if (e) c.eq(e->retries(), std::optional<int>(1), "retries");
    });
}

void unblockPin_sendsPukAndNewPin(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string apdu = std::string("00 2C 00 10 10") + kPuk + kPin54321;
        f->script.expect(apdu, "90 00").expect(apdu, "69 83");
        CnsCard card(f->script, cns::classicProfile());
        c.noThrow([&] { card.unblockPin(secret("87654321"), secret("54321")); }, "unblock");
        c.throws(
            Errc::PinLocked, [&] { card.unblockPin(secret("87654321"), secret("54321")); },
            "PUK blocked");
    });
}

void pinStatus_interpretsTheTriesQuery(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 20 00 10", "63 C3")
            .expect("00 20 00 10", "90 00")
            .expect("00 20 00 10", "69 83")
            .expect("00 20 00 10", "63 C0")
            .expect("00 20 00 10", "6A 88");
        CnsCard card(f->script, cns::classicProfile());
        cns::PinStatus s = card.pinStatus();
        c.eq(s.triesLeft, std::optional<int>(3), "63C3 tries");
        c.that(!s.blocked && !s.verified, "63C3 flags");
        s = card.pinStatus();
        c.that(s.verified && !s.blocked, "9000 = verified");
        s = card.pinStatus();
        c.that(s.blocked, "6983 blocked");
        c.eq(s.triesLeft, std::optional<int>(0), "6983 tries");
        s = card.pinStatus();
        c.that(s.blocked, "63C0 blocked");
        s = card.pinStatus();
        c.eq(s.triesLeft, std::optional<int>(), "6A88: the card does not say");
        c.that(!s.blocked && !s.verified, "6A88 flags");
    });
}

// ---- rsaRaw -----------------------------------------------------------------------------------

constexpr const char* kMseRestore = "00 22 F3 03 00";
constexpr const char* kMseSetKey01 = "00 22 F1 B8 03 83 01 01";

std::string psoExtended(ByteView block)
{
    return "00 2A 80 86 00 01 01 00" + toHex(block) + "01 00";
}

void rsaRaw_extendedRefused6700_fallsBackToChaining(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(256, 0x00);
        const Bytes result = pattern(256, 0x42);
        f->script.expect(kMseRestore, "90 00")
            .expect(kMseSetKey01, "90 00")
            .expect(psoExtended(block), "67 00")
            // ISO 7816-4 §5.1.1.1: CLA 10 with the first 255 data bytes (padding indicator + 254
            // bytes of the block), no Le; then CLA 00 with the rest and Le.
            .expect("10 2A 80 86 FF 00" + hexOf(block, 0, 254), "90 00")
            .expect("00 2A 80 86 02" + hexOf(block, 254, 2) + "00", answer(result));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.rsaRaw(block), result, "result");
    });
}

void rsaRaw_extendedRefused6E00_fallsBackToChaining(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(256, 0x00);
        const Bytes result = pattern(256, 0x43);
        f->script.expect(kMseRestore, "90 00")
            .expect(kMseSetKey01, "90 00")
            .expect(psoExtended(block), "6E 00")
            .expect("10 2A 80 86 FF 00" + hexOf(block, 0, 254), "90 00")
            .expect("00 2A 80 86 02" + hexOf(block, 254, 2) + "00", answer(result));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.rsaRaw(block), result, "result");
    });
}

void rsaRaw_chainingRefused_isUnsupported(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(256, 0x00);
        f->script.expect(kMseRestore, "90 00")
            .expect(kMseSetKey01, "90 00")
            .expect(psoExtended(block), "67 00")
            .expect("10 2A 80 86 FF 00" + hexOf(block, 0, 254), "68 84");
        CnsCard card(f->script, cns::classicProfile());
        // 6884 "command chaining not supported" maps to Unsupported (the SW table).
        const auto e = c.throws(
            Errc::Unsupported, [&] { (void)card.rsaRaw(block); }, "6884");
        if (e) c.eq(e->statusWord().value_or(apdu::StatusWord {}).value(), 0x6884, "SW");
    });
}

void rsaRaw_2048_extendedAccepted(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(256, 0x00);
        const Bytes result = pattern(256, 0x44);
        f->script.expect(kMseRestore, "90 00")
            .expect(kMseSetKey01, "90 00")
            .expect(psoExtended(block), answer(result));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.rsaRaw(block), result, "result");
    });
}

void rsaRaw_1024_shortApdu(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(128, 0x00);
        const Bytes result = pattern(128, 0x45);
        f->script.expect(kMseRestore, "90 00")
            .expect(kMseSetKey01, "90 00")
            .expect("00 2A 80 86 81 00" + toHex(block) + "00", answer(result));
        CnsCard card(f->script, cns::classicProfile());
        c.bytes(card.rsaRaw(block), result, "result");
    });
}

void rsaRaw_wrongResultLength_isTransport(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(128, 0x00);
        f->script.expect(kMseRestore, "90 00")
            .expect(kMseSetKey01, "90 00")
            .expect("00 2A 80 86 81 00" + toHex(block) + "00", answer(pattern(127)));
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::Transport, [&] { (void)card.rsaRaw(block); }, "127 for 128",
            "127 bytes for a 128-byte block");
    });
}

void rsaRaw_6982_isNotLoggedIn(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(128, 0x00);
        f->script.expect(kMseRestore, "90 00")
            .expect(kMseSetKey01, "90 00")
            .expect("00 2A 80 86 81 00" + toHex(block) + "00", "69 82");
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::NotLoggedIn, [&] { (void)card.rsaRaw(block); }, "6982");
    });
}

void rsaRaw_idemia_selectsKeyDfThenKey02(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes block = pattern(256, 0x00);
        const Bytes result = pattern(256, 0x46);
        f->script.expect("00 A4 08 0C 04 14 00 90 02", "90 00")
            .expect(kMseRestore, "90 00")
            .expect("00 22 F1 B8 03 83 01 02", "90 00")
            .expect(psoExtended(block), answer(result));
        CnsCard card(f->script, cns::idemia2021Profile());
        c.bytes(card.rsaRaw(block), result, "result");
    });
}

// ---- getChallenge -----------------------------------------------------------------------------

void getChallenge_classic_splitsIn8ByteCommands(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 84 00 00 08", "0102030405060708 9000")
            .expect("00 84 00 00 02", "090A 9000");
        CnsCard card(f->script, cns::classicProfile());
        c.hex(card.getChallenge(10), "01 02 03 04 05 06 07 08 09 0A", "random");
    });
}

void getChallenge_wrongLength_isTransport(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect("00 84 00 00 08", "01020304 9000");
        CnsCard card(f->script, cns::classicProfile());
        c.throws(
            Errc::Transport, [&] { (void)card.getChallenge(8); }, "4 for 8");
    });
}

// ---- identify ---------------------------------------------------------------------------------

void identify_validId_returnsProfileAndId(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string id = validCardId();
        f->script.expect(kSelectIdCartaFci, "6F 07 80 02 00 10 82 01 01 90 00")
            .expect("00 B0 00 00 10", answer(asBytes(id)));
        const Bytes atr = fromHex(kAtrIdemia);
        const cns::Identification r = CnsCard::identify(f->script, atr);
        c.that(r.profile.family == cns::Family::Idemia2021, "IDEMIA 2021 family");
        c.that(r.atrInfo.has_value(), "CNS ATR structure");
        c.that(!r.atrLabel.empty(), "known-ATR label");
        c.eq(r.cardId.digits, id, "card ID");
        c.bytes(r.idCartaRaw, asBytes(id), "raw EF");
    });
}

/// SELECT AID with FCI of the CNS applications identify() tries when EF_IDCarta is not at MF
/// level, in its order for a non-application hint.
constexpr const char* kSelectAceAid = "00 A4 04 00 0C A0 00 00 05 30 00 0B 10 40 01 02 1A 00";
constexpr const char* kSelectChipDocAid = "00 A4 04 00 0C A0 00 00 05 30 00 0B 10 40 01 01 1B 00";
constexpr const char* kSelectJSign4Aid = "00 A4 04 00 08 A0 00 00 00 95 01 00 4D 00";

void expectNoApplication(ScriptedChannel& script)
{
    script.expect(kSelectAceAid, "6A 82")
        .expect(kSelectChipDocAid, "6A 82")
        .expect(kSelectJSign4Aid, "6A 82");
}

void identify_garbageIdCarta_isNotCnsCard(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string bodies[] = { "60300123456789AB", "603001234567890" };
        for (const std::string& body : bodies) {
            f->script.expect(kSelectIdCartaFci, "90 00")
                .expect("00 B0 00 00 10", answer(asBytes(body)));
            expectNoApplication(f->script);
        }
        const Bytes atr = fromHex(kAtrSt);
        for (const std::string& body : bodies)
            c.throws(
                Errc::NotCnsCard, [&] { (void)CnsCard::identify(f->script, atr); }, body,
                "no CNS application answers");
    });
}

// The check digit is interpretation: a card whose ID does not follow Luhn is identified, and
// the failed check is reported.
void identify_nonLuhnId_isIdentifiedWithANote(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        std::string badLuhn = validCardId();
        badLuhn.back() = static_cast<char>('0' + (badLuhn.back() - '0' + 1) % 10);
        f->script.expect(kSelectIdCartaFci, "90 00")
            .expect("00 B0 00 00 10", answer(asBytes(badLuhn)));
        const cns::Identification r = CnsCard::identify(f->script, fromHex(kAtrSt));
        c.eq(r.cardId.digits, badLuhn, "card ID kept");
        c.that(!r.cardId.checks.luhn, "Luhn reported failed");
        bool noted = false;
        for (const auto& n : r.notes)
            noted = noted || n.find("Luhn") != std::string::npos;
        c.that(noted, "a note names the Luhn check");
    });
}

void identify_noIdCarta_isNotCnsCard(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expect(kSelectIdCartaFci, "6A 82");
        expectNoApplication(f->script);
        f->script.expect(kSelectIdCartaFci, "6D 00");
        expectNoApplication(f->script);
        f->script.expect(kSelectIdCartaFci, "90 00").expect("00 B0 00 00 10", "69 82");
        expectNoApplication(f->script);
        const Bytes atr = fromHex(kAtrSt);
        for (const char* what : { "6A82", "6D00", "6982" })
            c.throws(
                Errc::NotCnsCard, [&] { (void)CnsCard::identify(f->script, atr); }, what,
                "cannot be read");
    });
}

// Nothing at MF level, the CNS application answers its AID: EF_IDCarta is read inside it.
void identify_applicationOnly_selectsTheAid(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string id = validCardId();
        f->script.expect(kSelectIdCartaFci, "6A 82")
            .expect(kSelectAceAid, "6A 82")
            .expect(kSelectChipDocAid, "6F 0E 82 03 38 00 00 84 0C A0 00 00 05 30 00 0B 10 90 00")
            .expect(kSelectIdCartaFci, "90 00")
            .expect("00 B0 00 00 10", answer(asBytes(id)));
        const cns::Identification r = CnsCard::identify(f->script, fromHex(kAtrSt));
        c.that(r.profile.family == cns::Family::ChipDocCns, "ChipDoc CNS applet");
        c.eq(r.cardId.digits, id, "card ID from inside the application");
    });
}

// ACe 2025 with no EF_IDCarta in the application: the ID comes from D003 (packed BCD, bytes 2..9).
void identify_aceD003_readsTheBcdId(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes atr
            = fromHex("3B FF 18 00 FF 81 31 FE 4D 00 6B 04 04 B8 5B 01 F1 01 43 4E 53 10 31 80 9D");
        f->script.expect(kSelectIdCartaFci, "6A 82")
            .expect(kSelectAceAid, "90 00")
            .expect(kSelectIdCartaFci, "6A 82")
            .expect("00 A4 08 00 02 D0 03 00", "90 00")
            .expect("00 B0 00 00 10", "5A 08 60 30 01 23 45 67 89 05 90 00");
        const cns::Identification r = CnsCard::identify(f->script, atr);
        c.that(r.profile.family == cns::Family::Ace2025, "ACe 2025");
        c.eq(r.cardId.digits, std::string_view("6030012345678905"), "BCD card ID");
        c.that(!r.cardId.checks.luhn, "its check reported");
    });
}

void identify_malformedAtr_theProbeDecides(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string id = validCardId();
        f->script.expect(kSelectIdCartaFci, "90 00").expect("00 B0 00 00 10", answer(asBytes(id)));
        const Bytes atr = fromHex("3B 80 80 01"); // truncated: no verdict from the ATR
        const cns::Identification r = CnsCard::identify(f->script, atr);
        c.that(r.profile.family == cns::Family::Classic, "classic by default");
        c.eq(r.profile.referenceFlag, 0, "no STIncard flag");
        c.that(!r.atrInfo.has_value(), "no CNS ATR structure");
        c.that(!r.atrRecognised, "unknown ATR");
        c.eq(r.cardId.digits, id, "card ID");
    });
}

void identify_transportError_propagates(void** state)
{
    ScriptFixture* f = scriptOf(state);
    TSCNS_CHECK([&](Checker& c) {
        f->script.expectThrow(kSelectIdCartaFci, Error(Errc::CardRemoved, "card pulled out"));
        const Bytes atr = fromHex(kAtrSt);
        c.throws(
            Errc::CardRemoved, [&] { (void)CnsCard::identify(f->script, atr); }, "removed",
            "card pulled out");
    });
}

} // namespace

int runCnsCardScriptTests()
{
#define SCRIPTED(t) cmocka_unit_test_setup_teardown(t, scriptSetup, scriptTeardown)
    const struct CMUnitTest tests[] = {
        SCRIPTED(readFile_fciSize400_reads255Then145),
        SCRIPTED(readFile_noSizeInFci_readsUntilShortChunk),
        SCRIPTED(readFile_noFci_readsUntil6B00),
        SCRIPTED(readFile_noSize_6282EndsTheFileWithItsData),
        SCRIPTED(readFile_noSize_emptyFile),
        SCRIPTED(readFile_fciSize400_6B00At255_isTruncated),
        SCRIPTED(readFile_fciSize400_shortChunk_isTruncated),
        SCRIPTED(readFile_fciSize400_6282Early_isTruncated),
        SCRIPTED(readFile_chunkLongerThanAsked_isTransport),
        SCRIPTED(readFile_6B00PastTheEnd_asksForLess),
        SCRIPTED(readFile_malformedFci_isIgnored),
        SCRIPTED(readFile_select6A82_isCardRejectedWithStatusWord),
        SCRIPTED(readFile_readRefused_mapsThroughTheTable),
        SCRIPTED(readFile_selectAnswers61xx_usesGetResponse),
        SCRIPTED(readFile_cardRemoved_propagatesUnchanged),
        SCRIPTED(verifyPin_success_sendsPaddedPin),
        SCRIPTED(verifyPin_stIncard_usesP2_90),
        SCRIPTED(verifyPin_63C2_isPinIncorrect_sentOnce),
        SCRIPTED(verifyPin_63C0_and_6983_arePinLocked),
        SCRIPTED(verifyPin_6700_isPinLength),
        SCRIPTED(verifyPin_badPin_sendsNothing),
        SCRIPTED(verifyPin_6Cxx_isNotResent),
        SCRIPTED(verifyPin_cardRemoved_propagatesUnchanged),
        SCRIPTED(changePin_sendsOldAndNew),
        SCRIPTED(unblockPin_sendsPukAndNewPin),
        SCRIPTED(pinStatus_interpretsTheTriesQuery),
        SCRIPTED(rsaRaw_extendedRefused6700_fallsBackToChaining),
        SCRIPTED(rsaRaw_extendedRefused6E00_fallsBackToChaining),
        SCRIPTED(rsaRaw_chainingRefused_isUnsupported),
        SCRIPTED(rsaRaw_2048_extendedAccepted),
        SCRIPTED(rsaRaw_1024_shortApdu),
        SCRIPTED(rsaRaw_wrongResultLength_isTransport),
        SCRIPTED(rsaRaw_6982_isNotLoggedIn),
        SCRIPTED(rsaRaw_idemia_selectsKeyDfThenKey02),
        SCRIPTED(getChallenge_classic_splitsIn8ByteCommands),
        SCRIPTED(getChallenge_wrongLength_isTransport),
        SCRIPTED(identify_validId_returnsProfileAndId),
        SCRIPTED(identify_garbageIdCarta_isNotCnsCard),
        SCRIPTED(identify_nonLuhnId_isIdentifiedWithANote),
        SCRIPTED(identify_applicationOnly_selectsTheAid),
        SCRIPTED(identify_aceD003_readsTheBcdId),
        SCRIPTED(identify_noIdCarta_isNotCnsCard),
        SCRIPTED(identify_malformedAtr_theProbeDecides),
        SCRIPTED(identify_transportError_propagates),
    };
#undef SCRIPTED
    return cmocka_run_group_tests_name("cns_card_script", tests, nullptr, nullptr);
}
