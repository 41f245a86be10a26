// SPDX-License-Identifier: LGPL-2.1-or-later
// ChallengeStore in SQLite: one table keyed by an HMAC of the session ID, prepared statements,
// WAL, a 0600 file.
#include "tscns/verifier/sqlite_challenge_store.hpp"

#include "store_common.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/error.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <sqlite3.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace tscns::verifier {

namespace {
    // 1: session_id held the raw session ID. 2: session_mac = HMAC-SHA256(key, session ID),
    // the key in cnsauth_store_key.
    constexpr int kSchemaVersion = 2;
    constexpr int kBusyTimeoutMs = 5000;
    constexpr std::size_t kKeySize = 32;
    using MacKey = std::array<unsigned char, kKeySize>;
    using Mac = std::array<unsigned char, 32>;

    // The session is identified by HMAC-SHA256(key, session ID), never by the bearer value
    // itself, so the file (or a copy of it) gives no usable session cookie; the key is
    // generated per store file. Times are milliseconds since the epoch. A row with a NULL
    // challenge is a session whose challenge was taken: it keeps the failure count until
    // retain_until.
    constexpr const char* kKeySchema = R"(
CREATE TABLE IF NOT EXISTS cnsauth_store_key (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  hmac_key BLOB    NOT NULL
);
)";
    constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS cnsauth_sessions (
  session_mac     BLOB    PRIMARY KEY NOT NULL,
  challenge       TEXT,
  origin          TEXT,
  context         TEXT,
  issued_at       INTEGER,
  expires_at      INTEGER,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  retain_until    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cnsauth_sessions_retain ON cnsauth_sessions (retain_until);
)";

    std::int64_t toMs(TimePoint t)
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    }

    TimePoint fromMs(std::int64_t ms)
    {
        return TimePoint(
            std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
    }

    Mac sessionMac(const MacKey& key, std::string_view sessionId)
    {
        Mac out {};
        unsigned int n = 0;
        if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                reinterpret_cast<const unsigned char*>(sessionId.data()), sessionId.size(),
                out.data(), &n)
                == nullptr
            || n != out.size())
            throw Error(Errc::Internal, "challenge store: HMAC-SHA256 failed");
        return out;
    }

    bool isFileDatabase(const std::filesystem::path& file)
    {
        return !file.empty() && file != ":memory:";
    }

    struct StmtFinalize {
        void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
    };
    using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;
} // namespace

void restrictToOwner(const std::filesystem::path& file, bool create, std::string_view what)
{
    const int fd = ::open(
        file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | (create ? O_CREAT : 0), 0600);
    if (fd < 0) {
        if (!create && errno == ENOENT) return;
        throw Error(Errc::BadArgument,
            std::string(what) + " " + file.string() + ": " + std::strerror(errno));
    }
    struct stat st { };
    const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
        && ((st.st_mode & 0777) == 0600 || ::fchmod(fd, 0600) == 0);
    const int saved = errno;
    ::close(fd);
    if (!ok)
        throw Error(Errc::BadArgument,
            std::string(what) + " " + file.string()
                + ": not a regular file that can be made mode 0600 (" + std::strerror(saved) + ")");
}

struct SqliteChallengeStore::Impl {
    sqlite3* db = nullptr;
    NowFunction now;
    MacKey key {};
    std::mutex mutex; // one connection, one statement sequence at a time
    StmtPtr begin, commit, rollback, purge, selectSession, upsertChallenge, clearChallenge,
        recordFailure, deleteSession;

    ~Impl()
    {
        // Statements first: sqlite3_close refuses a connection with live statements.
        begin.reset();
        commit.reset();
        rollback.reset();
        purge.reset();
        selectSession.reset();
        upsertChallenge.reset();
        clearChallenge.reset();
        recordFailure.reset();
        deleteSession.reset();
        if (db != nullptr) sqlite3_close(db);
        secureWipe(key.data(), key.size());
    }

