// SPDX-License-Identifier: LGPL-2.1-or-later
// CNS command builders against the hex of cns-card.md §5, §6, §8 and the appendix.
#include "checker.hpp"
#include "groups.hpp"

#include "tscns/apdu/secure_command.hpp"
#include "tscns/cns/commands.hpp"
#include "tscns/cns/profile.hpp"

using namespace tscns;
using namespace tscns::apdu;
using namespace tscns::cns;

namespace {

SecureBytes secret(std::string_view digits)
{
    return SecureBytes(asBytes(digits), 8);
}

Bytes block(std::size_t n, std::uint8_t fill)
{
    Bytes b(n, fill);
    b[0] = 0x00;
    b[1] = 0x01;
    return b;
}

/// encode() of the command decoded from encode(): builders produce well-formed ISO cases.
void roundTrips(test::Checker& c, const CommandApdu& cmd, std::string_view what)
{
    const Bytes enc = cmd.encode();
    c.bytes(CommandApdu::decode(enc).encode(), enc, std::string(what) + " round trip");
}

void select_layoutsOfSection8(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.hex(selectMf().encode(), "00 A4 00 00 02 3F 00", "SELECT MF");
        const Path idCarta = Path::parse("3F00/1000/1003");
        c.hex(selectPath(idCarta).encode(), "00 A4 08 0C 04 10 00 10 03", "path, no FCI");
        // cns-card.md §8: `00 A4 08 00 Lc <path>` plus Le when FCI is wanted.
        c.hex(selectPath(idCarta, FciMode::Fci).encode(), "00 A4 08 00 04 10 00 10 03 00",
            "path, FCI");
        c.hex(selectPath(idCarta, FciMode::Fcp).encode(), "00 A4 08 04 04 10 00 10 03 00",
            "path, FCP");
        c.hex(selectPath(Path::parse("1000/1003")).encode(), "00 A4 09 0C 04 10 00 10 03",
            "relative");
        c.hex(selectPath(Path::parse("3F00")).encode(), "00 A4 00 0C 02 3F 00", "path 3F00");
        c.hex(selectPath(Path::parse("3F00"), FciMode::Fci).encode(), "00 A4 00 00 02 3F 00 00",
            "3F00 FCI");
        c.hex(selectFid(0x1101).encode(), "00 A4 00 0C 02 11 01", "FID");
        c.hex(selectFid(0x1101, FciMode::Fci).encode(), "00 A4 00 00 02 11 01 00", "FID with FCI");
        const Bytes aid = fromHex("A0 00 00 05 30 00 0B 10 40 01 02 1A");
        c.hex(selectAid(aid).encode(), "00 A4 04 00 0C A0 00 00 05 30 00 0B 10 40 01 02 1A 00",
            "AID");
        c.hex(selectAid(aid, FciMode::None).encode(),
            "00 A4 04 0C 0C A0 00 00 05 30 00 0B 10 40 01 02 1A", "AID without FCI");
        c.throws(
            Errc::BadArgument, [] { (void)selectPath(Path {}); }, "empty path");
        c.throws(
            Errc::BadArgument, [] { (void)selectAid(fromHex("A0 00 00 05")); }, "4-byte AID",
            "4 bytes");
        c.throws(
            Errc::BadArgument, [] { (void)selectAid(Bytes(17, 0xA0)); }, "17-byte AID");
        roundTrips(c, selectPath(idCarta, FciMode::Fci), "select");
    });
}

void readBinary_offsetsAndLe(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.hex(readBinary(0).encode(), "00 B0 00 00 FF", "first chunk");
        c.hex(readBinary(0x00FF).encode(), "00 B0 00 FF FF", "second chunk");
        c.hex(readBinary(0x01FE, 256).encode(), "00 B0 01 FE 00", "Le 256");
        c.hex(readBinary(0x7FFF, 1).encode(), "00 B0 7F FF 01", "last offset");
        c.hex(readBinary(0, 16).encode(), "00 B0 00 00 10", "16 bytes");
        c.throws(
            Errc::BadArgument, [] { (void)readBinary(0x8000); }, "offset 8000", "above 32767");
        c.throws(
            Errc::BadArgument, [] { (void)readBinary(0, 0); }, "Le 0");
        c.throws(
            Errc::BadArgument, [] { (void)readBinary(0, 257); }, "Le 257");
    });
}

