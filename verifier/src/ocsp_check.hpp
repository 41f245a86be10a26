// SPDX-License-Identifier: LGPL-2.1-or-later
// One OCSP exchange and the checks on its answer (private to the verifier).
#pragma once

#include "ossl.hpp"

#include "tscns/verifier/ocsp_client.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace tscns::verifier::detail {

struct OcspAnswer {
    enum class Status {
        Good,
        Revoked,
        Unknown, ///< the responder does not know the certificate (treated as revoked)
        Unusable, ///< unreachable, malformed, unauthorised, stale or without our nonce
    };
    Status status = Status::Unusable;
    std::string detail; ///< why Unusable / revocation time and reason
    std::string thisUpdate; ///< ISO 8601
    std::string nextUpdate;
};

struct OcspParams {
    TimePoint now;
    std::chrono::seconds skew;
    std::chrono::seconds maxAge;
    bool requireNonce = true;
};

/// Asks `url` about `cert` (issued by `issuer`): request with a random nonce (RFC 8954), then
/// checks the response status, the nonce, the signature and the responder's authorisation with
/// OCSP_basic_verify (the CA itself, or a delegate issued by it with id-kp-OCSPSigning, whose
/// path ends at one of `anchors`, validated at params.now), and thisUpdate/nextUpdate freshness.
OcspAnswer queryOcsp(OcspClient& client, const std::string& url, X509* cert, X509* issuer,
    const std::vector<ossl::X509Ptr>& anchors, STACK_OF(X509) * chain, const OcspParams& params);

/// The first OCSP responder URL of the certificate's AIA, or "".
std::string aiaOcspUrl(X509* cert);

} // namespace tscns::verifier::detail
