// SPDX-License-Identifier: LGPL-2.1-or-later
// ChallengeStore: the in-memory and SQLite implementations against the same rules (cns-auth.md
// §2): 43-character CSPRNG challenges, get-and-delete, TTL, 3 failures, persistence, races.
#include "fixture.hpp"
#include "groups.hpp"

#include "tscns/cnsauth/validators.hpp"
#include "tscns/verifier/memory_challenge_store.hpp"
#include "tscns/verifier/sqlite_challenge_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

// Last: it brings cmocka, whose fail() macro clashes with standard headers.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::verifier;
using namespace tscns::verifier::test;
using tscns::test::Checker;
using namespace std::chrono_literals;

namespace {

enum class Kind { Memory, Sqlite };

struct StoreFixture {
    Kind kind = Kind::Memory;
    std::filesystem::path dir;
    TimePoint now = Clock::from_time_t(1'800'000'000);
    std::unique_ptr<ChallengeStore> store;

    [[nodiscard]] std::filesystem::path dbFile() const { return dir / "challenges.sqlite"; }
    NowFunction clock()
    {
        return [this] { return now; };
    }
    std::unique_ptr<ChallengeStore> open()
    {
        if (kind == Kind::Memory) return std::make_unique<MemoryChallengeStore>(clock());
        return std::make_unique<SqliteChallengeStore>(dbFile(), clock());
    }
};

StoreFixture* fx(void** state)
{
    return static_cast<StoreFixture*>(*state);
}

int setupFor(void** state, Kind kind)
{
    auto* f = new StoreFixture;
    f->kind = kind;
    try {
        f->dir = makeTempDir("tscns-store");
        f->store = f->open();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "store setup failed: %s\n", e.what());
        removeTree(f->dir);
        delete f;
        return -1;
    }
    *state = f;
    return 0;
}

int memorySetup(void** state)
{
    return setupFor(state, Kind::Memory);
}

int sqliteSetup(void** state)
{
    return setupFor(state, Kind::Sqlite);
}

int storeTeardown(void** state)
{
    auto* f = fx(state);
    f->store.reset();
    removeTree(f->dir);
    delete f;
    return 0;
}

constexpr std::string_view kSession = "session-0001";

void store_issue_returnsFreshBase64UrlChallenges(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        std::set<std::string> seen;
        for (int i = 0; i < 50; ++i) {
            const std::string ch = f->store->issue("s" + std::to_string(i), kOrigin, kContext);
            c.eq(ch.size(), 43, "43 characters");
            c.that(cnsauth::isValidChallenge(ch), "base64url");
            c.that(seen.insert(ch).second, "never repeats");
        }
        c.that(generateChallenge() != generateChallenge(), "generateChallenge is random");
    });
}

void store_take_isGetAndDelete(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = f->store->issue(kSession, kOrigin, kContext);
        f->now += 10s;
        const TakeResult first = f->store->take(kSession);
        c.eq(first.status, TakeStatus::Taken, "first take");
        c.that(first.record.has_value(), "record");
        if (first.record) {
            c.eq(first.record->challenge, ch, "challenge");
            c.eq(first.record->origin, kOrigin, "origin");
            c.eq(first.record->context, kContext, "context");
            c.that(first.record->expiresAt - first.record->issuedAt == 120s, "default TTL 120 s");
        }
        c.eq(f->store->take(kSession).status, TakeStatus::Missing, "second take (replay)");
        c.eq(f->store->take("never-issued").status, TakeStatus::Missing, "unknown session");
    });
}

void store_take_expiredChallenge(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        (void)f->store->issue(kSession, kOrigin, kContext, 60s);
        f->now += 60s;
        const TakeResult r = f->store->take(kSession);
        c.eq(r.status, TakeStatus::Expired, "at the TTL");
        c.eq(f->store->take(kSession).status, TakeStatus::Missing, "deleted anyway");
        (void)f->store->issue(kSession, kOrigin, kContext, 60s);
        f->now += 59s;
        c.eq(f->store->take(kSession).status, TakeStatus::Taken, "just before the TTL");
    });
}

