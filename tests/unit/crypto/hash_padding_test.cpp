// SPDX-License-Identifier: LGPL-2.1-or-later
// Hashes against the FIPS 180 known answers, Hasher, DigestInfo (RFC 8017 §9.2 note 1), and the
// key-free side of the encodings: EMSA-PKCS1-v1_5 layout, EMSA-PSS sizes, RSAES-PKCS1-v1_5
// decoding.
#include "groups.hpp"

#include "tscns/crypto/rsa_padding.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::crypto;
using namespace tscns::test;

namespace {

constexpr std::array kAllAlgs { HashAlg::Sha1, HashAlg::Sha224, HashAlg::Sha256, HashAlg::Sha384,
    HashAlg::Sha512 };

std::string algName(HashAlg alg)
{
    switch (alg) {
    case HashAlg::Sha1:
        return "SHA-1";
    case HashAlg::Sha224:
        return "SHA-224";
    case HashAlg::Sha256:
        return "SHA-256";
    case HashAlg::Sha384:
        return "SHA-384";
    case HashAlg::Sha512:
        return "SHA-512";
    }
    return "?";
}

Bytes pattern(std::size_t n, std::uint8_t seed = 0x11)
{
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 8));
    return out;
}

void hash_abc_matchesFips180(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        // FIPS 180-4 example "abc" (NIST CSRC examples SHA1.pdf, SHA224.pdf, …).
        const std::pair<HashAlg, const char*> vectors[] = {
            { HashAlg::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
            { HashAlg::Sha224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7" },
            { HashAlg::Sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
            { HashAlg::Sha384,
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                "8086072ba1e7cc2358baeca134c825a7" },
            { HashAlg::Sha512,
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
        };
        for (const auto& [alg, expected] : vectors)
            c.hex(hash(alg, asBytes("abc")), expected, algName(alg) + "(\"abc\")");
        // SHA-256 of the empty string, and of the 448-bit FIPS 180 message.
        c.hex(hash(HashAlg::Sha256, {}),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "SHA-256(\"\")");
        c.hex(hash(HashAlg::Sha256,
                  asBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            "SHA-256(448 bits)");
    });
}

void hashLength_perAlgorithm_matchesDigestSize(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        c.eq(hashLength(HashAlg::Sha1), 20, "SHA-1");
        c.eq(hashLength(HashAlg::Sha224), 28, "SHA-224");
        c.eq(hashLength(HashAlg::Sha256), 32, "SHA-256");
        c.eq(hashLength(HashAlg::Sha384), 48, "SHA-384");
        c.eq(hashLength(HashAlg::Sha512), 64, "SHA-512");
        for (const HashAlg alg : kAllAlgs)
            c.eq(hash(alg, asBytes("x")).size(), hashLength(alg), algName(alg) + " output size");
    });
}

void hasher_incremental_equalsOneShot(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes data = pattern(1000);
        const ByteView all(data);
        for (const HashAlg alg : kAllAlgs) {
            const Bytes expected = hash(alg, data);
            for (const std::size_t cut :
                { std::size_t { 0 }, std::size_t { 1 }, std::size_t { 63 }, std::size_t { 64 },
                    std::size_t { 129 }, std::size_t { 999 }, std::size_t { 1000 } }) {
                Hasher h(alg);
                c.eq(h.alg(), alg, "alg()");
                h.update(all.first(cut));
                h.update({});
                h.update(all.subspan(cut));
                c.bytes(h.finish(), expected, algName(alg) + " split at " + std::to_string(cut));
            }
            Hasher bytewise(alg);
            for (const std::uint8_t b : data)
                bytewise.update(ByteView(&b, 1));
            c.bytes(bytewise.finish(), expected, algName(alg) + " byte by byte");
            Hasher empty(alg);
            c.bytes(empty.finish(), hash(alg, {}), algName(alg) + " of nothing");
        }
    });
}

void hasher_afterFinishOrMove_refusesUse(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        Hasher h(HashAlg::Sha256);
        h.update(asBytes("ab"));
        Hasher moved(std::move(h));
        moved.update(asBytes("c"));
        c.bytes(moved.finish(), hash(HashAlg::Sha256, asBytes("abc")), "state survives the move");
        c.throws(
            Errc::BadArgument, [&] { moved.update(asBytes("d")); }, "update after finish");
        c.throws(
            Errc::BadArgument, [&] { (void)moved.finish(); }, "finish twice");
        // NOLINTNEXTLINE(bugprone-use-after-move): the moved-from state is what is tested.
        c.throws(
            Errc::BadArgument, [&] { h.update(asBytes("d")); }, "update when moved from");
        Hasher assigned(HashAlg::Sha1);
        assigned = Hasher(HashAlg::Sha512);
        assigned.update(asBytes("abc"));
        c.eq(assigned.alg(), HashAlg::Sha512, "assigned alg");
        c.bytes(assigned.finish(), hash(HashAlg::Sha512, asBytes("abc")), "move-assigned");
    });
}