    /// The store's HMAC key, generated on first use (inside the initialization transaction,
    /// so concurrent first openers agree on one key).
    void loadKey()
    {
        exec(kKeySchema);
        {
            StmtPtr select = prepare("SELECT hmac_key FROM cnsauth_store_key WHERE id = 1");
            const int rc = sqlite3_step(select.get());
            if (rc == SQLITE_ROW) {
                if (sqlite3_column_bytes(select.get(), 0) != static_cast<int>(key.size()))
                    throw Error(Errc::BadArgument, "challenge database: HMAC key damaged");
                std::memcpy(key.data(), sqlite3_column_blob(select.get(), 0), key.size());
                return;
            }
            if (rc != SQLITE_DONE) fail("read HMAC key");
        }
        if (RAND_priv_bytes(key.data(), static_cast<int>(key.size())) != 1)
            throw Error(Errc::Internal, "RAND_priv_bytes failed");
        StmtPtr insert = prepare("INSERT INTO cnsauth_store_key (id, hmac_key) VALUES (1, ?1)");
        if (sqlite3_bind_blob(
                insert.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT)
            != SQLITE_OK)
            fail("bind HMAC key");
        run(insert.get(), "store HMAC key");
    }

    /// Schema 1 -> 2: every raw session ID becomes its HMAC. Failure counters survive, so an
    /// upgrade gives nobody fresh attempts.
    void migrateFromVersion1()
    {
        exec("ALTER TABLE cnsauth_sessions RENAME TO cnsauth_sessions_v1");
        exec("DROP INDEX IF EXISTS cnsauth_sessions_retain");
        exec(kSchema);
        StmtPtr select
            = prepare("SELECT session_id, challenge, origin, context, issued_at, expires_at, "
                      "failed_attempts, retain_until FROM cnsauth_sessions_v1");
        StmtPtr insert = prepare(
            "INSERT OR REPLACE INTO cnsauth_sessions (session_mac, challenge, origin, context, "
            "issued_at, expires_at, failed_attempts, retain_until) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        int rc = 0;
        while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
            const auto* id = static_cast<const char*>(sqlite3_column_blob(select.get(), 0));
            const auto n = static_cast<std::size_t>(sqlite3_column_bytes(select.get(), 0));
            const Mac mac = sessionMac(key, std::string_view(id == nullptr ? "" : id, n));
            sqlite3_bind_blob(
                insert.get(), 1, mac.data(), static_cast<int>(mac.size()), SQLITE_TRANSIENT);
            for (int c = 1; c < 8; ++c)
                sqlite3_bind_value(insert.get(), c + 1, sqlite3_column_value(select.get(), c));
            run(insert.get(), "migrate session");
        }
        if (rc != SQLITE_DONE) fail("read version 1 sessions");
        select.reset();
        insert.reset();
        exec("DROP TABLE cnsauth_sessions_v1");
    }

