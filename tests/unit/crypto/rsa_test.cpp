// SPDX-License-Identifier: LGPL-2.1-or-later
// The encodings with real keys: each test key (1024, 1025 and 2048 bits, generated in the group
// setup with a self-signed certificate) plays the card's raw private-key operation, and the result
// is checked both by tscns::crypto and by plain OpenSSL (EVP_DigestVerify, EVP_PKEY_verify).
#include "groups.hpp"

#include "tscns/crypto/rsa_padding.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>
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

struct TestKey {
    EVP_PKEY* pkey = nullptr;
    Bytes cert; ///< DER, self-signed
    std::size_t bits = 0;
    std::size_t bytes = 0;

    TestKey() = default;
    TestKey(const TestKey&) = delete;
    TestKey& operator=(const TestKey&) = delete;
    ~TestKey() { EVP_PKEY_free(pkey); }
};

/// Group state, built in the group setup and freed in its teardown (docs/development.md §6).
struct Keys {
    TestKey rsa1024;
    TestKey rsa1025; ///< modulus bits % 8 == 1: the PSS block starts with an extra 00
    TestKey rsa2048;
    TestKey ec; ///< a certificate that is not RSA
};

Keys* keysOf(void** state)
{
    return static_cast<Keys*>(*state);
}

/// Self-signed certificate for pkey (SHA-256), DER; empty on failure.
Bytes selfSigned(EVP_PKEY* pkey)
{
    Bytes der;
    X509* x = X509_new();
    X509_NAME* name = X509_NAME_new();
    if (x != nullptr && name != nullptr && X509_set_version(x, X509_VERSION_3) == 1
        && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1
        && X509_gmtime_adj(X509_getm_notBefore(x), 0) != nullptr
        && X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24) != nullptr
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
               reinterpret_cast<const unsigned char*>("tscns crypto test"), -1, -1, 0)
            == 1
        && X509_set_subject_name(x, name) == 1 && X509_set_issuer_name(x, name) == 1
        && X509_set_pubkey(x, pkey) == 1 && X509_sign(x, pkey, EVP_sha256()) > 0) {
        unsigned char* out = nullptr;
        const int len = i2d_X509(x, &out);
        if (len > 0) der.assign(out, out + len);
        OPENSSL_free(out);
    }
    X509_NAME_free(name);
    X509_free(x);
    return der;
}

bool makeKey(TestKey& key, std::size_t bits)
{
    key.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
    if (key.pkey == nullptr || static_cast<std::size_t>(EVP_PKEY_get_bits(key.pkey)) != bits)
        return false;
    key.bits = bits;
    key.bytes = (bits + 7) / 8;
    key.cert = selfSigned(key.pkey);
    return !key.cert.empty();
}

int keysSetup(void** state)
{
    auto* keys = new Keys;
    *state = keys;
    keys->ec.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (keys->ec.pkey != nullptr) keys->ec.cert = selfSigned(keys->ec.pkey);
    const bool ok = makeKey(keys->rsa1024, 1024) && makeKey(keys->rsa1025, 1025)
        && makeKey(keys->rsa2048, 2048) && !keys->ec.cert.empty();
    return ok ? 0 : -1;
}

int keysTeardown(void** state)
{
    delete keysOf(state);
    return 0;
}

const EVP_MD* mdOf(HashAlg alg)
{
    switch (alg) {
    case HashAlg::Sha1:
        return EVP_sha1();
    case HashAlg::Sha224:
        return EVP_sha224();
    case HashAlg::Sha256:
        return EVP_sha256();
    case HashAlg::Sha384:
        return EVP_sha384();
    case HashAlg::Sha512:
        return EVP_sha512();
    }
    return nullptr;
}

std::string algName(HashAlg alg)
{
    return EVP_MD_get0_name(mdOf(alg));
}

/// The card's operation: block^d mod n (RSA_NO_PADDING private decryption). Empty on failure.
Bytes rawPrivate(const TestKey& key, ByteView block)
{
    Bytes out(key.bytes);
    std::size_t outLen = out.size();
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.pkey, nullptr);
    const bool ok = ctx != nullptr && EVP_PKEY_decrypt_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1
        && EVP_PKEY_decrypt(ctx, out.data(), &outLen, block.data(), block.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) return {};
    out.resize(outLen);
    return out;
}

