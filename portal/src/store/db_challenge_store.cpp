// SPDX-License-Identifier: LGPL-2.1-or-later
// ChallengeStore rules (single use, TTL, three failures) as single SQL statements.
#include "store/db_challenge_store.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::portal {

using verifier::ChallengeRecord;
using verifier::Clock;
using verifier::TakeResult;
using verifier::TakeStatus;

namespace {
    std::int64_t toMs(verifier::TimePoint t)
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    }
    verifier::TimePoint fromMs(std::int64_t ms)
    {
        return verifier::TimePoint(
            std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
    }
    constexpr std::int64_t kRetentionMs = std::chrono::duration_cast<std::chrono::milliseconds>(
        verifier::ChallengeStore::kSessionRetention)
                                              .count();
} // namespace

DbChallengeStore::DbChallengeStore(Database& db, verifier::NowFunction now)
    : db_(db)
    , now_(std::move(now))
{
}

std::int64_t DbChallengeStore::nowMs() const
{
    return toMs(now_ ? now_() : Clock::now());
}

std::string DbChallengeStore::issue(std::string_view sessionId, std::string_view origin,
    std::string_view context, std::chrono::seconds ttl)
{
    checkIssueArguments(sessionId, origin, context, ttl);
    std::string challenge = verifier::generateChallenge();
    const std::int64_t t = nowMs();
    const std::int64_t expires
        = t + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
    purgeExpired();
    // Replaces an outstanding challenge, keeps the failure count, never revives a dropped login.
    const SqlResult r = db_.exec(
        "INSERT INTO cnsauth_challenges (login_id, challenge, origin, context, issued_at,"
        " expires_at, failed_attempts, dropped, retain_until) VALUES ($1, $2, $3, $4, $5, $6, 0,"
        " 0, $7) ON CONFLICT (login_id) DO UPDATE SET challenge = excluded.challenge,"
        " origin = excluded.origin, context = excluded.context, issued_at = excluded.issued_at,"
        " expires_at = excluded.expires_at, retain_until = excluded.retain_until"
        " WHERE cnsauth_challenges.dropped = 0",
        { std::string(sessionId), challenge, std::string(origin), std::string(context), t, expires,
            std::max(expires, t + kRetentionMs) });
    if (r.affected == 0) throwSessionDropped();
    return challenge;
}

TakeResult DbChallengeStore::take(std::string_view sessionId)
{
    checkSessionId(sessionId);
    const std::string id(sessionId);
    // Get-and-delete and charge the attempt in one statement (ChallengeStore::take): of
    // concurrent takes exactly one sees the challenge, and no more than kMaxFailedAttempts
    // verifications can start. RETURNING shows the new row, so the old challenge is moved to
    // taken_challenge (SET expressions read the old row).
    const SqlResult r = db_.exec(
        "UPDATE cnsauth_challenges SET taken_challenge = challenge, challenge = NULL,"
        " failed_attempts = cnsauth_challenges.failed_attempts + 1,"
        " dropped = CASE WHEN cnsauth_challenges.failed_attempts + 1 >= $2 THEN 1 ELSE 0 END"
        " WHERE login_id = $1 AND dropped = 0 AND challenge IS NOT NULL"
        " RETURNING taken_challenge, origin, context, issued_at, expires_at, failed_attempts",
        { id, std::int64_t { kMaxFailedAttempts } });
    TakeResult out;
    if (r.rows.empty()) {
        const SqlResult d
            = db_.exec("SELECT dropped FROM cnsauth_challenges WHERE login_id = $1", { id });
        out.status = !d.rows.empty() && d.rows[0].integer(0) != 0 ? TakeStatus::TooManyAttempts
                                                                  : TakeStatus::Missing;
        return out;
    }
    const SqlRow& row = r.rows[0];
    ChallengeRecord rec;
    rec.challenge = row.text(0);
    rec.origin = row.text(1);
    rec.context = row.text(2);
    rec.issuedAt = fromMs(row.integer(3));
    rec.expiresAt = fromMs(row.integer(4));
    rec.failedAttempts = static_cast<int>(row.integer(5));
    out.status = nowMs() >= row.integer(4) ? TakeStatus::Expired : TakeStatus::Taken;
    out.record = std::move(rec);
    return out;
}

int DbChallengeStore::recordFailure(std::string_view sessionId)
{
    checkSessionId(sessionId);
    const std::int64_t t = nowMs();
    const SqlResult r = db_.exec(
        "INSERT INTO cnsauth_challenges (login_id, failed_attempts, dropped, retain_until)"
        " VALUES ($1, 1, 0, $2) ON CONFLICT (login_id) DO UPDATE SET challenge = NULL,"
        " failed_attempts = cnsauth_challenges.failed_attempts + 1,"
        " taken_challenge = NULL,"
        " dropped = CASE WHEN cnsauth_challenges.failed_attempts + 1 >= $3 THEN 1 ELSE 0 END,"
        " retain_until = excluded.retain_until RETURNING failed_attempts",
        { std::string(sessionId), t + kRetentionMs, std::int64_t { kMaxFailedAttempts } });
    return r.rows.empty() ? 1 : static_cast<int>(r.rows[0].integer(0));
}

void DbChallengeStore::endSession(std::string_view sessionId)
{
    checkSessionId(sessionId);
    db_.exec("DELETE FROM cnsauth_challenges WHERE login_id = $1", { std::string(sessionId) });
}

std::size_t DbChallengeStore::purgeExpired()
{
    const SqlResult r
        = db_.exec("DELETE FROM cnsauth_challenges WHERE retain_until < $1", { nowMs() });
    return static_cast<std::size_t>(r.affected);
}

} // namespace tscns::portal