    /// WAL, synchronous=FULL, busy timeout, schema check and creation.
    void initialize(const std::filesystem::path& file)
    {
        sqlite3_busy_timeout(db, kBusyTimeoutMs);
        sqlite3_extended_result_codes(db, 1);

        {
            // journal_mode answers with the mode in force: "wal", or "memory" for ":memory:".
            StmtPtr wal = prepare("PRAGMA journal_mode=WAL");
            const int rc = sqlite3_step(wal.get());
            const std::string mode = rc == SQLITE_ROW ? Impl::columnText(wal.get(), 0) : "";
            if (mode != "wal" && mode != "memory")
                throw Error(Errc::BadArgument,
                    "challenge database " + file.string() + ": cannot use WAL mode (" + mode + ")");
        }
        // FULL: a taken challenge must stay taken after a power loss (single use, §2).
        exec("PRAGMA synchronous=FULL");
        // Deleted content (taken challenges, migrated raw session IDs) is overwritten.
        exec("PRAGMA secure_delete=ON");
        {
            StmtPtr version = prepare("PRAGMA user_version");
            if (sqlite3_step(version.get()) != SQLITE_ROW) fail("read user_version");
            const int v = sqlite3_column_int(version.get(), 0);
            if (v != 0 && v != 1 && v != kSchemaVersion)
                throw Error(Errc::BadArgument,
                    "challenge database " + file.string() + " has schema version "
                        + std::to_string(v) + ", this version reads 1 (migrated) and "
                        + std::to_string(kSchemaVersion));
        }
        exec("BEGIN IMMEDIATE");
        bool migrated = false;
        try {
            loadKey();
            // Read again under the write lock: another process may have just migrated.
            StmtPtr version = prepare("PRAGMA user_version");
            if (sqlite3_step(version.get()) != SQLITE_ROW) fail("read user_version");
            const int v = sqlite3_column_int(version.get(), 0);
            version.reset();
            if (v == 1) {
                migrateFromVersion1();
                migrated = true;
            } else {
                exec(kSchema);
            }
            exec("PRAGMA user_version = 2");
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
        // The old raw IDs may still sit in WAL frames: write them back and empty the WAL.
        if (migrated) exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(Errc::Internal, "challenge store: " + what + ": " + sqlite3_errmsg(db));
    }

    void exec(const char* sql)
    {
        char* msg = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
            const std::string text = msg != nullptr ? msg : "unknown error";
            sqlite3_free(msg);
            throw Error(Errc::Internal, "challenge store: " + text);
        }
    }

    StmtPtr prepare(const char* sql)
    {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
            fail(std::string("prepare \"") + sql + "\"");
        return StmtPtr(s);
    }

    /// Runs a statement that returns no row.
    void run(sqlite3_stmt* s, const char* what)
    {
        const int rc = sqlite3_step(s);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (rc != SQLITE_DONE) fail(what);
    }

    /// Binds HMAC(key, session ID): the only form in which a session ID reaches the file.
    void bindSession(sqlite3_stmt* s, int index, std::string_view sessionId)
    {
        const Mac mac = sessionMac(key, sessionId);
        if (sqlite3_bind_blob(s, index, mac.data(), static_cast<int>(mac.size()), SQLITE_TRANSIENT)
            != SQLITE_OK)
            fail("bind session MAC");
    }

    void bindText(sqlite3_stmt* s, int index, std::string_view text)
    {
        if (sqlite3_bind_text(
                s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT)
            != SQLITE_OK)
            fail("bind text");
    }

    void bindTime(sqlite3_stmt* s, int index, TimePoint t)
    {
        if (sqlite3_bind_int64(s, index, toMs(t)) != SQLITE_OK) fail("bind time");
    }

    static std::string columnText(sqlite3_stmt* s, int column)
    {
        const unsigned char* p = sqlite3_column_text(s, column);
        const int n = sqlite3_column_bytes(s, column);
        return p != nullptr
            ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
            : std::string();
    }

    /// BEGIN IMMEDIATE (the write lock up front, so read-then-write sequences of several
    /// processes cannot interleave) ... COMMIT, or ROLLBACK when left without commit().
    class Transaction {
    public:
        explicit Transaction(Impl& impl)
            : impl_(impl)
        {
            impl_.run(impl_.begin.get(), "BEGIN IMMEDIATE");
        }
        ~Transaction()
        {
            if (!done_) {
                sqlite3_step(impl_.rollback.get()); // destructors never throw
                sqlite3_reset(impl_.rollback.get());
            }
        }
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;

        void commit()
        {
            impl_.run(impl_.commit.get(), "COMMIT");
            done_ = true;
        }

    private:
        Impl& impl_;
        bool done_ = false;
    };
};

