// SPDX-License-Identifier: LGPL-2.1-or-later
// X.509 → PKCS#11 attribute values with OpenSSL.
#include "core/certificate_data.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>

namespace tscns::pkcs11 {

namespace {
    struct X509Free {
        void operator()(X509* x) const noexcept { X509_free(x); }
    };
    struct BnFree {
        void operator()(BIGNUM* b) const noexcept { BN_free(b); }
    };

    /// i2d_* into a Bytes (the two-call idiom).
    template <typename T, typename F> Bytes toDer(T* object, F i2d)
    {
        const int n = i2d(object, nullptr);
        if (n <= 0) throw Error(Errc::CardData, "certificate: cannot encode a field");
        Bytes out(static_cast<std::size_t>(n));
        unsigned char* p = out.data();
        i2d(object, &p);
        return out;
    }

    std::string ckDate(const ASN1_TIME* t)
    {
        std::tm tm {};
        if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d%02d%02d", (tm.tm_year + 1900) % 10000,
            (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
        return buf;
    }

    Bytes bnBytes(EVP_PKEY* key, const char* name)
    {
        BIGNUM* raw = nullptr;
        if (EVP_PKEY_get_bn_param(key, name, &raw) != 1 || raw == nullptr)
            throw Error(Errc::CardData, "certificate: cannot read the RSA key");
        std::unique_ptr<BIGNUM, BnFree> bn(raw);
        Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
        BN_bn2bin(bn.get(), out.data());
        return out;
    }

    CertificateData parseWithOpenSsl(ByteView der)
    {
        const unsigned char* p = der.data();
        std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!cert || p != der.data() + der.size())
            throw Error(Errc::CardData, "not a DER X.509 certificate");

        CertificateData d;
        d.der.assign(der.begin(), der.end());
        d.subject = toDer(X509_get_subject_name(cert.get()), i2d_X509_NAME);
        d.issuer = toDer(X509_get_issuer_name(cert.get()), i2d_X509_NAME);
        d.serialNumber = toDer(
            const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(cert.get())), i2d_ASN1_INTEGER);
        d.publicKeyInfo = toDer(X509_get_X509_PUBKEY(cert.get()), i2d_X509_PUBKEY);
        unsigned char sha1[SHA_DIGEST_LENGTH];
        SHA1(d.der.data(), d.der.size(), sha1);
        d.checkValue.assign(sha1, sha1 + 3);
        d.notBefore = ckDate(X509_get0_notBefore(cert.get()));
        d.notAfter = ckDate(X509_get0_notAfter(cert.get()));

        EVP_PKEY* key = X509_get0_pubkey(cert.get()); // owned by the certificate
        if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
            d.isRsa = true;
            d.modulus = bnBytes(key, OSSL_PKEY_PARAM_RSA_N);
            d.publicExponent = bnBytes(key, OSSL_PKEY_PARAM_RSA_E);
            d.modulusBits = static_cast<std::size_t>(EVP_PKEY_get_bits(key));
        }

        // X509_get_key_usage: UINT32_MAX without the extension (every use allowed, RFC 5280
        // §4.2.1.3).
        const std::uint32_t ku = X509_get_key_usage(cert.get());
        d.canSign = (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0;
        d.canDecrypt = (ku & (KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT)) != 0;
        return d;
    }
} // namespace

CertificateData parseCertificate(ByteView der)
{
    // A pure function of the bytes, and d2i_X509 is the costly part of opening a token (OpenSSL
    // 3 decodes the key through its provider machinery): a module that sees the same card again
    // (C_Finalize + C_Initialize, a reinserted card, another slot) parses it once.
    static std::mutex mutex;
    static std::optional<CertificateData> last;
    {
        const std::lock_guard lock(mutex);
        if (last && std::equal(der.begin(), der.end(), last->der.begin(), last->der.end()))
            return *last;
    }
    CertificateData d = parseWithOpenSsl(der);
    const std::lock_guard lock(mutex);
    last = d;
    return d;
}

} // namespace tscns::pkcs11