void verify_padsPinWithFf(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        const auto five = verify(0x10, secret("12345"));
        c.hex(five.encode(), "00 20 00 10 08 31 32 33 34 35 FF FF FF", "5-digit PIN");
        c.eq(five.data.capacity(), 8u, "no spare copy in the buffer");
        c.hex(verify(0x90, secret("12345678")).encode(), "00 20 00 90 08 31 32 33 34 35 36 37 38",
            "STIncard P2 90");
        c.hex(verify(0x11, secret("87654321")).encode(), "00 20 00 11 08 38 37 36 35 34 33 32 31",
            "VERIFY PUK");
        c.hex(verifyQuery(0x10).encode(), "00 20 00 10", "tries query");
        for (const char* bad : { "", "1234", "123456789", "12a45", "12 45" })
            c.throws(
                Errc::PinLength, [&] { (void)verify(0x10, secret(bad)); },
                std::string("PIN \"") + bad + "\"");
        const auto e = c.throws(
            Errc::PinLength, [] { (void)verify(0x10, secret("98765432X")); }, "9");
        if (e) c.that(e->message().find("98765") == std::string::npos, "PIN not in the message");
        roundTrips(c, five, "verify");
    });
}

void changeAndReset_sixteenBytes(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.hex(changeReferenceData(0x10, secret("12345"), secret("87654321")).encode(),
            "00 24 00 10 10 31 32 33 34 35 FF FF FF 38 37 36 35 34 33 32 31",
            "CHANGE REFERENCE DATA");
        c.hex(resetRetryCounter(0x10, secret("12345678"), secret("54321")).encode(),
            "00 2C 00 10 10 31 32 33 34 35 36 37 38 35 34 33 32 31 FF FF FF",
            "RESET RETRY COUNTER");
        c.eq(resetRetryCounter(0x10, secret("12345678"), secret("54321")).data.capacity(), 16u,
            "reserved exactly");
        c.throws(
            Errc::PinLength,
            [] { (void)changeReferenceData(0x10, secret("1234"), secret("12345")); }, "old short",
            "current PIN");
        c.throws(
            Errc::PinLength,
            [] { (void)changeReferenceData(0x10, secret("12345"), secret("123456789")); },
            "new long", "new PIN");
        c.throws(
            Errc::PinLength,
            [] { (void)resetRetryCounter(0x10, secret("1234567a"), secret("12345")); }, "PUK",
            "PUK");
    });
}

void mseAndPso_layoutsOfSection6(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.hex(mseRestore().encode(), "00 22 F3 03 00", "MSE RESTORE SE 3");
        c.hex(mseRestore(0x30).encode(), "00 22 F3 30 00", "MSE RESTORE SE 30 (CIE v1)");
        c.hex(mseSet(MseTemplate::Confidentiality, 0x01).encode(), "00 22 F1 B8 03 83 01 01",
            "MSE CT");
        c.hex(mseSet(MseTemplate::Signature, 0x02).encode(), "00 22 F1 B6 03 83 01 02", "MSE DST");
        c.hex(mseSet(MseTemplate::Authentication, 0x01).encode(), "00 22 F1 A4 03 83 01 01",
            "MSE AT");

        const Bytes b128 = block(128, 0xAA);
        const Bytes short1024 = psoDecipher(b128).encode();
        c.eq(short1024.size(), 4u + 1 + 129 + 1, "RSA-1024 short APDU");
        c.hex(ByteView(short1024).first(6), "00 2A 80 86 81 00", "Lc 81 and padding indicator");
        c.bytes(ByteView(short1024).subspan(6, 128), b128, "block");
        c.hex(ByteView(short1024).last(1), "00", "Le 00");

        const Bytes b256 = block(256, 0xBB);
        const Bytes ext2048 = psoDecipher(b256).encode();
        c.eq(ext2048.size(), 4u + 3 + 257 + 2, "RSA-2048 extended APDU");
        c.hex(ByteView(ext2048).first(8), "00 2A 80 86 00 01 01 00", "extended Lc 257 + indicator");
        c.bytes(ByteView(ext2048).subspan(8, 256), b256, "block");
        c.hex(ByteView(ext2048).last(2), "01 00", "extended Le 256");

        const Bytes cds = psoComputeDigitalSignature(b128).encode();
        c.hex(ByteView(cds).first(5), "00 2A 9E 9A 80", "PSO CDS header");
        c.hex(ByteView(cds).last(1), "00", "PSO CDS Le");
        c.eq(cds.size(), 4u + 1 + 128 + 1, "PSO CDS size");
        const Bytes cds2048 = psoComputeDigitalSignature(b256).encode();
        c.hex(ByteView(cds2048).first(7), "00 2A 9E 9A 00 01 00", "PSO CDS 2048 extended");
        c.hex(ByteView(cds2048).last(2), "01 00", "PSO CDS 2048 Le");
        c.eq(psoDecipher(Bytes(512, 1)).le.value_or(0), 512u, "RSA-4096 Le");

        c.throws(
            Errc::BadArgument, [] { (void)psoDecipher(Bytes {}); }, "empty block");
        c.throws(
            Errc::BadArgument, [] { (void)psoDecipher(Bytes(513, 1)); }, "513 bytes");
        c.throws(
            Errc::BadArgument, [] { (void)psoComputeDigitalSignature(Bytes {}); }, "empty CDS");
        roundTrips(c, psoDecipher(b256), "decipher 2048");
        roundTrips(c, mseRestore(), "MSE RESTORE");
    });
}