void store_issue_ttlAndArgumentsChecked(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        c.throws(
            Errc::BadArgument, [&] { (void)f->store->issue(kSession, kOrigin, kContext, 301s); },
            "TTL above 5 min");
        c.throws(
            Errc::BadArgument, [&] { (void)f->store->issue(kSession, kOrigin, kContext, 0s); },
            "zero TTL");
        c.noThrow([&] { (void)f->store->issue(kSession, kOrigin, kContext, 300s); }, "5 min");
        c.throws(
            Errc::BadArgument, [&] { (void)f->store->issue("", kOrigin, kContext); },
            "empty session ID");
        c.throws(
            Errc::BadArgument,
            [&] { (void)f->store->issue(kSession, "https://fse.example.it/", kContext); },
            "origin with a slash");
        c.throws(
            Errc::BadArgument, [&] { (void)f->store->issue(kSession, kOrigin, "Login"); },
            "bad context");
    });
}

void store_reissue_invalidatesPreviousChallenge(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string first = f->store->issue(kSession, kOrigin, kContext);
        const std::string second = f->store->issue(kSession, kOrigin, "step-up-payment");
        const TakeResult r = f->store->take(kSession);
        c.eq(r.status, TakeStatus::Taken, "taken");
        if (r.record) {
            c.eq(r.record->challenge, second, "the newer challenge");
            c.eq(r.record->context, "step-up-payment", "its context");
        }
        c.that(first != second, "fresh challenge");
        (void)f->store->issue("other", kOrigin, kContext);
        c.eq(f->store->take(kSession).status, TakeStatus::Missing, "sessions are separate");
        c.eq(f->store->take("other").status, TakeStatus::Taken, "other session untouched");
    });
}

void store_threeFailures_dropSession(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (int i = 1; i <= 3; ++i) {
            (void)f->store->issue(kSession, kOrigin, kContext);
            const TakeResult r = f->store->take(kSession);
            c.eq(r.status, TakeStatus::Taken, "attempt " + std::to_string(i));
            // The take itself charged the attempt (before any verification ran).
            if (r.record) c.eq(r.record->failedAttempts, i, "charged by the take");
        }
        c.eq(f->store->take(kSession).status, TakeStatus::TooManyAttempts, "dropped");
        c.throws(
            Errc::NotLoggedIn, [&] { (void)f->store->issue(kSession, kOrigin, kContext); },
            "no new challenge for a dropped session", "3 failed attempts");
        f->now += ChallengeStore::kSessionRetention + 1s;
        c.eq(f->store->purgeExpired(), 1, "purged after the retention");
        c.noThrow([&] { (void)f->store->issue(kSession, kOrigin, kContext); }, "fresh start");
    });
}

void store_endSession_forgetsFailures(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        (void)f->store->issue(kSession, kOrigin, kContext);
        c.eq(f->store->recordFailure(kSession), 1, "one failure");
        f->store->endSession(kSession);
        c.eq(f->store->take(kSession).status, TakeStatus::Missing, "ended");
        c.eq(f->store->recordFailure(kSession), 1, "counter restarted");
    });
}

// 8 threads race for one challenge: exactly one gets it. Results are recorded per thread and
// checked on the main thread after join (docs/development.md §6).
std::array<TakeStatus, 8> race(const std::function<TakeStatus(int)>& takeFor)
{
    std::array<TakeStatus, 8> results {};
    std::atomic<bool> go { false };
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            while (!go.load())
                std::this_thread::yield();
            try {
                results[static_cast<std::size_t>(i)] = takeFor(i);
            } catch (...) {
                results[static_cast<std::size_t>(i)] = TakeStatus::TooManyAttempts; // marks errors
            }
        });
    go = true;
    for (auto& t : threads)
        t.join();
    return results;
}

void store_concurrentTakes_exactlyOneWinner(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (int round = 0; round < 20; ++round) {
            // A session per round: every winning take charges an attempt.
            const std::string sid = "race-" + std::to_string(round);
            (void)f->store->issue(sid, kOrigin, kContext);
            const auto results = race([&](int) { return f->store->take(sid).status; });
            int taken = 0;
            int missing = 0;
            for (TakeStatus s : results) {
                taken += s == TakeStatus::Taken ? 1 : 0;
                missing += s == TakeStatus::Missing ? 1 : 0;
            }
            c.eq(taken, 1, "one winner in round " + std::to_string(round));
            c.eq(missing, 7, "seven replays in round " + std::to_string(round));
        }
    });
}