void digestInfo_sha256_hasRfc8017Prefix(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes digest = hash(HashAlg::Sha256, asBytes("abc"));
        const Bytes di = digestInfo(HashAlg::Sha256, digest);
        Bytes expected = fromHex("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
        expected.insert(expected.end(), digest.begin(), digest.end());
        c.bytes(di, expected, "DigestInfo(SHA-256)");
        c.eq(di.size(), 51, "size");
    });
}

/// NID of the algorithm in a DER DigestInfo, its parameter type, and the digest; parsed by
/// OpenSSL's X509_SIG (a DigestInfo is its ASN.1 type). Re-encodes to check DER canonicity.
struct ParsedDigestInfo {
    int nid = NID_undef;
    int paramType = -1;
    Bytes digest;
    bool canonical = false;
};

ParsedDigestInfo parseDigestInfo(ByteView der)
{
    ParsedDigestInfo out;
    const unsigned char* p = der.data();
    X509_SIG* sig = d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size()));
    if (sig == nullptr) return out;
    const X509_ALGOR* algor = nullptr;
    const ASN1_OCTET_STRING* digest = nullptr;
    X509_SIG_get0(sig, &algor, &digest);
    const ASN1_OBJECT* obj = nullptr;
    int ptype = -1;
    const void* pval = nullptr;
    X509_ALGOR_get0(&obj, &ptype, &pval, algor);
    out.nid = OBJ_obj2nid(obj);
    out.paramType = ptype;
    const unsigned char* d = ASN1_STRING_get0_data(digest);
    out.digest.assign(d, d + ASN1_STRING_length(digest));
    unsigned char* again = nullptr;
    const int len = i2d_X509_SIG(sig, &again);
    out.canonical = p == der.data() + der.size() && len >= 0
        && Bytes(again, again + len) == Bytes(der.begin(), der.end());
    OPENSSL_free(again);
    X509_SIG_free(sig);
    return out;
}

void digestInfo_everyAlg_parsesWithOpenSsl(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const std::pair<HashAlg, int> nids[] = { { HashAlg::Sha1, NID_sha1 },
            { HashAlg::Sha224, NID_sha224 }, { HashAlg::Sha256, NID_sha256 },
            { HashAlg::Sha384, NID_sha384 }, { HashAlg::Sha512, NID_sha512 } };
        for (const auto& [alg, nid] : nids) {
            const Bytes digest = hash(alg, asBytes("digest info"));
            const ParsedDigestInfo parsed = parseDigestInfo(digestInfo(alg, digest));
            c.eq(parsed.nid, nid, algName(alg) + " algorithm OID");
            c.eq(parsed.paramType, V_ASN1_NULL, algName(alg) + " NULL parameters");
            c.bytes(parsed.digest, digest, algName(alg) + " digest");
            c.that(parsed.canonical, algName(alg) + ": not exactly one canonical DER DigestInfo");
        }
    });
}

void digestInfo_wrongDigestLength_refused(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        c.throws(
            Errc::BadArgument, [] { (void)digestInfo(HashAlg::Sha256, Bytes(31)); }, "31",
            "SHA-256 digest must be 32 bytes");
        c.throws(
            Errc::BadArgument, [] { (void)digestInfo(HashAlg::Sha256, Bytes(33)); }, "33");
        c.throws(
            Errc::BadArgument, [] { (void)digestInfo(HashAlg::Sha1, Bytes(32)); }, "SHA-1");
        c.throws(
            Errc::BadArgument, [] { (void)digestInfo(HashAlg::Sha512, {}); }, "empty");
    });
}

