// SPDX-License-Identifier: LGPL-2.1-or-later
// What a user (and the tools) need to know of an X.509 certificate, read with OpenSSL.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <string>
#include <vector>

namespace tscns::crypto {

struct CertificateInfo {
    std::string subject; ///< RFC 2253, e.g. "CN=…,OU=…,C=IT"
    std::string issuer; ///< RFC 2253
    std::string commonName; ///< subject CN (UTF-8), empty when absent
    std::string serialHex; ///< upper-case hex, no separators
    std::string notBefore; ///< ISO 8601 UTC, "2025-01-15T00:00:00Z"
    std::string notAfter;
    std::string keyType; ///< "RSA", "EC", …
    int keyBits = 0;
    std::vector<std::string> policies; ///< certificate policy OIDs (dotted)
    bool clientAuth = false; ///< extendedKeyUsage includes id-kp-clientAuth
    std::string sha256; ///< fingerprint of the DER, lower-case hex
    std::string pem;
};

/// Parses a DER certificate. Throws Error(BadArgument) when it is not one (trailing bytes after
/// the certificate are refused too).
CertificateInfo inspectCertificate(ByteView der);
/// PEM text of a DER certificate.
std::string certificateToPem(ByteView der);

} // namespace tscns::crypto