void sqlite_concurrentConnections_exactlyOneWinner(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        // One connection per thread, as several portal worker processes would have.
        std::vector<std::unique_ptr<ChallengeStore>> stores;
        for (int i = 0; i < 8; ++i)
            stores.push_back(f->open());
        for (int round = 0; round < 5; ++round) {
            const std::string sid = "race-" + std::to_string(round);
            (void)f->store->issue(sid, kOrigin, kContext);
            const auto results = race(
                [&](int i) { return stores[static_cast<std::size_t>(i)]->take(sid).status; });
            int taken = 0;
            int missing = 0;
            for (TakeStatus s : results) {
                taken += s == TakeStatus::Taken ? 1 : 0;
                missing += s == TakeStatus::Missing ? 1 : 0;
            }
            c.eq(taken, 1, "one winner across connections, round " + std::to_string(round));
            c.eq(missing, 7, "no errors, round " + std::to_string(round));
        }
    });
}

// 8 threads (on 8 connections for SQLite) keep trying to log in on one session, each attempt
// failing: issue, take, (verification fails). However they interleave, at most 3 attempts ever
// reach verification, and the count is exactly the number that did.
void store_parallelFailingAttempts_neverExceedLimit(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        std::vector<std::unique_ptr<ChallengeStore>> extra;
        std::vector<ChallengeStore*> stores;
        for (int i = 0; i < 8; ++i) {
            if (f->kind == Kind::Sqlite) {
                extra.push_back(f->open());
                stores.push_back(extra.back().get());
            } else {
                stores.push_back(f->store.get());
            }
        }
        std::array<int, 8> reached {};
        std::array<int, 8> errors {};
        std::atomic<bool> go { false };
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                const auto n = static_cast<std::size_t>(i);
                while (!go.load())
                    std::this_thread::yield();
                for (int attempt = 0; attempt < 50; ++attempt) {
                    try {
                        (void)stores[n]->issue(kSession, kOrigin, kContext);
                    } catch (const Error& e) {
                        if (e.code() != Errc::NotLoggedIn) ++errors[n];
                        break; // dropped
                    } catch (...) {
                        ++errors[n];
                        break;
                    }
                    try {
                        const TakeResult r = stores[n]->take(kSession);
                        if (r.status == TakeStatus::Taken || r.status == TakeStatus::Expired)
                            ++reached[n]; // a verification would run here, and fail
                        if (r.status == TakeStatus::TooManyAttempts) break;
                    } catch (...) {
                        ++errors[n];
                        break;
                    }
                }
            });
        go = true;
        for (auto& t : threads)
            t.join();
        int total = 0;
        for (std::size_t i = 0; i < reached.size(); ++i) {
            total += reached[i];
            c.eq(errors[i], 0, "no store errors in thread " + std::to_string(i));
        }
        c.eq(total, ChallengeStore::kMaxFailedAttempts, "exactly the limit reached verification");
        c.eq(f->store->take(kSession).status, TakeStatus::TooManyAttempts, "dropped");
        c.eq(f->store->recordFailure(kSession), total + 1, "counted exactly once each");
    });
}

// N parallel failure reports (several connections for SQLite) count exactly N.
void store_parallelRecordFailure_countsExactly(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        std::vector<std::unique_ptr<ChallengeStore>> extra;
        for (int i = 0; i < 4 && f->kind == Kind::Sqlite; ++i)
            extra.push_back(f->open());
        std::array<std::vector<int>, 8> seen {};
        std::atomic<bool> go { false };
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                const auto n = static_cast<std::size_t>(i);
                ChallengeStore& s = extra.empty() ? *f->store : *extra[n % extra.size()];
                while (!go.load())
                    std::this_thread::yield();
                for (int k = 0; k < 5; ++k) {
                    try {
                        seen[n].push_back(s.recordFailure("parallel"));
                    } catch (...) {
                        seen[n].push_back(-1);
                    }
                }
            });
        go = true;
        for (auto& t : threads)
            t.join();
        std::set<int> all;
        std::size_t count = 0;
        for (const auto& v : seen) {
            count += v.size();
            all.insert(v.begin(), v.end());
        }
        c.eq(count, 40, "40 reports");
        c.eq(all.size(), 40, "40 distinct counts: no lost update");
        c.that(!all.empty() && *all.begin() == 1 && *all.rbegin() == 40, "counts 1..40");
    });
}

bool fileContains(const std::filesystem::path& p, std::string_view needle)
{
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str().find(needle) != std::string::npos;
}