void pkcs1Type1Pad_layout_is00_01_FF_00_T(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes t = digestInfo(HashAlg::Sha256, hash(HashAlg::Sha256, asBytes("abc")));
        for (const std::size_t k :
            { std::size_t { 128 }, std::size_t { 129 }, std::size_t { 256 } }) {
            const Bytes block = pkcs1Type1Pad(t, k);
            const std::string at = std::to_string(k) + " bytes";
            c.eq(block.size(), k, at + ": size");
            if (block.size() != k) continue;
            c.eq(block[0], 0x00, at + ": byte 0");
            c.eq(block[1], 0x01, at + ": block type");
            const std::size_t sep = k - t.size() - 1;
            bool allFf = true;
            for (std::size_t i = 2; i < sep; ++i)
                allFf = allFf && block[i] == 0xFF;
            c.that(allFf, at + ": padding string is not all FF");
            c.eq(block[sep], 0x00, at + ": separator");
            c.bytes(ByteView(block).subspan(sep + 1), t, at + ": T at the end");
        }
        // The longest T leaves exactly 8 bytes FF.
        const Bytes longest = pattern(128 - 11);
        Bytes expected = fromHex("00 01 FF FF FF FF FF FF FF FF 00");
        expected.insert(expected.end(), longest.begin(), longest.end());
        c.bytes(pkcs1Type1Pad(longest, 128), expected, "longest T");
    });
}

void pkcs1Type1Pad_tooLong_refused(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        c.throws(
            Errc::BadArgument, [] { (void)pkcs1Type1Pad(Bytes(128 - 10), 128); }, "modulus - 10",
            "at most modulus - 11");
        c.throws(
            Errc::BadArgument, [] { (void)pkcs1Type1Pad(Bytes(128), 128); }, "modulus");
        c.throws(
            Errc::BadArgument, [] { (void)pkcs1Type1Pad({}, 10); }, "tiny modulus");
        c.throws(
            Errc::BadArgument, [] { (void)pkcs1Type1Pad(Bytes(1), 4096); }, "huge modulus");
        c.noThrow([] { (void)pkcs1Type1Pad({}, 11); }, "empty T in 11 bytes");
    });
}

void pssEncode_sizes_followEmBits(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes digest = hash(HashAlg::Sha256, asBytes("pss"));
        // RFC 8017 §9.1.1: emBits = modBits - 1; the block handed to RSASP1 has the modulus
        // length; EM ends with BC and its leftmost 8*emLen - emBits bits are zero.
        struct Case {
            std::size_t bits;
            std::size_t size;
            std::uint8_t firstMask; // bits of the first byte that must be zero
        };
        for (const Case k : { Case { 1024, 128, 0x80 }, Case { 1025, 129, 0xFF },
                 Case { 1023, 128, 0xC0 }, Case { 2048, 256, 0x80 }, Case { 2047, 256, 0xC0 } }) {
            const Bytes block = pssEncode(digest, HashAlg::Sha256, HashAlg::Sha256, 32, k.bits);
            const std::string at = std::to_string(k.bits) + " bits";
            c.eq(block.size(), k.size, at + ": size");
            if (block.size() != k.size) continue;
            c.eq(block.back(), 0xBC, at + ": trailer");
            c.eq(block[0] & k.firstMask, 0, at + ": high bits of the first byte");
        }
    });
}

void pssEncode_salt_isRandom(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes digest = hash(HashAlg::Sha256, asBytes("pss"));
        c.that(pssEncode(digest, HashAlg::Sha256, HashAlg::Sha256, 32, 2048)
                != pssEncode(digest, HashAlg::Sha256, HashAlg::Sha256, 32, 2048),
            "two encodings with a 32-byte salt are equal");
        c.bytes(pssEncode(digest, HashAlg::Sha256, HashAlg::Sha256, 0, 2048),
            pssEncode(digest, HashAlg::Sha256, HashAlg::Sha256, 0, 2048),
            "without salt the encoding is deterministic");
    });
}

