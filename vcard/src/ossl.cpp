// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenSSL helpers: deterministic RSA key generation, PEM/DER, digests, raw RSA.
#include "ossl.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <deque>
#include <mutex>
#include <utility>

namespace tscns::vcard::ossl {

namespace {

    using LibCtxPtr = std::unique_ptr<OSSL_LIB_CTX, Deleter<OSSL_LIB_CTX_free>>;
    using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;

    std::string bioText(BIO* bio)
    {
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        if (n < 0 || data == nullptr) return {};
        return { data, static_cast<std::size_t>(n) };
    }

    BioPtr memBio()
    {
        BioPtr bio(BIO_new(BIO_s_mem()));
        if (!bio) fail("BIO_new");
        return bio;
    }

    BioPtr readBio(std::string_view text)
    {
        if (text.size() > static_cast<std::size_t>(INT32_MAX))
            fail("PEM text too large", Errc::BadArgument);
        BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
        if (!bio) fail("BIO_new_mem_buf");
        return bio;
    }

} // namespace

Bytes seededStream(std::uint64_t seed, std::string_view label, std::size_t n)
{
    Bytes input;
    const std::string prefix = "tscns-vcard/" + std::string(label) + "/";
    input.assign(prefix.begin(), prefix.end());
    for (int shift = 56; shift >= 0; shift -= 8)
        input.push_back(static_cast<std::uint8_t>(seed >> shift));
    Bytes out(n);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_shake256(), nullptr) != 1
        || EVP_DigestUpdate(ctx.get(), input.data(), input.size()) != 1
        || EVP_DigestFinalXOF(ctx.get(), out.data(), out.size()) != 1)
        fail("SHAKE-256");
    return out;
}

namespace {

    // One attempt with `entropyBytes` of deterministic random; nullptr when TEST-RAND ran dry.
    PkeyPtr tryDeterministicKey(unsigned bits, const Bytes& entropy)
    {
        LibCtxPtr libctx(OSSL_LIB_CTX_new());
        if (!libctx) fail("OSSL_LIB_CTX_new");
        // TEST-RAND hands out its "entropy" buffer verbatim: with it as the DRBG type, every
        // random byte OpenSSL draws in this context (prime candidates, Miller-Rabin bases) is ours.
        if (RAND_set_DRBG_type(libctx.get(), "TEST-RAND", nullptr, nullptr, nullptr) != 1)
            fail("RAND_set_DRBG_type(TEST-RAND)");
        unsigned strength = 256;
        for (EVP_RAND_CTX* rand :
            { RAND_get0_public(libctx.get()), RAND_get0_private(libctx.get()) }) {
            if (rand == nullptr) fail("RAND_get0_public/private");
            OSSL_PARAM params[] = {
                OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength),
                OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY,
                    const_cast<std::uint8_t*>(entropy.data()), entropy.size()),
                OSSL_PARAM_construct_end(),
            };
            if (EVP_RAND_CTX_set_params(rand, params) != 1) fail("TEST-RAND parameters");
        }

        EVP_PKEY* raw = nullptr;
        {
            PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(libctx.get(), "RSA", nullptr));
            if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1
                || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1)
                fail("RSA key generation setup");
            if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
                ERR_clear_error();
                return nullptr;
            }
        }
        PkeyPtr inCtx(raw);
        // Move the key to the default library context through DER, so that nothing keeps a
        // reference to the deterministic context (blinding must use real randomness).
        unsigned char* der = nullptr;
        const int len = i2d_PrivateKey(inCtx.get(), &der);
        if (len <= 0) fail("i2d_PrivateKey");
        const unsigned char* p = der;
        PkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, len));
        OPENSSL_clear_free(der, static_cast<std::size_t>(len));
        if (!key) fail("d2i_AutoPrivateKey");
        return key;
    }

} // namespace

void fail(std::string_view what, Errc code)
{
    std::string message = "OpenSSL: " + std::string(what);
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        message += "; ";
        message += buf;
    }
    throw Error(code, message);
}