int modeOf(const std::filesystem::path& p)
{
    struct stat st { };
    return ::stat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

constexpr std::string_view kBearer = "bearer-SESSION-ID-7f3a9c1e5b2d";

void sqlite_file_privateAndWithoutSessionIds(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::filesystem::path db = f->dir / "private.sqlite";
        const mode_t old = ::umask(0); // a permissive umask must not matter
        std::unique_ptr<ChallengeStore> s;
        try {
            s = std::make_unique<SqliteChallengeStore>(db, f->clock());
        } catch (...) {
        }
        ::umask(old);
        c.that(s != nullptr, "opened with umask 0");
        if (!s) return;
        (void)s->issue(kBearer, kOrigin, kContext);
        c.eq(s->take(kBearer).status, TakeStatus::Taken, "the store works by session ID");
        (void)s->recordFailure(kBearer);
        (void)s->issue(kBearer, kOrigin, kContext);
        for (const char* suffix : { "", "-wal", "-shm" }) {
            const std::filesystem::path p = db.string() + suffix;
            c.eq(modeOf(p), 0600, p.filename().string() + " is mode 0600");
            c.that(!fileContains(p, kBearer),
                p.filename().string() + " does not contain the session ID");
        }
        s.reset(); // checkpoint into the main file
        c.that(!fileContains(db, kBearer), "nor after the checkpoint");
        c.eq(modeOf(db), 0600, "still 0600");
        // An existing world-readable file is tightened.
        ::chmod(db.c_str(), 0644);
        c.noThrow([&] { s = std::make_unique<SqliteChallengeStore>(db, f->clock()); }, "reopen");
        c.eq(modeOf(db), 0600, "tightened to 0600");
        if (s) c.eq(s->take(kBearer).status, TakeStatus::Taken, "state kept across reopen");
        s.reset();
    });
}

// A schema 1 file (raw session IDs) is migrated in place: state kept, the raw IDs gone.
void sqlite_version1File_migrated(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::filesystem::path db = f->dir / "v1.sqlite";
        const std::int64_t nowMs
            = std::chrono::duration_cast<std::chrono::milliseconds>(f->now.time_since_epoch())
                  .count();
        const std::string later = std::to_string(nowMs + 60'000);
        const std::string retain = std::to_string(nowMs + 900'000);
        const std::string sql = "PRAGMA user_version = 1;"
                                "CREATE TABLE cnsauth_sessions (session_id BLOB PRIMARY KEY NOT "
                                "NULL, challenge TEXT, origin TEXT, context TEXT, issued_at "
                                "INTEGER, expires_at INTEGER, failed_attempts INTEGER NOT NULL "
                                "DEFAULT 0, retain_until INTEGER NOT NULL) WITHOUT ROWID;"
                                "CREATE INDEX cnsauth_sessions_retain ON cnsauth_sessions "
                                "(retain_until);"
                                "INSERT INTO cnsauth_sessions VALUES (CAST('"
            + std::string(kBearer) + "' AS BLOB), '" + fixedChallenge(1) + "', '"
            + std::string(kOrigin) + "', '" + std::string(kContext) + "', " + std::to_string(nowMs)
            + ", " + later + ", 0, " + retain
            + ");"
              "INSERT INTO cnsauth_sessions VALUES (CAST('old-failing' AS BLOB), NULL, NULL, "
              "NULL, NULL, NULL, 2, "
            + retain + ");";
        sqlite3* raw = nullptr;
        const bool made = sqlite3_open(db.c_str(), &raw) == SQLITE_OK
            && sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
        sqlite3_close(raw);
        c.that(made, "version 1 file written");
        c.that(fileContains(db, kBearer), "it holds the raw session ID");
        std::unique_ptr<ChallengeStore> s;
        c.noThrow([&] { s = std::make_unique<SqliteChallengeStore>(db, f->clock()); }, "migrated");
        if (!s) return;
        const TakeResult r = s->take(kBearer);
        c.eq(r.status, TakeStatus::Taken, "the live challenge survives");
        if (r.record) c.eq(r.record->challenge, fixedChallenge(1), "same challenge");
        (void)s->issue("old-failing", kOrigin, kContext);
        const TakeResult third = s->take("old-failing");
        if (third.record) c.eq(third.record->failedAttempts, 3, "failure count survives");
        c.throws(
            Errc::NotLoggedIn, [&] { (void)s->issue("old-failing", kOrigin, kContext); },
            "dropped at 3, as before the upgrade");
        s.reset();
        c.that(!fileContains(db, kBearer), "the raw session ID is gone from the file");
        c.that(!fileContains(db.string() + "-wal", kBearer), "and from the WAL");
        raw = nullptr;
        const bool newer = sqlite3_open(db.c_str(), &raw) == SQLITE_OK
            && sqlite3_exec(raw, "PRAGMA user_version = 9", nullptr, nullptr, nullptr) == SQLITE_OK;
        sqlite3_close(raw);
        c.that(newer, "version set to 9");
        c.throws(
            Errc::BadArgument, [&] { SqliteChallengeStore s9(db); }, "an unknown version refused",
            "schema version 9");
    });
}

