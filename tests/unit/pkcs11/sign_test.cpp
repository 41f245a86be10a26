// SPDX-License-Identifier: LGPL-2.1-or-later
// Signatures and decryption: every mechanism checked with the certificate's public key
// (crypto::verifyPkcs1 / verifyPss / rsaPublicRaw), multi-part = single-part, PSS parameter
// errors, size queries that neither consume the operation nor reach the card, login checks
// before any APDU, key and mechanism checks, RSA decryption with PKCS#1 and raw.
#include "groups.hpp"

#include "fixture.hpp"

#include "tscns/crypto/rsa_padding.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

using namespace tscns;
using namespace tscns::pkcs11;
using namespace tscns::pkcs11::test;
using tscns::crypto::HashAlg;
using tscns::test::Checker;

namespace {

const Bytes kMessage = [] {
    Bytes b(1000);
    for (std::size_t i = 0; i < b.size(); ++i)
        b[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return b;
}();

struct Session {
    CK_SESSION_HANDLE handle;
    CK_OBJECT_HANDLE key;
};

Session loggedIn(Module& m)
{
    const CK_SESSION_HANDLE s = open(m, 0);
    loginUser(m, s);
    return { s, privateKey(m, s) };
}

/// One complete C_SignInit + C_Sign (a buffer of the modulus size).
Bytes signOnce(Module& m, const Session& s, CK_MECHANISM mech, ByteView data)
{
    m.signInit(s.handle, mech, s.key);
    Bytes sig(512);
    CK_ULONG len = sig.size();
    const CK_RV rv = m.sign(s.handle, data, sig.data(), &len);
    if (rv != CKR_OK) throw CkError(rv);
    sig.resize(len);
    return sig;
}

CK_MECHANISM_TYPE ckmOf(HashAlg h)
{
    switch (h) {
    case HashAlg::Sha1:
        return CKM_SHA_1;
    case HashAlg::Sha224:
        return CKM_SHA224;
    case HashAlg::Sha256:
        return CKM_SHA256;
    case HashAlg::Sha384:
        return CKM_SHA384;
    case HashAlg::Sha512:
        return CKM_SHA512;
    }
    return CKM_SHA256;
}

CK_RSA_PKCS_MGF_TYPE mgfOf(HashAlg h)
{
    switch (h) {
    case HashAlg::Sha1:
        return CKG_MGF1_SHA1;
    case HashAlg::Sha224:
        return CKG_MGF1_SHA224;
    case HashAlg::Sha256:
        return CKG_MGF1_SHA256;
    case HashAlg::Sha384:
        return CKG_MGF1_SHA384;
    case HashAlg::Sha512:
        return CKG_MGF1_SHA512;
    }
    return CKG_MGF1_SHA256;
}

constexpr HashAlg kHashes[]
    = { HashAlg::Sha1, HashAlg::Sha224, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512 };

void signPkcs1Mechanisms(Checker& c, Module& m, const Session& s, const Bytes& cert)
{
    // CKM_RSA_PKCS over a DigestInfo (TLS 1.2, docs/pkcs11-clients.md §0.3).
    const Bytes di = crypto::digestInfo(HashAlg::Sha256, crypto::hash(HashAlg::Sha256, kMessage));
    const Bytes sig = signOnce(m, s, { CKM_RSA_PKCS, nullptr, 0 }, di);
    c.that(crypto::verifyPkcs1(cert, HashAlg::Sha256, kMessage, sig), "RSA_PKCS verifies");
    const CK_MECHANISM_TYPE hashMechs[] = { CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS,
        CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS };
    for (std::size_t i = 0; i < 5; ++i) {
        const Bytes sh = signOnce(m, s, { hashMechs[i], nullptr, 0 }, kMessage);
        c.that(crypto::verifyPkcs1(cert, kHashes[i], kMessage, sh),
            "SHAx_RSA_PKCS verifies, x = " + std::to_string(i));
    }
}

void signPssMechanisms(Checker& c, Module& m, const Session& s, const Bytes& cert)
{
    // CKM_RSA_PKCS_PSS over a hash, as NSS in TLS 1.3 (docs/pkcs11-clients.md §0.3).
    for (HashAlg h : kHashes) {
        CK_RSA_PKCS_PSS_PARAMS p { ckmOf(h), mgfOf(h), crypto::hashLength(h) };
        const Bytes sig
            = signOnce(m, s, { CKM_RSA_PKCS_PSS, &p, sizeof p }, crypto::hash(h, kMessage));
        c.that(crypto::verifyPss(cert, h, h, crypto::hashLength(h), kMessage, sig),
            "RSA_PKCS_PSS verifies, hash " + std::to_string(static_cast<int>(h)));
    }
    const CK_MECHANISM_TYPE pssMechs[] = { CKM_SHA1_RSA_PKCS_PSS, CKM_SHA224_RSA_PKCS_PSS,
        CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS };
    for (std::size_t i = 0; i < 5; ++i) {
        const HashAlg h = kHashes[i];
        CK_RSA_PKCS_PSS_PARAMS p { ckmOf(h), mgfOf(h), crypto::hashLength(h) };
        const Bytes sig = signOnce(m, s, { pssMechs[i], &p, sizeof p }, kMessage);
        c.that(crypto::verifyPss(cert, h, h, crypto::hashLength(h), kMessage, sig),
            "SHAx_RSA_PKCS_PSS verifies, x = " + std::to_string(i));
    }
    // A different MGF hash and salt length.
    CK_RSA_PKCS_PSS_PARAMS p { CKM_SHA256, CKG_MGF1_SHA1, 20 };
    const Bytes sig = signOnce(m, s, { CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p }, kMessage);
    c.that(crypto::verifyPss(cert, HashAlg::Sha256, HashAlg::Sha1, 20, kMessage, sig),
        "SHA256-PSS with MGF1-SHA1, salt 20");
    // PSS is randomised.
    CK_RSA_PKCS_PSS_PARAMS p2 { CKM_SHA256, CKG_MGF1_SHA256, 32 };
    const Bytes a = signOnce(m, s, { CKM_SHA256_RSA_PKCS_PSS, &p2, sizeof p2 }, kMessage);
    const Bytes b = signOnce(m, s, { CKM_SHA256_RSA_PKCS_PSS, &p2, sizeof p2 }, kMessage);
    c.that(a != b, "two PSS signatures differ (random salt)");
}

void signX509Mechanism(Checker& c, Module& m, const Session& s, const Bytes& cert, std::size_t k)
{
    const Bytes di = crypto::digestInfo(HashAlg::Sha256, crypto::hash(HashAlg::Sha256, kMessage));
    const Bytes block = crypto::pkcs1Type1Pad(di, k);
    const Bytes sig = signOnce(m, s, { CKM_RSA_X_509, nullptr, 0 }, block);
    c.bytes(crypto::rsaPublicRaw(cert, sig), block, "RSA_X_509: sig^e = block");
    c.that(crypto::verifyPkcs1(cert, HashAlg::Sha256, kMessage, sig), "and a PKCS#1 signature");
    // Shorter input: left-padded with zeros.
    const Bytes shortIn { 0x01, 0x02, 0x03 };
    const Bytes sig2 = signOnce(m, s, { CKM_RSA_X_509, nullptr, 0 }, shortIn);
    Bytes padded(k - 3, 0);
    padded.insert(padded.end(), shortIn.begin(), shortIn.end());
    c.bytes(crypto::rsaPublicRaw(cert, sig2), padded, "RSA_X_509 short input");
}

void sign_everyMechanism_verifiesWithTheCertificate(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        const Bytes cert = certificateDer(f->images->st);
        signPkcs1Mechanisms(c, m, s, cert);
        signPssMechanisms(c, m, s, cert);
        signX509Mechanism(c, m, s, cert, 256);
    });
}

