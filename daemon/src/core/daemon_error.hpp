// SPDX-License-Identifier: LGPL-2.1-or-later
// Outcomes the daemon itself decides (request checks, concurrency, the user's answer), as opposed
// to card and reader failures, which arrive as tscns::Error. http_error.cpp maps both.
#pragma once

#include <exception>
#include <string>

namespace tscns::daemon {

/// Every failure the daemon raises on its own. http_error.cpp gives each an HTTP status and a
/// cns-auth.md §3.3 code.
enum class Problem {
    HostNotAllowed, ///< §3.4 step 1 (DNS rebinding)
    NotCanonical, ///< percent-encoding in the target, Host, Origin or another checked header
    OriginNotAllowed, ///< §3.4 step 2
    FetchMetadataRejected, ///< §3.4 step 3: Sec-Fetch-Site / Sec-Fetch-Mode
    ClientHeaderMissing, ///< §3.4 step 3: X-CNS-Client: 1
    ContentTypeWrong, ///< §3.4 step 3: Content-Type: application/json
    PreflightRejected, ///< §3.4 step 3: requested method or headers
    NotFound, ///< no such endpoint
    MethodNotAllowed, ///< endpoint exists, other method
    BodyTooLarge, ///< §3.1: 8 KiB
    BodyInvalid, ///< §3.4 step 4: JSON or schema
    Busy, ///< §3.4 step 5: one operation in flight
    RateLimited, ///< §3.4 step 5: per-origin limit
    CardMismatch, ///< §3.4 step 6: expected.cardId differs
    UserCancelled, ///< the user (or the page) cancelled the dialog
    UserTimeout, ///< the dialog was not answered in time
    ShuttingDown, ///< the daemon is stopping
    DialogFailed, ///< the PIN/consent dialog could not be shown
};

class DaemonError : public std::exception {
public:
    DaemonError(Problem problem, std::string message)
        : problem_(problem)
        , message_(std::move(message))
    {
    }
    [[nodiscard]] Problem problem() const noexcept { return problem_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }

private:
    Problem problem_;
    std::string message_;
};

} // namespace tscns::daemon
