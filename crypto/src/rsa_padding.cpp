// SPDX-License-Identifier: LGPL-2.1-or-later
// Host-side RSA encodings and verifications, all delegated to OpenSSL 3 (cns-card.md §6).

// RSA_padding_add_PKCS1_type_1, RSA_padding_add_PKCS1_PSS_mgf1 and RSA_padding_check_PKCS1_type_2
// are deprecated in OpenSSL 3.0 but have no EVP replacement that works on a bare block (the card
// holds the private key, so there is no EVP_PKEY to sign with). Confined to this file.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "tscns/crypto/rsa_padding.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <climits>
#include <cstdint>
#include <string>
#include <utility>

namespace tscns::crypto {

namespace {

    // OpenSSL's own upper bound (OPENSSL_RSA_MAX_MODULUS_BITS); it also keeps every size in int.
    constexpr std::size_t kMaxModulusBits = 16384;
    constexpr std::size_t kMaxModulusBytes = kMaxModulusBits / 8;
    // EMSA-PKCS1-v1_5: 00 01, at least 8 bytes FF, 00 (RFC 8017 §9.2 step 3).
    constexpr std::size_t kPkcs1Overhead = 11;

    struct MdCtxFree {
        void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
    };
    struct PkeyCtxFree {
        void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
    };
    struct X509Free {
        void operator()(X509* p) const noexcept { X509_free(p); }
    };
    struct RsaFree {
        void operator()(RSA* p) const noexcept { RSA_free(p); }
    };
    struct BnFree {
        void operator()(BIGNUM* p) const noexcept { BN_free(p); }
    };
    using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
    using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
    using X509Ptr = std::unique_ptr<X509, X509Free>;
    using RsaPtr = std::unique_ptr<RSA, RsaFree>;
    using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

    /// Errors OpenSSL queues while this object lives are dropped when it dies, so that a failure
    /// we turned into an exception (or into false/nullopt) leaves no stale entry in the thread's
    /// queue for an unrelated later caller (e.g. libp11 or curl in the same process).
    class ErrorScope {
    public:
        ErrorScope() noexcept { ERR_set_mark(); }
        ~ErrorScope() { ERR_pop_to_mark(); }
        ErrorScope(const ErrorScope&) = delete;
        ErrorScope& operator=(const ErrorScope&) = delete;
    };

    /// "what" plus OpenSSL's reason for the last queued error, when there is one.
    std::string withReason(std::string what)
    {
        const unsigned long e = ERR_peek_last_error();
        if (e != 0) {
            std::array<char, 256> buf {};
            ERR_error_string_n(e, buf.data(), buf.size());
            what += " (";
            what += buf.data();
            what += ")";
        }
        return what;
    }

    [[noreturn]] void fail(Errc code, std::string what)
    {
        throw Error(code, withReason(std::move(what)));
    }

    const char* hashName(HashAlg alg) noexcept
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

    const EVP_MD* evpMd(HashAlg alg)
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
        throw Error(Errc::BadArgument, "unknown hash algorithm");
    }

    void checkDigest(HashAlg alg, ByteView digest)
    {
        if (digest.size() != hashLength(alg))
            throw Error(Errc::BadArgument,
                std::string(hashName(alg)) + " digest must be " + std::to_string(hashLength(alg))
                    + " bytes, got " + std::to_string(digest.size()));
    }

    int toInt(std::size_t n)
    {
        return static_cast<int>(n);
    }

    /// RFC 8017 §9.2 note 1: DER of DigestInfo up to (and including) the OCTET STRING header.
    ByteView digestInfoPrefix(HashAlg alg)
    {
        static constexpr std::uint8_t kSha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
            0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 };
        static constexpr std::uint8_t kSha224[] = { 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
            0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c };
        static constexpr std::uint8_t kSha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
            0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
        static constexpr std::uint8_t kSha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
            0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 };
        static constexpr std::uint8_t kSha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
            0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 };
        switch (alg) {
        case HashAlg::Sha1:
            return kSha1;
        case HashAlg::Sha224:
            return kSha224;
        case HashAlg::Sha256:
            return kSha256;
        case HashAlg::Sha384:
            return kSha384;
        case HashAlg::Sha512:
            return kSha512;
        }
        throw Error(Errc::BadArgument, "unknown hash algorithm");
    }

    /// Parses the DER certificate (nothing may follow it); its key must be a plain RSA key.
    X509Ptr rsaCertificate(ByteView der)
    {
        const unsigned char* p = der.data();
        X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!cert) fail(Errc::BadArgument, "not a DER X.509 certificate");
        if (p != der.data() + der.size())
            throw Error(Errc::BadArgument, "certificate followed by unexpected bytes");
        EVP_PKEY* key = X509_get0_pubkey(cert.get());
        if (key == nullptr) fail(Errc::BadArgument, "cannot read the certificate's public key");
        if (EVP_PKEY_is_a(key, "RSA") != 1)
            throw Error(Errc::BadArgument, "the certificate's key is not an RSA key");
        return cert;
    }

    /// A verification context on the certificate's key, padding set; nullptr never returned.
    PkeyCtxPtr verifyContext(X509* cert, HashAlg alg, int padding)
    {
        PkeyCtxPtr ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert), nullptr));
        if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1
            || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1
            || EVP_PKEY_CTX_set_signature_md(ctx.get(), evpMd(alg)) != 1)
            fail(Errc::Internal, "cannot set up RSA verification");
        return ctx;
    }

    bool verifyWith(EVP_PKEY_CTX* ctx, ByteView digest, ByteView signature)
    {
        return EVP_PKEY_verify(
                   ctx, signature.data(), signature.size(), digest.data(), digest.size())
            == 1;
    }

} // namespace