void sign_1024BitCard_pkcs1AndPss(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        const Bytes cert = certificateDer(f->images->athena);
        const Bytes sig = signOnce(m, s, { CKM_SHA256_RSA_PKCS, nullptr, 0 }, kMessage);
        c.eq(sig.size(), 128, "128-byte signature");
        c.that(crypto::verifyPkcs1(cert, HashAlg::Sha256, kMessage, sig), "PKCS#1 verifies");
        CK_RSA_PKCS_PSS_PARAMS p { CKM_SHA256, CKG_MGF1_SHA256, 32 };
        const Bytes pss = signOnce(
            m, s, { CKM_RSA_PKCS_PSS, &p, sizeof p }, crypto::hash(HashAlg::Sha256, kMessage));
        c.that(crypto::verifyPss(cert, HashAlg::Sha256, HashAlg::Sha256, 32, kMessage, pss),
            "PSS verifies");
        signX509Mechanism(c, m, s, cert, 128);
        // SHA-512 with a 64-byte salt does not fit a 1024-bit key (RFC 8017 §9.1.1).
        CK_RSA_PKCS_PSS_PARAMS big { CKM_SHA512, CKG_MGF1_SHA512, 64 };
        CK_MECHANISM mech { CKM_SHA512_RSA_PKCS_PSS, &big, sizeof big };
        expectRv(c, rvOf([&] { m.signInit(s.handle, mech, s.key); }), CKR_MECHANISM_PARAM_INVALID,
            "salt too long for the key");
    });
}