void sqlite_reopen_persistsState(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = f->store->issue(kSession, kOrigin, kContext);
        (void)f->store->issue("used", kOrigin, kContext);
        c.eq(f->store->take("used").status, TakeStatus::Taken, "taken before the restart");
        (void)f->store->issue("failing", kOrigin, kContext);
        (void)f->store->recordFailure("failing");
        (void)f->store->recordFailure("failing");
        f->store.reset(); // "restart"
        f->store = f->open();
        const TakeResult r = f->store->take(kSession);
        c.eq(r.status, TakeStatus::Taken, "issued before the restart");
        if (r.record) c.eq(r.record->challenge, ch, "same challenge");
        c.eq(f->store->take("used").status, TakeStatus::Missing, "a used challenge stays used");
        c.eq(f->store->recordFailure("failing"), 3, "failure count survives");
        c.eq(f->store->take("failing").status, TakeStatus::TooManyAttempts, "still dropped");
    });
}

void sqlite_unusableFile_rejected(void** state)
{
    StoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->store.reset();
        const std::filesystem::path junk = f->dir / "junk.sqlite";
        {
            std::ofstream out(junk, std::ios::binary);
            out << std::string(4096, 'x'); // not an SQLite database
        }
        c.throws(
            Errc::BadArgument, [&] { SqliteChallengeStore s(junk); }, "not a database");
        c.throws(
            Errc::BadArgument, [&] { SqliteChallengeStore s(f->dir / "missing-dir" / "x.sqlite"); },
            "unopenable path");
        c.noThrow([&] { f->store = f->open(); }, "the real file reopens");
    });
}

} // namespace

int runStoreTests()
{
#define MEM(t) cmocka_unit_test_setup_teardown(t, memorySetup, storeTeardown)
#define SQL(t) cmocka_unit_test_setup_teardown(t, sqliteSetup, storeTeardown)
    const struct CMUnitTest tests[] = {
        MEM(store_issue_returnsFreshBase64UrlChallenges),
        SQL(store_issue_returnsFreshBase64UrlChallenges),
        MEM(store_take_isGetAndDelete),
        SQL(store_take_isGetAndDelete),
        MEM(store_take_expiredChallenge),
        SQL(store_take_expiredChallenge),
        MEM(store_issue_ttlAndArgumentsChecked),
        SQL(store_issue_ttlAndArgumentsChecked),
        MEM(store_reissue_invalidatesPreviousChallenge),
        SQL(store_reissue_invalidatesPreviousChallenge),
        MEM(store_threeFailures_dropSession),
        SQL(store_threeFailures_dropSession),
        MEM(store_endSession_forgetsFailures),
        SQL(store_endSession_forgetsFailures),
        MEM(store_concurrentTakes_exactlyOneWinner),
        SQL(store_concurrentTakes_exactlyOneWinner),
        SQL(sqlite_concurrentConnections_exactlyOneWinner),
        MEM(store_parallelFailingAttempts_neverExceedLimit),
        SQL(store_parallelFailingAttempts_neverExceedLimit),
        MEM(store_parallelRecordFailure_countsExactly),
        SQL(store_parallelRecordFailure_countsExactly),
        SQL(sqlite_file_privateAndWithoutSessionIds),
        SQL(sqlite_version1File_migrated),
        SQL(sqlite_reopen_persistsState),
        SQL(sqlite_unusableFile_rejected),
    };
#undef MEM
#undef SQL
    return cmocka_run_group_tests_name("store", tests, nullptr, nullptr);
}