void getChallenge_lengths(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        c.hex(getChallenge(8).encode(), "00 84 00 00 08", "8 bytes");
        c.hex(getChallenge(32).encode(), "00 84 00 00 20", "IDEMIA maximum");
        c.hex(getChallenge(256).encode(), "00 84 00 00 00", "256");
        c.throws(
            Errc::BadArgument, [] { (void)getChallenge(0); }, "0");
        c.throws(
            Errc::BadArgument, [] { (void)getChallenge(257); }, "257");
    });
}

void secureCommand_wipeAndEncode(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        CommandApdu cmd = verify(0x10, secret("12345"));
        const SecureBytes enc = encodeSecure(cmd);
        c.bytes(enc.view(), cmd.encode(), "encodeSecure = encode");
        c.eq(enc.capacity(), 13u, "exact capacity");
        wipe(cmd);
        c.that(cmd.data.empty(), "data emptied");
        c.hex(cmd.encode(), "00 20 00 10", "header kept");
        CommandApdu scoped = verify(0x10, secret("12345"));
        {
            WipeOnExit guard(scoped);
            c.eq(scoped.data.size(), 8u, "data until scope end");
        }
        c.that(scoped.data.empty(), "wiped at scope end");
        CommandApdu empty;
        wipe(empty);
        c.that(empty.data.empty(), "wiping an empty command");
    });
}

void loginAndSign_sequenceOfAppendix(void**)
{
    TSCNS_CHECK([](test::Checker& c) {
        // RSA-2048 STIncard-mask card: 00 20 00 90 08 … → 00 22 F3 03 00 → 00 22 F1 B8 03 83 01 01.
        const auto profile = profileForAtr(
            fromHex("3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80 8D"));
        c.that(profile.has_value(), "profile");
        if (!profile) return;
        c.hex(verify(profile->pinP2(), secret("12345")).encode(),
            "00 20 00 90 08 31 32 33 34 35 FF FF FF", "VERIFY");
        c.hex(mseRestore(profile->securityEnvironment).encode(), "00 22 F3 03 00", "MSE RESTORE");
        c.hex(mseSet(MseTemplate::Confidentiality, profile->keyReference).encode(),
            "00 22 F1 B8 03 83 01 01", "MSE SET");
        c.hex(selectPath(profile->certificatePath()).encode(), "00 A4 08 0C 04 11 00 11 01",
            "certificate");
        const auto& idemia = idemia2021Profile();
        c.that(idemia.keyDf.has_value(), "IDEMIA key DF");
        if (idemia.keyDf)
            c.hex(
                selectPath(*idemia.keyDf).encode(), "00 A4 08 0C 04 14 00 90 02", "key DF select");
        c.hex(mseSet(MseTemplate::Confidentiality, idemia.keyReference).encode(),
            "00 22 F1 B8 03 83 01 02", "IDEMIA MSE SET");
        c.hex(verify(idemia.pinP2(), secret("12345")).encode(),
            "00 20 00 10 08 31 32 33 34 35 FF FF FF", "IDEMIA VERIFY");
    });
}

} // namespace

int runCommandsTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(select_layoutsOfSection8),
        cmocka_unit_test(readBinary_offsetsAndLe),
        cmocka_unit_test(verify_padsPinWithFf),
        cmocka_unit_test(changeAndReset_sixteenBytes),
        cmocka_unit_test(mseAndPso_layoutsOfSection6),
        cmocka_unit_test(getChallenge_lengths),
        cmocka_unit_test(secureCommand_wipeAndEncode),
        cmocka_unit_test(loginAndSign_sequenceOfAppendix),
    };
    return cmocka_run_group_tests_name("cns_commands", tests, nullptr, nullptr);
}