void sign_idemiaCard_keyInItsDf(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        const Bytes sig = signOnce(m, s, { CKM_SHA256_RSA_PKCS, nullptr, 0 }, kMessage);
        c.that(
            crypto::verifyPkcs1(certificateDer(f->images->idemia), HashAlg::Sha256, kMessage, sig),
            "verifies");
    });
}

void sign_multiPart_equalsSinglePart(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        const auto multi = [&](CK_MECHANISM mech, ByteView data, std::size_t part) {
            m.signInit(s.handle, mech, s.key);
            for (std::size_t off = 0; off < data.size(); off += part)
                m.signUpdate(s.handle, data.subspan(off, std::min(part, data.size() - off)));
            Bytes sig(256);
            CK_ULONG len = sig.size();
            const CK_RV rv = m.signFinal(s.handle, sig.data(), &len);
            if (rv != CKR_OK) throw CkError(rv);
            sig.resize(len);
            return sig;
        };
        // PKCS#1 v1.5 is deterministic.
        const CK_MECHANISM sha256 { CKM_SHA256_RSA_PKCS, nullptr, 0 };
        c.bytes(multi(sha256, kMessage, 100), signOnce(m, s, sha256, kMessage),
            "SHA256_RSA_PKCS: 10 parts = one");
        c.bytes(multi(sha256, kMessage, 7), signOnce(m, s, sha256, kMessage),
            "SHA256_RSA_PKCS: uneven parts");
        const Bytes di
            = crypto::digestInfo(HashAlg::Sha256, crypto::hash(HashAlg::Sha256, kMessage));
        const CK_MECHANISM raw { CKM_RSA_PKCS, nullptr, 0 };
        c.bytes(multi(raw, di, 20), signOnce(m, s, raw, di), "RSA_PKCS collected in parts");
        CK_RSA_PKCS_PSS_PARAMS p { CKM_SHA384, CKG_MGF1_SHA384, 48 };
        const Bytes pss = multi({ CKM_SHA384_RSA_PKCS_PSS, &p, sizeof p }, kMessage, 333);
        c.that(crypto::verifyPss(certificateDer(f->images->st), HashAlg::Sha384, HashAlg::Sha384,
                   48, kMessage, pss),
            "SHA384-PSS in parts verifies");
        // A multi-part operation cannot end with C_Sign; too much data for a raw mechanism.
        m.signInit(s.handle, sha256, s.key);
        m.signUpdate(s.handle, kMessage);
        Bytes sig(256);
        CK_ULONG len = sig.size();
        expectRv(c, rvOf([&] { return m.sign(s.handle, kMessage, sig.data(), &len); }),
            CKR_OPERATION_ACTIVE, "C_Sign after C_SignUpdate");
        m.signInit(s.handle, raw, s.key);
        expectRv(c, rvOf([&] { m.signUpdate(s.handle, kMessage); }), CKR_DATA_LEN_RANGE,
            "1000 bytes into RSA_PKCS");
        expectRv(c, rvOf([&] { m.signUpdate(s.handle, di); }), CKR_OPERATION_NOT_INITIALIZED,
            "the error ended the operation");
    });
}

