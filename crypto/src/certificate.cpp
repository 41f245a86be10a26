// SPDX-License-Identifier: LGPL-2.1-or-later
// X.509 inspection with OpenSSL.
#include "tscns/crypto/certificate.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace tscns::crypto {

namespace {
    struct X509Free {
        void operator()(X509* x) const noexcept { X509_free(x); }
    };
    struct BioFree {
        void operator()(BIO* b) const noexcept { BIO_free(b); }
    };
    using X509Ptr = std::unique_ptr<X509, X509Free>;
    using BioPtr = std::unique_ptr<BIO, BioFree>;

    X509Ptr parse(ByteView der)
    {
        const unsigned char* p = der.data();
        X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!cert) throw Error(Errc::CardData, "not a DER X.509 certificate");
        if (p != der.data() + der.size())
            throw Error(Errc::CardData,
                "certificate followed by " + std::to_string(der.data() + der.size() - p)
                    + " unexpected bytes");
        return cert;
    }

    std::string bioText(BIO* b)
    {
        char* data = nullptr;
        const long n = BIO_get_mem_data(b, &data);
        return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
    }

    std::string nameText(const X509_NAME* name)
    {
        BioPtr b(BIO_new(BIO_s_mem()));
        X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        return bioText(b.get());
    }

    std::string isoTime(const ASN1_TIME* t)
    {
        std::tm tm {};
        if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
        char buf[80];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        return buf;
    }

    std::string commonName(const X509_NAME* name)
    {
        const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
        if (i < 0) return {};
        const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        unsigned char* utf8 = nullptr;
        const int n = ASN1_STRING_to_UTF8(&utf8, s);
        if (n < 0) return {};
        std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
        OPENSSL_free(utf8);
        return out;
    }
} // namespace

CertificateInfo inspectCertificate(ByteView der)
{
    X509Ptr cert = parse(der);
    CertificateInfo info;
    info.subject = nameText(X509_get_subject_name(cert.get()));
    info.issuer = nameText(X509_get_issuer_name(cert.get()));
    info.commonName = commonName(X509_get_subject_name(cert.get()));
    if (const ASN1_INTEGER* sn = X509_get0_serialNumber(cert.get())) {
        BIGNUM* bn = ASN1_INTEGER_to_BN(sn, nullptr);
        if (bn != nullptr) {
            char* hex = BN_bn2hex(bn);
            info.serialHex = hex != nullptr ? hex : "";
            OPENSSL_free(hex);
            BN_free(bn);
        }
    }
    info.notBefore = isoTime(X509_get0_notBefore(cert.get()));
    info.notAfter = isoTime(X509_get0_notAfter(cert.get()));
    if (EVP_PKEY* key = X509_get0_pubkey(cert.get())) {
        info.keyBits = EVP_PKEY_get_bits(key);
        const char* type = EVP_PKEY_get0_type_name(key);
        info.keyType = type != nullptr ? type : "";
    }
    if (auto* pols = static_cast<CERTIFICATEPOLICIES*>(
            X509_get_ext_d2i(cert.get(), NID_certificate_policies, nullptr, nullptr))) {
        for (int i = 0; i < sk_POLICYINFO_num(pols); ++i) {
            char oid[128];
            OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(pols, i)->policyid, 1);
            info.policies.emplace_back(oid);
        }
        CERTIFICATEPOLICIES_free(pols);
    }
    info.clientAuth = (X509_get_extension_flags(cert.get()) & EXFLAG_XKUSAGE) != 0
        && (X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT) != 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdLen = 0;
    if (X509_digest(cert.get(), EVP_sha256(), md, &mdLen) == 1)
        info.sha256 = toHex(ByteView(md, mdLen));
    info.pem = certificateToPem(der);
    return info;
}

std::string certificateToPem(ByteView der)
{
    X509Ptr cert = parse(der);
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_X509(b.get(), cert.get()) != 1)
        throw Error(Errc::Internal, "cannot write the certificate as PEM");
    return bioText(b.get());
}

} // namespace tscns::crypto
