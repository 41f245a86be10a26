// SPDX-License-Identifier: LGPL-2.1-or-later
// Challenge generation and the checks shared by the stores.
#include "store_common.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/validators.hpp"

#include <openssl/rand.h>

#include <array>

namespace tscns::verifier {

std::string generateChallenge()
{
    std::array<std::uint8_t, 32> bytes {};
    // The private DRBG: these bytes are a secret until the challenge is sent.
    if (RAND_priv_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw Error(Errc::Internal, "RAND_priv_bytes failed");
    std::string out = cnsauth::base64UrlEncode(bytes);
    secureWipe(bytes.data(), bytes.size());
    return out;
}

namespace detail {

    void checkSessionId(std::string_view sessionId)
    {
        if (sessionId.empty() || sessionId.size() > ChallengeStore::kMaxSessionIdLength)
            throw Error(Errc::BadArgument, "session ID must be 1-256 bytes");
    }

    void checkIssueArguments(std::string_view sessionId, std::string_view origin,
        std::string_view context, std::chrono::seconds ttl)
    {
        checkSessionId(sessionId);
        if (ttl < std::chrono::seconds(1) || ttl > ChallengeStore::kMaxTtl)
            throw Error(Errc::BadArgument,
                "challenge TTL must be 1 to 300 seconds (cns-auth.md §2), not "
                    + std::to_string(ttl.count()));
        cnsauth::validateOrigin(origin, true);
        cnsauth::validateContext(context);
    }

    void throwSessionDropped()
    {
        throw Error(Errc::NotLoggedIn,
            "pre-auth session dropped after 3 failed attempts: start again from the first factor");
    }

    TimePoint nowFrom(const NowFunction& now)
    {
        return now ? now() : Clock::now();
    }

} // namespace detail

void ChallengeStore::checkIssueArguments(std::string_view sessionId, std::string_view origin,
    std::string_view context, std::chrono::seconds ttl)
{
    detail::checkIssueArguments(sessionId, origin, context, ttl);
}

void ChallengeStore::checkSessionId(std::string_view sessionId)
{
    detail::checkSessionId(sessionId);
}

void ChallengeStore::throwSessionDropped()
{
    detail::throwSessionDropped();
}

} // namespace tscns::verifier