void sign_pssParameters_checked(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        const auto init = [&](CK_MECHANISM mech) {
            const CK_RV rv = rvOf([&] { m.signInit(s.handle, mech, s.key); });
            if (rv == CKR_OK) m.cancelOperations(s.handle, CKF_SIGN);
            return rv;
        };
        CK_RSA_PKCS_PSS_PARAMS ok { CKM_SHA256, CKG_MGF1_SHA256, 32 };
        expectRv(c, init({ CKM_RSA_PKCS_PSS, nullptr, 0 }), CKR_MECHANISM_PARAM_INVALID,
            "no parameters");
        expectRv(c, init({ CKM_RSA_PKCS_PSS, &ok, sizeof ok - 1 }), CKR_MECHANISM_PARAM_INVALID,
            "wrong parameter size");
        CK_RSA_PKCS_PSS_PARAMS md5 { CKM_MD5, CKG_MGF1_SHA256, 16 };
        expectRv(c, init({ CKM_RSA_PKCS_PSS, &md5, sizeof md5 }), CKR_MECHANISM_PARAM_INVALID,
            "unknown hash");
        CK_RSA_PKCS_PSS_PARAMS badMgf { CKM_SHA256, 0x77, 32 };
        expectRv(c, init({ CKM_RSA_PKCS_PSS, &badMgf, sizeof badMgf }), CKR_MECHANISM_PARAM_INVALID,
            "unknown MGF");
        CK_RSA_PKCS_PSS_PARAMS sha1 { CKM_SHA_1, CKG_MGF1_SHA1, 20 };
        expectRv(c, init({ CKM_SHA256_RSA_PKCS_PSS, &sha1, sizeof sha1 }),
            CKR_MECHANISM_PARAM_INVALID, "SHA256-PSS with hashAlg SHA-1");
        CK_RSA_PKCS_PSS_PARAMS salt { CKM_SHA256, CKG_MGF1_SHA256, 256 - 32 - 1 };
        expectRv(c, init({ CKM_RSA_PKCS_PSS, &salt, sizeof salt }), CKR_MECHANISM_PARAM_INVALID,
            "salt too long");
        CK_RSA_PKCS_PSS_PARAMS maxSalt { CKM_SHA256, CKG_MGF1_SHA256, 256 - 32 - 2 };
        expectRv(c, init({ CKM_RSA_PKCS_PSS, &maxSalt, sizeof maxSalt }), CKR_OK, "longest salt");
        expectRv(c, init({ CKM_SHA256_RSA_PKCS, &ok, sizeof ok }), CKR_MECHANISM_PARAM_INVALID,
            "parameters for a mechanism without");
        // CKM_RSA_PKCS_PSS signs a hash of exactly hashAlg's length.
        m.signInit(s.handle, { CKM_RSA_PKCS_PSS, &ok, sizeof ok }, s.key);
        Bytes sig(256);
        CK_ULONG len = sig.size();
        const Bytes h20(20, 0xAB);
        const std::size_t before = f->provider->apduCount(0);
        expectRv(c, rvOf([&] { return m.sign(s.handle, h20, sig.data(), &len); }),
            CKR_DATA_LEN_RANGE, "20-byte hash for SHA-256");
        c.eq(f->provider->apduCount(0), before, "refused before the card");
        expectRv(c, rvOf([&] { return m.sign(s.handle, h20, sig.data(), &len); }),
            CKR_OPERATION_NOT_INITIALIZED, "the error ended the operation");
    });
}

void sign_sizeQuery_noCardNoConsume(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        m.signInit(s.handle, { CKM_SHA256_RSA_PKCS, nullptr, 0 }, s.key);
        const std::size_t before = f->provider->apduCount(0);
        CK_ULONG len = 0;
        expectRv(c, m.sign(s.handle, kMessage, nullptr, &len), CKR_OK, "size query");
        c.eq(len, 256UL, "signature size");
        Bytes small(100);
        len = small.size();
        expectRv(c, m.sign(s.handle, kMessage, small.data(), &len), CKR_BUFFER_TOO_SMALL,
            "short buffer");
        c.eq(len, 256UL, "needed size");
        c.eq(f->provider->apduCount(0), before, "no APDU for either");
        Bytes sig(256);
        len = sig.size();
        expectRv(c, m.sign(s.handle, kMessage, sig.data(), &len), CKR_OK, "then the signature");
        c.that(crypto::verifyPkcs1(certificateDer(f->images->st), HashAlg::Sha256, kMessage, sig),
            "verifies");
        expectRv(c, rvOf([&] { return m.sign(s.handle, kMessage, sig.data(), &len); }),
            CKR_OPERATION_NOT_INITIALIZED, "a complete C_Sign ends the operation");
        // C_SignFinal follows the same rule.
        m.signInit(s.handle, { CKM_SHA256_RSA_PKCS, nullptr, 0 }, s.key);
        m.signUpdate(s.handle, kMessage);
        len = 0;
        expectRv(c, m.signFinal(s.handle, nullptr, &len), CKR_OK, "final size query");
        c.eq(len, 256UL, "final size");
        len = sig.size();
        expectRv(c, m.signFinal(s.handle, sig.data(), &len), CKR_OK, "final");
    });
}