void pssEncode_badArguments_refused(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes d256 = hash(HashAlg::Sha256, asBytes("pss"));
        const Bytes d512 = hash(HashAlg::Sha512, asBytes("pss"));
        c.throws(
            Errc::BadArgument,
            [&] { (void)pssEncode(d256, HashAlg::Sha512, HashAlg::Sha512, 0, 2048); },
            "digest length", "SHA-512 digest must be 64 bytes");
        // 1024 bits: emLen 128; SHA-256 allows 128 - 32 - 2 = 94, SHA-512 128 - 64 - 2 = 62.
        c.throws(
            Errc::BadArgument,
            [&] { (void)pssEncode(d256, HashAlg::Sha256, HashAlg::Sha256, 95, 1024); },
            "SHA-256 salt 95", "at most 94");
        c.noThrow([&] { (void)pssEncode(d256, HashAlg::Sha256, HashAlg::Sha256, 94, 1024); },
            "SHA-256 salt 94");
        c.throws(
            Errc::BadArgument,
            [&] { (void)pssEncode(d512, HashAlg::Sha512, HashAlg::Sha256, 63, 1024); },
            "SHA-512 salt 63", "at most 62");
        c.noThrow([&] { (void)pssEncode(d512, HashAlg::Sha512, HashAlg::Sha256, 62, 1024); },
            "SHA-512 salt 62");
        // 1025 bits: emLen is still 128.
        c.throws(
            Errc::BadArgument,
            [&] { (void)pssEncode(d256, HashAlg::Sha256, HashAlg::Sha256, 95, 1025); },
            "1025 bits salt 95");
        c.throws(
            Errc::BadArgument,
            [&] { (void)pssEncode(d512, HashAlg::Sha512, HashAlg::Sha512, 0, 512); },
            "SHA-512 does not fit a 512-bit key");
        c.throws(
            Errc::BadArgument,
            [&] { (void)pssEncode(d256, HashAlg::Sha256, HashAlg::Sha256, 0, 0); }, "0 bits");
        c.throws(
            Errc::BadArgument,
            [&] { (void)pssEncode(d256, HashAlg::Sha256, HashAlg::Sha256, 0, 16385); },
            "16385 bits");
    });
}

/// 00 02 PS 00 M with a nonzero PS of psLen bytes, in a block of psLen + 3 + m.size() bytes.
Bytes type2Block(std::size_t psLen, ByteView m)
{
    Bytes b { 0x00, 0x02 };
    for (std::size_t i = 0; i < psLen; ++i)
        b.push_back(static_cast<std::uint8_t>(1 + (i * 37) % 255));
    b.push_back(0x00);
    b.insert(b.end(), m.begin(), m.end());
    return b;
}

void pkcs1Type2Unpad_handBuiltBlocks(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes m = pattern(20);
        c.eq(pkcs1Type2Unpad(type2Block(105, m)), std::optional<Bytes>(m), "valid block");
        c.eq(pkcs1Type2Unpad(type2Block(8, m)), std::optional<Bytes>(m), "8-byte PS");
        c.eq(pkcs1Type2Unpad(type2Block(125, {})), std::optional<Bytes>(Bytes {}), "empty message");
        c.eq(pkcs1Type2Unpad(type2Block(7, m)), std::optional<Bytes>(), "7-byte PS");
        Bytes wrongType = type2Block(105, m);
        wrongType[1] = 0x01;
        c.eq(pkcs1Type2Unpad(wrongType), std::optional<Bytes>(), "block type 01");
        Bytes leading = type2Block(105, m);
        leading[0] = 0x01;
        c.eq(pkcs1Type2Unpad(leading), std::optional<Bytes>(), "first byte 01");
        Bytes noSeparator = type2Block(105, m);
        noSeparator[107] = 0x5A;
        for (std::size_t i = 108; i < noSeparator.size(); ++i)
            if (noSeparator[i] == 0) noSeparator[i] = 0x5A;
        c.eq(pkcs1Type2Unpad(noSeparator), std::optional<Bytes>(), "no separator");
        c.eq(pkcs1Type2Unpad(Bytes { 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8 }), std::optional<Bytes>(),
            "10-byte block");
        c.eq(pkcs1Type2Unpad({}), std::optional<Bytes>(), "empty block");
    });
}

} // namespace

int runHashPaddingTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_abc_matchesFips180),
        cmocka_unit_test(hashLength_perAlgorithm_matchesDigestSize),
        cmocka_unit_test(hasher_incremental_equalsOneShot),
        cmocka_unit_test(hasher_afterFinishOrMove_refusesUse),
        cmocka_unit_test(digestInfo_sha256_hasRfc8017Prefix),
        cmocka_unit_test(digestInfo_everyAlg_parsesWithOpenSsl),
        cmocka_unit_test(digestInfo_wrongDigestLength_refused),
        cmocka_unit_test(pkcs1Type1Pad_layout_is00_01_FF_00_T),
        cmocka_unit_test(pkcs1Type1Pad_tooLong_refused),
        cmocka_unit_test(pssEncode_sizes_followEmBits),
        cmocka_unit_test(pssEncode_salt_isRandom),
        cmocka_unit_test(pssEncode_badArguments_refused),
        cmocka_unit_test(pkcs1Type2Unpad_handBuiltBlocks),
    };
    return cmocka_run_group_tests_name("hash_padding", tests, nullptr, nullptr);
}
