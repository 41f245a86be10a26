// SPDX-License-Identifier: LGPL-2.1-or-later
// What the PKCS#11 objects need from the card's X.509 certificate, as DER pieces and key numbers.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <string>

namespace tscns::pkcs11 {

struct CertificateData {
    Bytes der; ///< the whole certificate (CKA_VALUE)
    Bytes subject; ///< DER Name (CKA_SUBJECT)
    Bytes issuer; ///< DER Name (CKA_ISSUER)
    Bytes serialNumber; ///< DER INTEGER, tag and length included (CKA_SERIAL_NUMBER)
    Bytes publicKeyInfo; ///< DER SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO)
    Bytes checkValue; ///< first 3 bytes of SHA-1 over der (CKA_CHECK_VALUE, PKCS#11 2.40 §4.6.3)
    std::string notBefore; ///< "YYYYMMDD" (CK_DATE), empty when unreadable
    std::string notAfter;

    bool isRsa = false;
    Bytes modulus; ///< big-endian, no leading zero (CKA_MODULUS)
    Bytes publicExponent; ///< big-endian (CKA_PUBLIC_EXPONENT)
    std::size_t modulusBits = 0;

    /// keyUsage digitalSignature or nonRepudiation, or no keyUsage extension at all.
    bool canSign = true;
    /// keyUsage keyEncipherment or dataEncipherment, or no keyUsage extension at all.
    bool canDecrypt = true;

    [[nodiscard]] std::size_t modulusBytes() const noexcept { return (modulusBits + 7) / 8; }
};

/// Parses a DER certificate with OpenSSL (the last one parsed is remembered). Throws
/// Error(CardData) when it is not one.
CertificateData parseCertificate(ByteView der);

} // namespace tscns::pkcs11
