// SPDX-License-Identifier: LGPL-2.1-or-later
// Small RAII and helper layer over OpenSSL 3 for the virtual card (private to vcard).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/error.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tscns::vcard::ossl {

template <auto Free> struct Deleter {
    template <typename T> void operator()(T* p) const noexcept { Free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

/// Throws Error(code) with `what` and OpenSSL's error queue (which it clears).
[[noreturn]] void fail(std::string_view what, Errc code = Errc::Internal);

/// RSA key (e = 65537) whose primes come from a deterministic random stream derived from
/// (seed, label): OpenSSL's own key generation runs in a private OSSL_LIB_CTX whose public and
/// private random generators are TEST-RAND instances fed with SHAKE-256(label, seed) output.
/// Same OpenSSL version + same inputs = same key. The key is returned in the default context.
PkeyPtr deterministicRsaKey(unsigned bits, std::uint64_t seed, std::string_view label);

/// PEM (PKCS#8, unencrypted) of a private key, and back. readPrivateKeyPem returns nullptr
/// when the text is not a private key.
std::string privateKeyPem(EVP_PKEY* key);
PkeyPtr readPrivateKeyPem(std::string_view pem);
/// readPrivateKeyPem through a small process-wide cache (the last 8 distinct PEM texts, behind a
/// mutex): a card image opened again and again (tests, fuzzing, the pkcs11 unit tests' in-process
/// cards) parses its key once. The key is shared by reference count, never modified.
PkeyPtr cachedPrivateKeyPem(std::string_view pem);
/// PEM and DER of a certificate, and PEM back (nullptr when not a certificate).
std::string certificatePem(X509* cert);
Bytes certificateDer(X509* cert);
X509Ptr readCertificatePem(std::string_view pem);

/// `n` bytes of SHAKE-256("tscns-vcard/" label "/" seed as 8 big-endian bytes): the seeded
/// stream behind every deterministic choice of the personalization.
Bytes seededStream(std::uint64_t seed, std::string_view label, std::size_t n);

/// SHA-1 / SHA-256 of data.
Bytes sha1(ByteView data);
Bytes sha256(ByteView data);

/// Size of the RSA modulus in bytes.
std::size_t modulusBytes(EVP_PKEY* key);
/// Raw RSA private operation (RSA_NO_PADDING) on a modulus-length block; returns an empty
/// buffer when the block is not below the modulus.
Bytes rsaRawPrivate(EVP_PKEY* key, ByteView block);
/// PKCS#1 v1.5 block type 1 padding of `data` followed by the private operation (what
/// RSA_private_encrypt with RSA_PKCS1_PADDING does); empty when data is too long.
Bytes rsaPkcs1Sign(EVP_PKEY* key, ByteView data);
/// `n` random bytes from the default generator.
Bytes randomBytes(std::size_t n);

} // namespace tscns::vcard::ossl
