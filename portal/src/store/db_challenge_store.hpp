// SPDX-License-Identifier: LGPL-2.1-or-later
// The verifier's ChallengeStore on the portal's database (SQLite or PostgreSQL), so that a login
// started on one portal instance can be completed on another.
#pragma once

#include "db/database.hpp"

#include "tscns/verifier/challenge_store.hpp"

namespace tscns::portal {

/// Table cnsauth_challenges, keyed by the login's ID (never by the challenge). Every
/// read-modify-write is one statement, so concurrent takes give exactly one Taken on both
/// backends.
class DbChallengeStore final : public verifier::ChallengeStore {
public:
    DbChallengeStore(Database& db, verifier::NowFunction now = {});

    std::string issue(std::string_view sessionId, std::string_view origin, std::string_view context,
        std::chrono::seconds ttl = kDefaultTtl) override;
    verifier::TakeResult take(std::string_view sessionId) override;
    int recordFailure(std::string_view sessionId) override;
    void endSession(std::string_view sessionId) override;
    std::size_t purgeExpired() override;

private:
    [[nodiscard]] std::int64_t nowMs() const;
    Database& db_;
    verifier::NowFunction now_;
};

} // namespace tscns::portal