SqliteChallengeStore::SqliteChallengeStore(const std::filesystem::path& file, NowFunction now)
    : impl_(std::make_unique<Impl>())
{
    impl_->now = std::move(now);
    if (isFileDatabase(file)) {
        // Created (or tightened) 0600 by us whatever the umask; SQLite gives the -wal and -shm
        // files the main file's mode, and existing ones of an older version are tightened too.
        restrictToOwner(file, true, "challenge database");
        restrictToOwner(file.string() + "-wal", false, "challenge database");
        restrictToOwner(file.string() + "-shm", false, "challenge database");
    }
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(file.c_str(), &impl_->db, flags, nullptr) != SQLITE_OK)
        throw Error(Errc::BadArgument,
            "cannot open challenge database " + file.string() + ": "
                + (impl_->db != nullptr ? sqlite3_errmsg(impl_->db) : "out of memory"));
    try {
        impl_->initialize(file);
    } catch (const Error& e) {
        // Whatever fails while setting the database up is a file that cannot serve as a store.
        if (e.code() == Errc::Internal)
            throw Error(
                Errc::BadArgument, "challenge database " + file.string() + ": " + e.message());
        throw;
    }
    impl_->begin = impl_->prepare("BEGIN IMMEDIATE");
    impl_->commit = impl_->prepare("COMMIT");
    impl_->rollback = impl_->prepare("ROLLBACK");
    impl_->purge = impl_->prepare("DELETE FROM cnsauth_sessions WHERE retain_until < ?1");
    impl_->selectSession = impl_->prepare(
        "SELECT challenge, origin, context, issued_at, expires_at, failed_attempts "
        "FROM cnsauth_sessions WHERE session_mac = ?1");
    impl_->upsertChallenge = impl_->prepare(
        "INSERT INTO cnsauth_sessions (session_mac, challenge, origin, context, issued_at, "
        "expires_at, failed_attempts, retain_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7) "
        "ON CONFLICT (session_mac) DO UPDATE SET challenge = excluded.challenge, "
        "origin = excluded.origin, context = excluded.context, issued_at = excluded.issued_at, "
        "expires_at = excluded.expires_at, "
        "retain_until = max(retain_until, excluded.retain_until)");
    // Get-and-delete and charge the attempt, in take()'s IMMEDIATE transaction.
    impl_->clearChallenge = impl_->prepare(
        "UPDATE cnsauth_sessions SET challenge = NULL, failed_attempts = failed_attempts + 1, "
        "retain_until = max(retain_until, ?2) WHERE session_mac = ?1");
    impl_->recordFailure = impl_->prepare(
        "INSERT INTO cnsauth_sessions (session_mac, failed_attempts, retain_until) "
        "VALUES (?1, 1, ?2) ON CONFLICT (session_mac) DO UPDATE SET challenge = NULL, "
        "failed_attempts = failed_attempts + 1, "
        "retain_until = max(retain_until, excluded.retain_until) RETURNING failed_attempts");
    impl_->deleteSession = impl_->prepare("DELETE FROM cnsauth_sessions WHERE session_mac = ?1");
}

SqliteChallengeStore::~SqliteChallengeStore() = default;

std::string SqliteChallengeStore::issue(std::string_view sessionId, std::string_view origin,
    std::string_view context, std::chrono::seconds ttl)
{
    detail::checkIssueArguments(sessionId, origin, context, ttl);
    std::string challenge = generateChallenge();
    const TimePoint t = detail::nowFrom(impl_->now);
    Impl& d = *impl_;
    const std::lock_guard lock(d.mutex);
    Impl::Transaction tx(d);
    d.bindTime(d.purge.get(), 1, t);
    d.run(d.purge.get(), "purge");

    sqlite3_stmt* s = d.selectSession.get();
    d.bindSession(s, 1, sessionId);
    const int rc = sqlite3_step(s);
    const int failed = rc == SQLITE_ROW ? sqlite3_column_int(s, 5) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) d.fail("read session");
    if (failed >= kMaxFailedAttempts) detail::throwSessionDropped(); // rolls back

    s = d.upsertChallenge.get();
    d.bindSession(s, 1, sessionId);
    d.bindText(s, 2, challenge);
    d.bindText(s, 3, origin);
    d.bindText(s, 4, context);
    d.bindTime(s, 5, t);
    d.bindTime(s, 6, t + ttl);
    d.bindTime(s, 7, std::max(t + ttl, t + kSessionRetention));
    d.run(s, "store challenge");
    tx.commit();
    return challenge;
}