void sign_notLoggedIn_refusedWithoutApdu(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const CK_OBJECT_HANDLE key = privateKey(m, s);
        c.noThrow(
            [&] {
                m.signInit(s, { CKM_SHA256_RSA_PKCS, nullptr, 0 }, key);
            },
            "C_SignInit before login");
        const std::size_t before = f->provider->apduCount(0);
        Bytes sig(256);
        CK_ULONG len = sig.size();
        expectRv(c, rvOf([&] { return m.sign(s, kMessage, sig.data(), &len); }),
            CKR_USER_NOT_LOGGED_IN, "C_Sign before login");
        c.eq(f->provider->apduCount(0), before, "no APDU");
        expectRv(c, rvOf([&] { return m.sign(s, kMessage, sig.data(), &len); }),
            CKR_OPERATION_NOT_INITIALIZED, "operation ended");
    });
}

void signInit_keyAndMechanismChecks(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        const CK_OBJECT_HANDLE cert = findClass(m, s.handle, CKO_CERTIFICATE).at(0);
        const CK_OBJECT_HANDLE pub = findClass(m, s.handle, CKO_PUBLIC_KEY).at(0);
        const CK_MECHANISM sha { CKM_SHA256_RSA_PKCS, nullptr, 0 };
        expectRv(c, rvOf([&] { m.signInit(s.handle, sha, cert); }), CKR_KEY_HANDLE_INVALID,
            "certificate as key");
        expectRv(c, rvOf([&] { m.signInit(s.handle, sha, 99999); }), CKR_KEY_HANDLE_INVALID,
            "unknown key");
        expectRv(c, rvOf([&] { m.signInit(s.handle, sha, pub); }), CKR_KEY_TYPE_INCONSISTENT,
            "public key");
        expectRv(c, rvOf([&] {
            m.signInit(s.handle, { CKM_SHA256, nullptr, 0 }, s.key);
        }),
            CKR_MECHANISM_INVALID, "digest mechanism");
        expectRv(c, rvOf([&] {
            m.signInit(s.handle, { CKM_RSA_PKCS_OAEP, nullptr, 0 }, s.key);
        }),
            CKR_MECHANISM_INVALID, "OAEP");
        m.signInit(s.handle, sha, s.key);
        expectRv(c, rvOf([&] { m.signInit(s.handle, sha, s.key); }), CKR_OPERATION_ACTIVE,
            "second SignInit");
        m.cancelOperations(s.handle, CKF_SIGN);
        c.noThrow([&] { m.signInit(s.handle, sha, s.key); }, "after C_SessionCancel");
        // RSA_PKCS input longer than k - 11.
        m.cancelOperations(s.handle, CKF_SIGN);
        m.signInit(s.handle, { CKM_RSA_PKCS, nullptr, 0 }, s.key);
        Bytes sig(256);
        CK_ULONG len = sig.size();
        const Bytes tooLong(246, 1);
        expectRv(c, rvOf([&] { return m.sign(s.handle, tooLong, sig.data(), &len); }),
            CKR_DATA_LEN_RANGE, "RSA_PKCS input of k - 10 bytes");
        // RSA_X_509 input not below the modulus.
        m.signInit(s.handle, { CKM_RSA_X_509, nullptr, 0 }, s.key);
        const Bytes ff(256, 0xFF);
        expectRv(c, rvOf([&] { return m.sign(s.handle, ff, sig.data(), &len); }), CKR_DATA_INVALID,
            "RSA_X_509 input above the modulus");
    });
}

