// SPDX-License-Identifier: LGPL-2.1-or-later
// Session-backed, single-use challenges for the login service (cns-auth.md §2, §5.3 step 1).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tscns::verifier {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;
/// Clock hook; an empty function means Clock::now.
using NowFunction = std::function<TimePoint()>;

/// What the login service stored when it issued a challenge.
struct ChallengeRecord {
    std::string challenge; ///< 43 characters of unpadded base64url
    std::string origin; ///< the expected origin (ASCII serialization)
    std::string context; ///< the purpose, e.g. "fse-login-2fa"
    TimePoint issuedAt;
    TimePoint expiresAt;
    /// The session's failure count including this attempt: take() charges one (see there).
    int failedAttempts = 0;
};

enum class TakeStatus {
    Taken, ///< the challenge was live; it is now deleted and returned
    Missing, ///< no session, or its challenge was already taken (replay) or never issued
    Expired, ///< the challenge had expired; it is deleted too
    TooManyAttempts, ///< the session was dropped after kMaxFailedAttempts failures
};

struct TakeResult {
    TakeStatus status = TakeStatus::Missing;
    std::optional<ChallengeRecord> record; ///< set for Taken and Expired
};

/// Challenge state keyed by the portal's pre-auth session ID, never by the challenge value
/// (cns-auth.md §2, §8.1: looking state up by the token's nonce enables login CSRF).
/// Implementations are safe to share between threads.
class ChallengeStore {
public:
    static constexpr std::chrono::seconds kDefaultTtl { 120 }; ///< §2 SHOULD
    static constexpr std::chrono::seconds kMaxTtl { 300 }; ///< §2 MUST NOT exceed 5 min
    static constexpr int kMaxFailedAttempts = 3; ///< §2: then the pre-auth session is dropped
    /// How long a session's failure counter (or a dropped session's marker) outlives its last
    /// activity, so that issuing a new challenge does not reset the count.
    static constexpr std::chrono::seconds kSessionRetention { 15 * 60 };
    static constexpr std::size_t kMaxSessionIdLength = 256;

    virtual ~ChallengeStore() = default;

    /// Issues a fresh challenge (32 CSPRNG bytes, base64url, 43 characters) for the session and
    /// stores it with origin, context and expiry; an outstanding challenge of the same session
    /// is replaced (invalidated). The failure count of the session is kept.
    /// Throws Error(BadArgument) for an empty or over-long session ID, ttl outside 1 s..5 min,
    /// an origin not in ASCII serialization (http is accepted here for development portals;
    /// the Verifier decides) or a context outside [a-z0-9-]{1,64}; Error(NotLoggedIn) when the
    /// session was dropped after kMaxFailedAttempts failures (start again from the first
    /// factor, with a new session ID).
    virtual std::string issue(std::string_view sessionId, std::string_view origin,
        std::string_view context, std::chrono::seconds ttl = kDefaultTtl)
        = 0;

    /// Get-and-delete and charge, in one atomic step: the challenge is removed whatever the
    /// status, before any cryptography, so it is single use even when verification fails; and
    /// when it was there (Taken or Expired) the same step counts one failed attempt, which a
    /// successful verification then forgets (endSession). So however many attempts run in
    /// parallel, at most kMaxFailedAttempts verifications can ever start for a session, and N
    /// failed attempts count exactly N. Concurrent takes of one challenge give exactly one
    /// Taken. record->failedAttempts is the count including this attempt; at
    /// kMaxFailedAttempts the session is dropped.
    virtual TakeResult take(std::string_view sessionId) = 0;

    /// Counts a failed attempt that did not go through take() (e.g. a TLS client certificate
    /// refused, or a verified card that is not the account's) and returns the new count; at
    /// kMaxFailedAttempts the session is dropped (take() answers TooManyAttempts, issue()
    /// refuses). Never call it for a failure of an attempt take() already charged.
    virtual int recordFailure(std::string_view sessionId) = 0;

    /// Forgets the session and its failure count (after a successful verification, which
    /// rotates the session ID, or at logout).
    virtual void endSession(std::string_view sessionId) = 0;

    /// Deletes state whose retention has passed; returns how many sessions were removed.
    /// issue() also purges, so calling this is optional.
    virtual std::size_t purgeExpired() = 0;

protected:
    /// For implementations: the argument checks issue() and take() document (BadArgument), and
    /// the NotLoggedIn error issue() throws for a dropped session.
    static void checkIssueArguments(std::string_view sessionId, std::string_view origin,
        std::string_view context, std::chrono::seconds ttl);
    static void checkSessionId(std::string_view sessionId);
    [[noreturn]] static void throwSessionDropped();
};

/// 32 bytes from OpenSSL's private CSPRNG (RAND_priv_bytes) as unpadded base64url.
/// Throws Error(Internal) when the generator fails.
std::string generateChallenge();

} // namespace tscns::verifier