/// RSAES-PKCS1-v1_5 encryption with the public key by OpenSSL. Empty on failure.
Bytes encryptPkcs1(const TestKey& key, ByteView message)
{
    Bytes out(key.bytes);
    std::size_t outLen = out.size();
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.pkey, nullptr);
    const bool ok = ctx != nullptr && EVP_PKEY_encrypt_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_encrypt(ctx, out.data(), &outLen, message.data(), message.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) return {};
    out.resize(outLen);
    return out;
}

/// Plain OpenSSL: sha*WithRSAEncryption over the message.
bool opensslVerifyPkcs1(const TestKey& key, HashAlg alg, ByteView message, ByteView signature)
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = ctx != nullptr
        && EVP_DigestVerifyInit(ctx, nullptr, mdOf(alg), nullptr, key.pkey) == 1
        && EVP_DigestVerify(ctx, signature.data(), signature.size(), message.data(), message.size())
            == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/// Plain OpenSSL: RSASSA-PSS over a digest, salt length exactly saltLen.
bool opensslVerifyPss(const TestKey& key, HashAlg alg, HashAlg mgf, std::size_t saltLen,
    ByteView digest, ByteView signature)
{
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.pkey, nullptr);
    const bool ok = ctx != nullptr && EVP_PKEY_verify_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
        && EVP_PKEY_CTX_set_signature_md(ctx, mdOf(alg)) == 1
        && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mdOf(mgf)) == 1
        && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, static_cast<int>(saltLen)) == 1
        && EVP_PKEY_verify(ctx, signature.data(), signature.size(), digest.data(), digest.size())
            == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

/// What the module does for CKM_SHA*_RSA_PKCS: hash, DigestInfo, type 1 block, card.
Bytes signPkcs1(const TestKey& key, HashAlg alg, ByteView message)
{
    return rawPrivate(key, pkcs1Type1Pad(digestInfo(alg, hash(alg, message)), key.bytes));
}

/// What the module does for CKM_SHA*_RSA_PKCS_PSS: hash, EMSA-PSS, card.
Bytes signPss(const TestKey& key, HashAlg alg, HashAlg mgf, std::size_t saltLen, ByteView message)
{
    return rawPrivate(key, pssEncode(hash(alg, message), alg, mgf, saltLen, key.bits));
}

std::size_t maxSalt(const TestKey& key, HashAlg alg)
{
    return (key.bits - 1 + 7) / 8 - hashLength(alg) - 2;
}

std::string keyName(const TestKey& key)
{
    return std::to_string(key.bits) + "-bit";
}

void pkcs1_rawPrivateOfPaddedDigestInfo_verifies(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const ByteView message = asBytes("firma digitale con la TS-CNS");
        for (const TestKey* key : { &keys->rsa1024, &keys->rsa1025, &keys->rsa2048 }) {
            for (const HashAlg alg : kAllAlgs) {
                const std::string at = keyName(*key) + " " + algName(alg);
                const Bytes sig = signPkcs1(*key, alg, message);
                c.eq(sig.size(), key->bytes, at + ": signature size");
                c.that(verifyPkcs1(key->cert, alg, message, sig), at + ": verifyPkcs1 refused");
                c.that(verifyPkcs1Digest(key->cert, alg, hash(alg, message), sig),
                    at + ": verifyPkcs1Digest refused");
                c.that(
                    opensslVerifyPkcs1(*key, alg, message, sig), at + ": EVP_DigestVerify refused");
            }
        }
    });
}