/// RSAES-PKCS1-v1_5 encryption with the certificate's public key (OpenSSL).
Bytes encryptPkcs1(const Bytes& certDer, const Bytes& message)
{
    const unsigned char* p = certDer.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(certDer.size()));
    EVP_PKEY* key = cert != nullptr ? X509_get_pubkey(cert) : nullptr;
    EVP_PKEY_CTX* ctx = key != nullptr ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
    Bytes out(512);
    std::size_t outLen = out.size();
    const bool ok = ctx != nullptr && EVP_PKEY_encrypt_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_encrypt(ctx, out.data(), &outLen, message.data(), message.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    X509_free(cert);
    ERR_clear_error();
    out.resize(ok ? outLen : 0);
    return out;
}

void decrypt_pkcs1AndRaw(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const Session s = loggedIn(m);
        const Bytes cert = certificateDer(f->images->st);
        const Bytes secret { 's', 'e', 'c', 'r', 'e', 't', ' ', 'k', 'e', 'y' };
        const Bytes enc = encryptPkcs1(cert, secret);
        c.eq(enc.size(), 256, "ciphertext");
        const CK_MECHANISM pkcs { CKM_RSA_PKCS, nullptr, 0 };

        m.decryptInit(s.handle, pkcs, s.key);
        CK_ULONG len = 0;
        const std::size_t before = f->provider->apduCount(0);
        expectRv(c, m.decrypt(s.handle, enc, nullptr, &len), CKR_OK, "size query");
        c.eq(len, 256UL, "at most a modulus");
        c.eq(f->provider->apduCount(0), before, "no APDU for the size query");
        Bytes out(256);
        len = out.size();
        expectRv(c, m.decrypt(s.handle, enc, out.data(), &len), CKR_OK, "decrypt");
        out.resize(len);
        c.bytes(out, secret, "plaintext");

        // A short buffer: the answer is kept, the retry does not need the card.
        m.decryptInit(s.handle, pkcs, s.key);
        Bytes tiny(4);
        len = tiny.size();
        expectRv(c, m.decrypt(s.handle, enc, tiny.data(), &len), CKR_BUFFER_TOO_SMALL, "short");
        c.eq(len, secret.size(), "exact size");
        const std::size_t afterFirst = f->provider->apduCount(0);
        Bytes exact(len);
        expectRv(c, m.decrypt(s.handle, enc, exact.data(), &len), CKR_OK, "retry");
        c.bytes(exact, secret, "retry plaintext");
        c.eq(f->provider->apduCount(0), afterFirst, "retry without the card");

        // Bad padding: a block that is not type 2.
        m.decryptInit(s.handle, pkcs, s.key);
        Bytes notPadded(256, 0x11);
        notPadded[0] = 0;
        len = out.size();
        out.resize(256);
        expectRv(c, rvOf([&] { return m.decrypt(s.handle, notPadded, out.data(), &len); }),
            CKR_ENCRYPTED_DATA_INVALID, "invalid padding");
        m.decryptInit(s.handle, pkcs, s.key);
        expectRv(c, rvOf([&] { return m.decrypt(s.handle, secret, out.data(), &len); }),
            CKR_ENCRYPTED_DATA_LEN_RANGE, "not a modulus-sized ciphertext");

        // RSA_X_509 gives the raw block.
        m.decryptInit(s.handle, { CKM_RSA_X_509, nullptr, 0 }, s.key);
        len = out.size();
        expectRv(c, m.decrypt(s.handle, enc, out.data(), &len), CKR_OK, "raw decrypt");
        c.eq(len, 256UL, "modulus-sized");
        c.eq(out[0], 0x00, "leading 00");
        c.eq(out[1], 0x02, "block type 2");

        expectRv(c, rvOf([&] {
            m.decryptInit(s.handle, { CKM_SHA256_RSA_PKCS, nullptr, 0 }, s.key);
        }),
            CKR_MECHANISM_INVALID, "a signature mechanism");
    });
}

} // namespace

int runSignTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            sign_everyMechanism_verifiesWithTheCertificate, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(sign_1024BitCard_pkcs1AndPss, athenaSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(sign_idemiaCard_keyInItsDf, idemiaSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(sign_multiPart_equalsSinglePart, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(sign_pssParameters_checked, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(sign_sizeQuery_noCardNoConsume, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            sign_notLoggedIn_refusedWithoutApdu, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(signInit_keyAndMechanismChecks, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(decrypt_pkcs1AndRaw, stSetup, fixtureTeardown),
    };
    return cmocka_run_group_tests_name("pkcs11 sign", tests, imagesSetup, imagesTeardown);
}
