// SPDX-License-Identifier: LGPL-2.1-or-later
// Transport for OCSP requests (RFC 6960), kept behind an interface so tests use no network.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace tscns::verifier {

class OcspClient {
public:
    virtual ~OcspClient() = default;
    /// Sends the DER OCSPRequest `request` to the responder at `url` and returns the DER
    /// OCSPResponse, or nullopt when the responder cannot be reached or answers with something
    /// other than an OCSP response. Must not throw for network failures. May be called from
    /// several threads at once.
    virtual std::optional<Bytes> post(const std::string& url, ByteView request) = 0;
};

/// The default client: HTTP POST with OpenSSL's OSSL_HTTP_transfer (http:// URLs only, no
/// proxy, `timeout` for the whole exchange, response capped at 100 KiB). The Verifier only
/// calls it when a certificate names a responder (AIA) or one is configured.
std::shared_ptr<OcspClient> makeHttpOcspClient(
    std::chrono::seconds timeout = std::chrono::seconds(5));

} // namespace tscns::verifier
