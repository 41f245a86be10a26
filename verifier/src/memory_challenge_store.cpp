// SPDX-License-Identifier: LGPL-2.1-or-later
// ChallengeStore in process memory.
#include "tscns/verifier/memory_challenge_store.hpp"

#include "store_common.hpp"

namespace tscns::verifier {

MemoryChallengeStore::MemoryChallengeStore(NowFunction now)
    : now_(std::move(now))
{
}

TimePoint MemoryChallengeStore::now() const
{
    return detail::nowFrom(now_);
}

std::size_t MemoryChallengeStore::purgeLocked(TimePoint now)
{
    return std::erase_if(
        sessions_, [now](const auto& item) { return item.second.retainUntil < now; });
}

std::string MemoryChallengeStore::issue(std::string_view sessionId, std::string_view origin,
    std::string_view context, std::chrono::seconds ttl)
{
    detail::checkIssueArguments(sessionId, origin, context, ttl);
    std::string challenge = generateChallenge();
    const TimePoint t = now();
    const std::lock_guard lock(mutex_);
    purgeLocked(t);
    Session& s = sessions_[std::string(sessionId)];
    if (s.failedAttempts >= kMaxFailedAttempts) detail::throwSessionDropped();
    s.live = ChallengeRecord { challenge, std::string(origin), std::string(context), t, t + ttl,
        s.failedAttempts };
    s.retainUntil = std::max(t + ttl, t + kSessionRetention);
    return challenge;
}

TakeResult MemoryChallengeStore::take(std::string_view sessionId)
{
    detail::checkSessionId(sessionId);
    const TimePoint t = now();
    const std::lock_guard lock(mutex_);
    const auto it = sessions_.find(sessionId);
    if (it == sessions_.end()) return { TakeStatus::Missing, std::nullopt };
    Session& s = it->second;
    std::optional<ChallengeRecord> record = std::move(s.live);
    s.live.reset(); // get-and-delete, whatever comes next
    if (s.failedAttempts >= kMaxFailedAttempts)
        return { TakeStatus::TooManyAttempts, std::nullopt };
    if (!record) return { TakeStatus::Missing, std::nullopt };
    // The attempt is charged now, before any cryptography (see ChallengeStore::take).
    ++s.failedAttempts;
    s.retainUntil = std::max(s.retainUntil, t + kSessionRetention);
    record->failedAttempts = s.failedAttempts;
    if (t >= record->expiresAt) return { TakeStatus::Expired, std::move(record) };
    return { TakeStatus::Taken, std::move(record) };
}

int MemoryChallengeStore::recordFailure(std::string_view sessionId)
{
    detail::checkSessionId(sessionId);
    const TimePoint t = now();
    const std::lock_guard lock(mutex_);
    Session& s = sessions_[std::string(sessionId)];
    s.live.reset();
    ++s.failedAttempts;
    s.retainUntil = std::max(s.retainUntil, t + kSessionRetention);
    return s.failedAttempts;
}

void MemoryChallengeStore::endSession(std::string_view sessionId)
{
    const std::lock_guard lock(mutex_);
    const auto it = sessions_.find(sessionId);
    if (it != sessions_.end()) sessions_.erase(it);
}

std::size_t MemoryChallengeStore::purgeExpired()
{
    const TimePoint t = now();
    const std::lock_guard lock(mutex_);
    return purgeLocked(t);
}

} // namespace tscns::verifier