void pkcs1_tampered_failsVerification(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const TestKey& key = keys->rsa2048;
        const ByteView message = asBytes("abc");
        const Bytes sig = signPkcs1(key, HashAlg::Sha256, message);
        c.that(verifyPkcs1(key.cert, HashAlg::Sha256, message, sig), "control: good signature");
        Bytes flipped = sig;
        flipped[100] ^= 0x01;
        c.that(!verifyPkcs1(key.cert, HashAlg::Sha256, message, flipped), "flipped bit accepted");
        c.that(!opensslVerifyPkcs1(key, HashAlg::Sha256, message, flipped),
            "OpenSSL accepted a flipped bit");
        c.that(!verifyPkcs1(key.cert, HashAlg::Sha256, asBytes("abd"), sig), "other message");
        c.that(!verifyPkcs1(key.cert, HashAlg::Sha384, message, sig), "other hash");
        c.that(!verifyPkcs1(keys->rsa1024.cert, HashAlg::Sha256, message, sig), "other key");
        c.that(!verifyPkcs1(key.cert, HashAlg::Sha256, message, ByteView(sig).first(255)),
            "truncated signature accepted");
        c.that(!verifyPkcs1(key.cert, HashAlg::Sha256, message, {}), "empty signature accepted");
        // A PSS signature is not a PKCS#1 v1.5 one.
        const Bytes pss = signPss(key, HashAlg::Sha256, HashAlg::Sha256, 32, message);
        c.that(!verifyPkcs1(key.cert, HashAlg::Sha256, message, pss), "PSS accepted as v1.5");
    });
}

void pss_sha256Salt32_verifies(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const ByteView message = asBytes("firma digitale con la TS-CNS");
        const Bytes digest = hash(HashAlg::Sha256, message);
        for (const TestKey* key : { &keys->rsa1024, &keys->rsa1025, &keys->rsa2048 }) {
            const std::string at = keyName(*key);
            const Bytes sig = signPss(*key, HashAlg::Sha256, HashAlg::Sha256, 32, message);
            c.eq(sig.size(), key->bytes, at + ": signature size");
            c.that(verifyPss(key->cert, HashAlg::Sha256, HashAlg::Sha256, 32, message, sig),
                at + ": verifyPss refused");
            c.that(verifyPssDigest(key->cert, HashAlg::Sha256, HashAlg::Sha256, 32, digest, sig),
                at + ": verifyPssDigest refused");
            c.that(opensslVerifyPss(*key, HashAlg::Sha256, HashAlg::Sha256, 32, digest, sig),
                at + ": EVP_PKEY_verify (PSS, salt 32, MGF1-SHA-256) refused");
        }
    });
}

void pss_everyHashAndSaltLength_verifies(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const ByteView message = asBytes("salt lengths");
        for (const TestKey* key : { &keys->rsa1024, &keys->rsa1025, &keys->rsa2048 }) {
            for (const HashAlg alg : kAllAlgs) {
                const Bytes digest = hash(alg, message);
                for (const std::size_t salt :
                    { std::size_t { 0 }, hashLength(alg), maxSalt(*key, alg) }) {
                    if (salt > maxSalt(*key, alg)) continue; // SHA-512 with hLen salt on 1024 bits
                    const std::string at
                        = keyName(*key) + " " + algName(alg) + " salt " + std::to_string(salt);
                    const Bytes sig = signPss(*key, alg, alg, salt, message);
                    c.that(verifyPss(key->cert, alg, alg, salt, message, sig),
                        at + ": verifyPss refused");
                    c.that(opensslVerifyPss(*key, alg, alg, salt, digest, sig),
                        at + ": OpenSSL refused");
                }
            }
        }
        // MGF1 with another hash than the message's.
        const TestKey& key = keys->rsa2048;
        const Bytes d256 = hash(HashAlg::Sha256, message);
        const Bytes sig = signPss(key, HashAlg::Sha256, HashAlg::Sha1, 20, message);
        c.that(verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha1, 20, message, sig),
            "SHA-256/MGF1-SHA-1: verifyPss refused");
        c.that(opensslVerifyPss(key, HashAlg::Sha256, HashAlg::Sha1, 20, d256, sig),
            "SHA-256/MGF1-SHA-1: OpenSSL refused");
        c.that(!opensslVerifyPss(key, HashAlg::Sha256, HashAlg::Sha256, 20, d256, sig),
            "SHA-256/MGF1-SHA-1 accepted as MGF1-SHA-256");
    });
}

void pss_saltTooLongForKey_refused(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const TestKey* key : { &keys->rsa1024, &keys->rsa1025, &keys->rsa2048 }) {
            for (const HashAlg alg : kAllAlgs) {
                const Bytes digest = hash(alg, asBytes("x"));
                const std::size_t max = maxSalt(*key, alg);
                c.throws(
                    Errc::BadArgument,
                    [&] { (void)pssEncode(digest, alg, alg, max + 1, key->bits); },
                    keyName(*key) + " " + algName(alg) + " salt max + 1", "too long");
                c.noThrow([&] { (void)pssEncode(digest, alg, alg, max, key->bits); },
                    keyName(*key) + " " + algName(alg) + " salt max");
            }
        }
    });
}