std::size_t hashLength(HashAlg alg) noexcept
{
    switch (alg) {
    case HashAlg::Sha1:
        return 20;
    case HashAlg::Sha224:
        return 28;
    case HashAlg::Sha256:
        return 32;
    case HashAlg::Sha384:
        return 48;
    case HashAlg::Sha512:
        return 64;
    }
    return 0;
}

Bytes hash(HashAlg alg, ByteView data)
{
    const ErrorScope errors;
    Bytes out(hashLength(alg));
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, evpMd(alg), nullptr) != 1
        || len != out.size())
        fail(Errc::Internal, std::string("cannot compute ") + hashName(alg));
    return out;
}

struct Hasher::Ctx {
    MdCtxPtr md;
};

Hasher::Hasher(HashAlg alg)
    : alg_(alg)
    , ctx_(std::make_unique<Ctx>())
{
    const ErrorScope errors;
    ctx_->md.reset(EVP_MD_CTX_new());
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md.get(), evpMd(alg), nullptr) != 1)
        fail(Errc::Internal, std::string("cannot start ") + hashName(alg));
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(ByteView data)
{
    if (!ctx_) throw Error(Errc::BadArgument, "hash already finished (or moved from)");
    const ErrorScope errors;
    if (EVP_DigestUpdate(ctx_->md.get(), data.data(), data.size()) != 1)
        fail(Errc::Internal, std::string("cannot update ") + hashName(alg_));
}

Bytes Hasher::finish()
{
    if (!ctx_) throw Error(Errc::BadArgument, "hash already finished (or moved from)");
    const ErrorScope errors;
    const std::unique_ptr<Ctx> ctx = std::move(ctx_);
    Bytes out(hashLength(alg_));
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx->md.get(), out.data(), &len) != 1 || len != out.size())
        fail(Errc::Internal, std::string("cannot finish ") + hashName(alg_));
    return out;
}

Bytes digestInfo(HashAlg alg, ByteView digest)
{
    checkDigest(alg, digest);
    const ByteView prefix = digestInfoPrefix(alg);
    Bytes out;
    out.reserve(prefix.size() + digest.size());
    out.insert(out.end(), prefix.begin(), prefix.end());
    out.insert(out.end(), digest.begin(), digest.end());
    return out;
}

Bytes pkcs1Type1Pad(ByteView t, std::size_t modulusBytes)
{
    if (modulusBytes > kMaxModulusBytes)
        throw Error(Errc::BadArgument,
            "modulus of " + std::to_string(modulusBytes) + " bytes is larger than supported ("
                + std::to_string(kMaxModulusBytes) + ")");
    if (modulusBytes < kPkcs1Overhead || t.size() > modulusBytes - kPkcs1Overhead)
        throw Error(Errc::BadArgument,
            "PKCS#1 v1.5 block: " + std::to_string(t.size()) + " bytes do not fit a modulus of "
                + std::to_string(modulusBytes) + " bytes (at most modulus - 11)");
    const ErrorScope errors;
    Bytes out(modulusBytes);
    if (RSA_padding_add_PKCS1_type_1(out.data(), toInt(out.size()), t.data(), toInt(t.size())) != 1)
        fail(Errc::Internal, "PKCS#1 v1.5 block type 1 padding failed");
    return out;
}

