// SPDX-License-Identifier: LGPL-2.1-or-later
// ChallengeStore in process memory (tests, single-process portals).
#pragma once

#include "tscns/verifier/challenge_store.hpp"

#include <map>
#include <mutex>

namespace tscns::verifier {

/// All state lives in one map guarded by one mutex; it is lost when the process ends.
class MemoryChallengeStore final : public ChallengeStore {
public:
    explicit MemoryChallengeStore(NowFunction now = {});

    std::string issue(std::string_view sessionId, std::string_view origin, std::string_view context,
        std::chrono::seconds ttl = kDefaultTtl) override;
    TakeResult take(std::string_view sessionId) override;
    int recordFailure(std::string_view sessionId) override;
    void endSession(std::string_view sessionId) override;
    std::size_t purgeExpired() override;

private:
    struct Session {
        std::optional<ChallengeRecord> live;
        int failedAttempts = 0;
        TimePoint retainUntil;
    };
    TimePoint now() const;
    std::size_t purgeLocked(TimePoint now);

    NowFunction now_;
    std::mutex mutex_;
    std::map<std::string, Session, std::less<>> sessions_;
};

} // namespace tscns::verifier
