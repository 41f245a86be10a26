// SPDX-License-Identifier: LGPL-2.1-or-later
// ChallengeStore: the in-memory and SQLite implementations against the same rules (cns-auth.md
// §2): 43-character CSPRNG challenges, get-and-delete, TTL, 3 failures, persistence, races.
#include "fixture.hpp"
#include "groups.hpp"

#include "tscns/cnsauth/validators.hpp"
#include "tscns/verifier/memory_challenge_store.hpp"
#include "tscns/verifier/sqlite_challenge_store.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <set>
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
            if (r.record) c.eq(r.record->failedAttempts, i - 1, "failures so far");
            c.eq(f->store->recordFailure(kSession), i, "count");
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
// checked on the main thread after join (house-style §6).
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
            (void)f->store->issue(kSession, kOrigin, kContext);
            const auto results = race([&](int) { return f->store->take(kSession).status; });
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
            (void)f->store->issue(kSession, kOrigin, kContext);
            const auto results = race(
                [&](int i) { return stores[static_cast<std::size_t>(i)]->take(kSession).status; });
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
        SQL(sqlite_reopen_persistsState),
        SQL(sqlite_unusableFile_rejected),
    };
#undef MEM
#undef SQL
    return cmocka_run_group_tests_name("store", tests, nullptr, nullptr);
}
