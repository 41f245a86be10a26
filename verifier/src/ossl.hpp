// SPDX-License-Identifier: LGPL-2.1-or-later
// RAII and small helpers over OpenSSL 3 for the verifier (private).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/verifier/challenge_store.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tscns::verifier::ossl {

template <auto Free> struct Deleter {
    template <typename T> void operator()(T* p) const noexcept { Free(p); }
};

inline void freeX509Stack(STACK_OF(X509) * s) noexcept
{
    sk_X509_pop_free(s, X509_free);
}
inline void freeCrlStack(STACK_OF(X509_CRL) * s) noexcept
{
    sk_X509_CRL_pop_free(s, X509_CRL_free);
}

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<freeX509Stack>>;
using CrlStackPtr = std::unique_ptr<STACK_OF(X509_CRL), Deleter<freeCrlStack>>;
using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST_free>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE_free>>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP_free>>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, Deleter<OCSP_CERTID_free>>;

/// Drains OpenSSL's error queue into "reason; reason" (empty when there was none).
std::string errors();

/// Every certificate of a PEM (one or more) or DER buffer; empty when it holds none.
std::vector<X509Ptr> readCertificates(ByteView data);
/// Every CRL of a PEM (one or more) or DER buffer; empty when it holds none.
std::vector<CrlPtr> readCrls(ByteView data);
/// A whole file; throws Error(BadArgument) naming it when unreadable.
Bytes readFile(const std::filesystem::path& file);

/// RFC 2253 text of a name.
std::string nameText(const X509_NAME* name);
/// Upper-case hex of an ASN.1 INTEGER ("00" for zero, "-" prefix when negative).
std::string integerHex(const ASN1_INTEGER* value);
/// Decimal text of an ASN.1 INTEGER.
std::string integerDecimal(const ASN1_INTEGER* value);
/// ISO 8601 UTC ("2026-01-02T03:04:05Z"); empty for null or unparsable.
std::string isoTime(const ASN1_TIME* t);
std::string isoTime(TimePoint t);
/// ASN1_TIME as a time point; nullopt for null or unparsable.
std::optional<TimePoint> toTimePoint(const ASN1_TIME* t);
/// Seconds since the epoch.
time_t toTimeT(TimePoint t);
/// Lower-case hex SHA-256 of a certificate's DER.
std::string sha256Hex(X509* cert);

} // namespace tscns::verifier::ossl