PkeyPtr deterministicRsaKey(unsigned bits, std::uint64_t seed, std::string_view label)
{
    if (bits < 1024 || bits > 4096 || bits % 8 != 0)
        throw Error(Errc::BadArgument, "RSA key size must be a multiple of 8 in 1024..4096");
    // Key generation typically draws 20-130 KiB; a prefix of the same stream is reused when
    // the buffer grows, so the result does not depend on the first size tried.
    for (std::size_t size = std::size_t { 1 } << 20; size <= (std::size_t { 1 } << 26);
         size <<= 2) {
        const Bytes entropy = seededStream(seed, label, size);
        if (PkeyPtr key = tryDeterministicKey(bits, entropy)) return key;
    }
    fail("deterministic RSA key generation ran out of random data");
}

std::string privateKeyPem(EVP_PKEY* key)
{
    BioPtr bio = memBio();
    if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        fail("PEM_write_bio_PrivateKey");
    return bioText(bio.get());
}

PkeyPtr readPrivateKeyPem(std::string_view pem)
{
    BioPtr bio = readBio(pem);
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return key;
}

PkeyPtr cachedPrivateKeyPem(std::string_view pem)
{
    constexpr std::size_t kEntries = 8;
    // Never destroyed: OpenSSL's own atexit cleanup may run before a static's destructor.
    static auto* const mutex = new std::mutex;
    static auto* const cache = new std::deque<std::pair<std::string, PkeyPtr>>; // newest last
    const std::lock_guard lock(*mutex);
    for (const auto& [text, key] : *cache) {
        if (text == pem) {
            if (EVP_PKEY_up_ref(key.get()) != 1) break;
            return PkeyPtr(key.get());
        }
    }
    PkeyPtr key = readPrivateKeyPem(pem);
    if (!key || EVP_PKEY_up_ref(key.get()) != 1) return key;
    if (cache->size() == kEntries) cache->pop_front();
    cache->emplace_back(std::string(pem), PkeyPtr(key.get()));
    return key;
}

std::string certificatePem(X509* cert)
{
    BioPtr bio = memBio();
    if (PEM_write_bio_X509(bio.get(), cert) != 1) fail("PEM_write_bio_X509");
    return bioText(bio.get());
}

Bytes certificateDer(X509* cert)
{
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    if (len <= 0) fail("i2d_X509");
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

X509Ptr readCertificatePem(std::string_view pem)
{
    BioPtr bio = readBio(pem);
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return cert;
}

namespace {
    Bytes digest(const EVP_MD* md, ByteView data)
    {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) fail("EVP_Digest");
        return { out, out + len };
    }
} // namespace

Bytes sha1(ByteView data)
{
    return digest(EVP_sha1(), data);
}

Bytes sha256(ByteView data)
{
    return digest(EVP_sha256(), data);
}

std::size_t modulusBytes(EVP_PKEY* key)
{
    const int bits = EVP_PKEY_get_bits(key);
    if (bits <= 0) fail("EVP_PKEY_get_bits");
    return (static_cast<std::size_t>(bits) + 7) / 8;
}

Bytes rsaRawPrivate(EVP_PKEY* key, ByteView block)
{
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1)
        fail("RSA raw private operation setup");
    std::size_t outLen = modulusBytes(key);
    Bytes out(outLen);
    if (EVP_PKEY_decrypt(ctx.get(), out.data(), &outLen, block.data(), block.size()) != 1) {
        ERR_clear_error(); // input not below the modulus, or wrong length
        return {};
    }
    out.resize(outLen);
    return out;
}

Bytes rsaPkcs1Sign(EVP_PKEY* key, ByteView data)
{
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
        fail("RSA PKCS#1 signature setup");
    // No signature digest set: the input is padded as is (block type 1), as a card does with a
    // DigestInfo it receives.
    std::size_t outLen = modulusBytes(key);
    Bytes out(outLen);
    if (EVP_PKEY_sign(ctx.get(), out.data(), &outLen, data.data(), data.size()) != 1) {
        ERR_clear_error();
        return {};
    }
    out.resize(outLen);
    return out;
}

Bytes randomBytes(std::size_t n)
{
    Bytes out(n);
    if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) fail("RAND_bytes");
    return out;
}

} // namespace tscns::vcard::ossl