void pss_tampered_failsVerification(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const TestKey& key = keys->rsa2048;
        const ByteView message = asBytes("abc");
        const Bytes digest = hash(HashAlg::Sha256, message);
        const Bytes sig = signPss(key, HashAlg::Sha256, HashAlg::Sha256, 32, message);
        c.that(verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha256, 32, message, sig),
            "control: good signature");
        Bytes flipped = sig;
        flipped[7] ^= 0x80;
        c.that(!verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha256, 32, message, flipped),
            "flipped bit accepted");
        c.that(!opensslVerifyPss(key, HashAlg::Sha256, HashAlg::Sha256, 32, digest, flipped),
            "OpenSSL accepted a flipped bit");
        c.that(!verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha256, 32, asBytes("abd"), sig),
            "other message");
        c.that(!verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha256, 31, message, sig),
            "other salt length");
        c.that(!verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha1, 32, message, sig),
            "other MGF1 hash");
        c.that(!verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha256, 32, message,
                   ByteView(sig).first(255)),
            "truncated signature accepted");
        const Bytes v15 = signPkcs1(key, HashAlg::Sha256, message);
        c.that(!verifyPss(key.cert, HashAlg::Sha256, HashAlg::Sha256, 32, message, v15),
            "v1.5 accepted as PSS");
    });
}

void pkcs1Type2Unpad_recoversEncryptedMessage(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const TestKey* key : { &keys->rsa1024, &keys->rsa1025, &keys->rsa2048 }) {
            for (const std::size_t len :
                { std::size_t { 0 }, std::size_t { 1 }, std::size_t { 32 }, key->bytes - 11 }) {
                const std::string at = keyName(*key) + " message of " + std::to_string(len);
                Bytes message(len);
                for (std::size_t i = 0; i < len; ++i)
                    message[i] = static_cast<std::uint8_t>(i * 13 + 5);
                const Bytes cipher = encryptPkcs1(*key, message);
                c.eq(cipher.size(), key->bytes, at + ": ciphertext size");
                const Bytes block = rawPrivate(*key, cipher);
                c.eq(block.size(), key->bytes, at + ": raw block size");
                c.eq(pkcs1Type2Unpad(block), std::optional<Bytes>(message), at);
            }
        }
    });
}

void pkcs1Type2Unpad_corruptedBlock_returnsNullopt(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const TestKey& key = keys->rsa2048;
        const Bytes message = fromHex("00 11 22 33 44 55 66 77 88 99");
        const Bytes block = rawPrivate(key, encryptPkcs1(key, message));
        c.eq(pkcs1Type2Unpad(block), std::optional<Bytes>(message), "control: intact block");
        if (block.size() != key.bytes) return;
        Bytes wrongType = block;
        wrongType[1] = 0x01;
        c.eq(pkcs1Type2Unpad(wrongType), std::optional<Bytes>(), "block type 01");
        Bytes leading = block;
        leading[0] = 0x02;
        c.eq(pkcs1Type2Unpad(leading), std::optional<Bytes>(), "nonzero first byte");
        Bytes noSeparator = block;
        for (std::size_t i = 2; i < noSeparator.size(); ++i)
            if (noSeparator[i] == 0) noSeparator[i] = 0xA5;
        c.eq(pkcs1Type2Unpad(noSeparator), std::optional<Bytes>(), "no 00 separator");
        Bytes shortPs = block;
        shortPs[5] = 0x00; // separator after 3 bytes of PS
        c.eq(pkcs1Type2Unpad(shortPs), std::optional<Bytes>(), "padding string under 8 bytes");
    });
}