TakeResult SqliteChallengeStore::take(std::string_view sessionId)
{
    detail::checkSessionId(sessionId);
    const TimePoint t = detail::nowFrom(impl_->now);
    Impl& d = *impl_;
    const std::lock_guard lock(d.mutex);
    Impl::Transaction tx(d);

    sqlite3_stmt* s = d.selectSession.get();
    d.bindSession(s, 1, sessionId);
    const int rc = sqlite3_step(s);
    bool live = false;
    ChallengeRecord record;
    if (rc == SQLITE_ROW) {
        live = sqlite3_column_type(s, 0) != SQLITE_NULL;
        record.challenge = Impl::columnText(s, 0);
        record.origin = Impl::columnText(s, 1);
        record.context = Impl::columnText(s, 2);
        record.issuedAt = fromMs(sqlite3_column_int64(s, 3));
        record.expiresAt = fromMs(sqlite3_column_int64(s, 4));
        record.failedAttempts = sqlite3_column_int(s, 5);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) d.fail("read session");
    if (rc == SQLITE_DONE) return { TakeStatus::Missing, std::nullopt };

    // A dropped session has no live challenge (issue() refuses, the charging take cleared it).
    if (record.failedAttempts >= kMaxFailedAttempts)
        return { TakeStatus::TooManyAttempts, std::nullopt };
    if (!live) return { TakeStatus::Missing, std::nullopt }; // nothing to write: rolls back
    // Get-and-delete and count the attempt in the same transaction, before anything else looks
    // at the challenge: parallel attempts cannot exceed kMaxFailedAttempts.
    d.bindSession(d.clearChallenge.get(), 1, sessionId);
    d.bindTime(d.clearChallenge.get(), 2, t + kSessionRetention);
    d.run(d.clearChallenge.get(), "take challenge");
    tx.commit();
    ++record.failedAttempts;
    if (t >= record.expiresAt) return { TakeStatus::Expired, std::move(record) };
    return { TakeStatus::Taken, std::move(record) };
}

int SqliteChallengeStore::recordFailure(std::string_view sessionId)
{
    detail::checkSessionId(sessionId);
    const TimePoint t = detail::nowFrom(impl_->now);
    Impl& d = *impl_;
    const std::lock_guard lock(d.mutex);
    sqlite3_stmt* s = d.recordFailure.get();
    d.bindSession(s, 1, sessionId);
    d.bindTime(s, 2, t + kSessionRetention);
    int rc = sqlite3_step(s);
    const int count = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    if (rc == SQLITE_ROW) rc = sqlite3_step(s); // runs the statement to completion
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE || count < 0) d.fail("record failure");
    return count;
}

void SqliteChallengeStore::endSession(std::string_view sessionId)
{
    detail::checkSessionId(sessionId);
    Impl& d = *impl_;
    const std::lock_guard lock(d.mutex);
    d.bindSession(d.deleteSession.get(), 1, sessionId);
    d.run(d.deleteSession.get(), "end session");
}

std::size_t SqliteChallengeStore::purgeExpired()
{
    const TimePoint t = detail::nowFrom(impl_->now);
    Impl& d = *impl_;
    const std::lock_guard lock(d.mutex);
    d.bindTime(d.purge.get(), 1, t);
    d.run(d.purge.get(), "purge");
    return static_cast<std::size_t>(sqlite3_changes(d.db));
}

} // namespace tscns::verifier
