// SPDX-License-Identifier: LGPL-2.1-or-later
// ChallengeStore in an SQLite database file (the default for portals).
#pragma once

#include "tscns/verifier/challenge_store.hpp"

#include <filesystem>
#include <memory>
#include <string_view>

namespace tscns::verifier {

/// Makes `file` a regular file of mode 0600 whatever the umask: creates it so (with `create`) or
/// tightens an existing one; a missing file is fine without `create`. For SQLite files that hold
/// session state (this store, a login service's own database): call it before sqlite3_open, and
/// for the -wal/-shm files after. `what` names the file in the Error(BadArgument) it throws.
void restrictToOwner(const std::filesystem::path& file, bool create, std::string_view what);

/// One table, `cnsauth_sessions`, keyed by HMAC-SHA256 of the session ID (never the bearer value
/// itself) with a 32-byte key generated per store file and kept in it (`cnsauth_store_key`).
/// The file is created 0600 whatever the umask (an existing one is tightened to 0600, its
/// -wal/-shm files follow), and deleted content is overwritten (secure_delete). The database
/// runs in WAL mode with synchronous=FULL (a taken challenge stays taken after a crash), a 5 s
/// busy timeout, and prepared statements. Within a process one connection is shared under a
/// mutex; across processes every read-modify-write is one statement or one IMMEDIATE
/// transaction, so several workers may open the same file. take() reads, deletes the challenge
/// and charges the attempt in one IMMEDIATE transaction, so exactly one of any number of
/// concurrent takes gets the challenge and no more than kMaxFailedAttempts attempts can start.
/// A version 1 file (raw session IDs) is migrated in place on open, failure counts kept.
class SqliteChallengeStore final : public ChallengeStore {
public:
    /// Opens (creating if needed) the database file; ":memory:" gives a private in-memory
    /// database. Throws Error(BadArgument) when the file cannot be opened or made 0600, or has
    /// an unknown schema version, Error(Internal) on other SQLite failures.
    explicit SqliteChallengeStore(const std::filesystem::path& file, NowFunction now = {});
    ~SqliteChallengeStore() override;
    SqliteChallengeStore(const SqliteChallengeStore&) = delete;
    SqliteChallengeStore& operator=(const SqliteChallengeStore&) = delete;

    std::string issue(std::string_view sessionId, std::string_view origin, std::string_view context,
        std::chrono::seconds ttl = kDefaultTtl) override;
    TakeResult take(std::string_view sessionId) override;
    int recordFailure(std::string_view sessionId) override;
    void endSession(std::string_view sessionId) override;
    std::size_t purgeExpired() override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace tscns::verifier