void rsaPublicRaw_ofRawPrivate_isIdentity(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const TestKey* key : { &keys->rsa1024, &keys->rsa1025, &keys->rsa2048 }) {
            Bytes x(key->bytes);
            for (std::size_t i = 1; i < x.size(); ++i)
                x[i] = static_cast<std::uint8_t>(0xC3 ^ (i * 29));
            const Bytes y = rawPrivate(*key, x);
            c.eq(y.size(), key->bytes, keyName(*key) + ": raw private size");
            c.that(y != x, keyName(*key) + ": raw private is the identity?");
            c.bytes(rsaPublicRaw(key->cert, y), x, keyName(*key) + ": (x^d)^e");
            Bytes one(key->bytes);
            one.back() = 1;
            c.bytes(rsaPublicRaw(key->cert, one), one, keyName(*key) + ": 1^e");
        }
    });
}

void rsaPublicRaw_badBlock_refused(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const TestKey& key = keys->rsa2048;
        c.throws(
            Errc::BadArgument, [&] { (void)rsaPublicRaw(key.cert, Bytes(255)); },
            "block shorter than the modulus", "modulus of 256 bytes");
        c.throws(
            Errc::BadArgument, [&] { (void)rsaPublicRaw(key.cert, Bytes(257)); },
            "block longer than the modulus");
        c.throws(
            Errc::BadArgument, [&] { (void)rsaPublicRaw(key.cert, Bytes(256, 0xFF)); },
            "block above the modulus");
    });
}

void certificate_notRsaOrNotDer_refused(void** state)
{
    const Keys* keys = keysOf(state);
    TSCNS_CHECK([&](Checker& c) {
        const Bytes sig(256);
        const Bytes digest(32);
        const Bytes garbage = fromHex("30 03 02 01 01");
        Bytes trailing = keys->rsa2048.cert;
        trailing.push_back(0x00);
        // No structured binding: clang before 16 cannot capture one in a lambda.
        for (const auto& entry : { std::pair<const Bytes*, std::string> { &garbage, "garbage" },
                 { &trailing, "trailing byte" }, { &keys->ec.cert, "EC certificate" } }) {
            const Bytes* cert = entry.first;
            const std::string& what = entry.second;
            c.throws(
                Errc::BadArgument, [&] { (void)rsaPublicRaw(*cert, sig); },
                what + ": rsaPublicRaw");
            c.throws(
                Errc::BadArgument,
                [&] { (void)verifyPkcs1(*cert, HashAlg::Sha256, asBytes("m"), sig); },
                what + ": verifyPkcs1");
            c.throws(
                Errc::BadArgument,
                [&] {
                    (void)verifyPss(*cert, HashAlg::Sha256, HashAlg::Sha256, 32, asBytes("m"), sig);
                },
                what + ": verifyPss");
        }
        c.throws(
            Errc::BadArgument, [&] { (void)rsaPublicRaw(keys->ec.cert, sig); },
            "EC certificate message", "not an RSA key");
        c.throws(
            Errc::BadArgument,
            [&] { (void)verifyPkcs1Digest(keys->rsa2048.cert, HashAlg::Sha256, Bytes(20), sig); },
            "verifyPkcs1Digest: digest length");
        c.throws(
            Errc::BadArgument,
            [&] {
                (void)verifyPssDigest(
                    keys->rsa2048.cert, HashAlg::Sha1, HashAlg::Sha1, 20, digest, sig);
            },
            "verifyPssDigest: digest length");
    });
}

} // namespace

int runRsaTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pkcs1_rawPrivateOfPaddedDigestInfo_verifies),
        cmocka_unit_test(pkcs1_tampered_failsVerification),
        cmocka_unit_test(pss_sha256Salt32_verifies),
        cmocka_unit_test(pss_everyHashAndSaltLength_verifies),
        cmocka_unit_test(pss_saltTooLongForKey_refused),
        cmocka_unit_test(pss_tampered_failsVerification),
        cmocka_unit_test(pkcs1Type2Unpad_recoversEncryptedMessage),
        cmocka_unit_test(pkcs1Type2Unpad_corruptedBlock_returnsNullopt),
        cmocka_unit_test(rsaPublicRaw_ofRawPrivate_isIdentity),
        cmocka_unit_test(rsaPublicRaw_badBlock_refused),
        cmocka_unit_test(certificate_notRsaOrNotDer_refused),
    };
    return cmocka_run_group_tests_name("rsa", tests, keysSetup, keysTeardown);
}