Bytes pssEncode(
    ByteView digest, HashAlg hashAlg, HashAlg mgfHash, std::size_t saltLen, std::size_t modulusBits)
{
    checkDigest(hashAlg, digest);
    if (modulusBits < 2 || modulusBits > kMaxModulusBits)
        throw Error(Errc::BadArgument,
            "PSS: unsupported modulus size of " + std::to_string(modulusBits) + " bits");
    // RFC 8017 §9.1.1: emBits = modBits - 1, emLen = ceil(emBits / 8), and step 3 requires
    // emLen >= hLen + sLen + 2.
    const std::size_t emLen = (modulusBits - 1 + 7) / 8;
    const std::size_t hLen = hashLength(hashAlg);
    if (emLen < hLen + 2 || saltLen > emLen - hLen - 2)
        throw Error(Errc::BadArgument,
            "PSS: salt of " + std::to_string(saltLen) + " bytes is too long for a "
                + std::to_string(modulusBits) + "-bit key with " + hashName(hashAlg) + " (at most "
                + std::to_string(emLen >= hLen + 2 ? emLen - hLen - 2 : 0) + ")");

    const ErrorScope errors;
    // RSA_padding_add_PKCS1_PSS_mgf1 reads only the modulus size from its RSA*: give it a public
    // key whose modulus has exactly modulusBits bits (2^(bits-1) + 1; never used for arithmetic).
    BnPtr n(BN_new());
    BnPtr e(BN_new());
    RsaPtr rsa(RSA_new());
    if (!n || !e || !rsa || BN_set_bit(n.get(), toInt(modulusBits - 1)) != 1
        || BN_set_bit(n.get(), 0) != 1 || BN_set_word(e.get(), RSA_F4) != 1)
        fail(Errc::Internal, "PSS: cannot build the modulus placeholder");
    if (RSA_set0_key(rsa.get(), n.get(), e.get(), nullptr) != 1)
        fail(Errc::Internal, "PSS: cannot build the modulus placeholder");
    (void)n.release(); // owned by rsa now
    (void)e.release();

    Bytes out((modulusBits + 7) / 8);
    if (static_cast<std::size_t>(RSA_size(rsa.get())) != out.size())
        throw Error(Errc::Internal, "PSS: modulus placeholder has the wrong size");
    if (RSA_padding_add_PKCS1_PSS_mgf1(
            rsa.get(), out.data(), digest.data(), evpMd(hashAlg), evpMd(mgfHash), toInt(saltLen))
        != 1)
        fail(Errc::Internal, "PSS encoding failed");
    return out;
}

std::optional<Bytes> pkcs1Type2Unpad(ByteView block)
{
    if (block.size() < kPkcs1Overhead || block.size() > kMaxModulusBytes) return std::nullopt;
    const ErrorScope errors;
    Bytes out(block.size());
    const int n = RSA_padding_check_PKCS1_type_2(
        out.data(), toInt(out.size()), block.data(), toInt(block.size()), toInt(block.size()));
    if (n < 0) return std::nullopt;
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Bytes rsaPublicRaw(ByteView certificateDer, ByteView block)
{
    const ErrorScope errors;
    const X509Ptr cert = rsaCertificate(certificateDer);
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    const auto size = static_cast<std::size_t>(EVP_PKEY_get_size(key));
    if (block.size() != size)
        throw Error(Errc::BadArgument,
            "raw RSA: block of " + std::to_string(block.size()) + " bytes for a modulus of "
                + std::to_string(size) + " bytes");
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1)
        fail(Errc::Internal, "raw RSA: cannot set up the public operation");
    Bytes out(size);
    std::size_t outLen = out.size();
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &outLen, block.data(), block.size()) != 1)
        fail(Errc::BadArgument, "raw RSA public operation failed (block not below the modulus?)");
    out.resize(outLen);
    return out;
}

bool verifyPkcs1Digest(ByteView certificateDer, HashAlg alg, ByteView digest, ByteView signature)
{
    checkDigest(alg, digest);
    const ErrorScope errors;
    const X509Ptr cert = rsaCertificate(certificateDer);
    const PkeyCtxPtr ctx = verifyContext(cert.get(), alg, RSA_PKCS1_PADDING);
    return verifyWith(ctx.get(), digest, signature);
}

bool verifyPkcs1(ByteView certificateDer, HashAlg alg, ByteView message, ByteView signature)
{
    return verifyPkcs1Digest(certificateDer, alg, hash(alg, message), signature);
}

bool verifyPssDigest(ByteView certificateDer, HashAlg alg, HashAlg mgfHash, std::size_t saltLen,
    ByteView digest, ByteView signature)
{
    checkDigest(alg, digest);
    if (saltLen > kMaxModulusBytes)
        throw Error(Errc::BadArgument, "PSS: salt of " + std::to_string(saltLen) + " bytes");
    const ErrorScope errors;
    const X509Ptr cert = rsaCertificate(certificateDer);
    const PkeyCtxPtr ctx = verifyContext(cert.get(), alg, RSA_PKCS1_PSS_PADDING);
    if (EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), evpMd(mgfHash)) != 1
        || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), toInt(saltLen)) != 1)
        fail(Errc::Internal, "cannot set up PSS verification");
    return verifyWith(ctx.get(), digest, signature);
}

bool verifyPss(ByteView certificateDer, HashAlg alg, HashAlg mgfHash, std::size_t saltLen,
    ByteView message, ByteView signature)
{
    return verifyPssDigest(certificateDer, alg, mgfHash, saltLen, hash(alg, message), signature);
}

} // namespace tscns::crypto
