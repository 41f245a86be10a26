// SPDX-License-Identifier: LGPL-2.1-or-later
// Database contract tests, the same on every backend: SQLite in memory and in a file always,
// PostgreSQL when TSCNS_PORTAL_TEST_PG names a server (a conninfo; the e2e test starts one).
#include "groups.hpp"

#include "db/database.hpp"

#include "tscns/apdu/error.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/stat.h>

// Last: it brings cmocka, whose fail() macro clashes with standard headers.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::portal;
using tscns::test::Checker;
using tscns::test::makeTempDir;
using tscns::test::removeTree;

namespace {

enum class Target { SqliteMemory, SqliteFile, Postgres };

// cmocka's initial states (they must be mutable objects).
Target gSqliteMemory = Target::SqliteMemory;
Target gSqliteFile = Target::SqliteFile;
Target gPostgres = Target::Postgres;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::string_view kUtf8 = "Città di Forlì — 日本語 🇮🇹 ü";

/// The tables every test starts without; dropped at setup so that reruns on one PostgreSQL
/// database start clean, and at teardown.
constexpr std::array<std::string_view, 4> kTables
    = { "db_test_values", "db_test_counter", "db_test_tokens", "db_test_items" };

struct DbFixture {
    Target target = Target::SqliteMemory;
    std::filesystem::path dir;
    std::unique_ptr<Database> db;
};

DbFixture* fx(void** state)
{
    return static_cast<DbFixture*>(*state);
}

std::string pgUrl()
{
    const char* v = std::getenv("TSCNS_PORTAL_TEST_PG");
    return v != nullptr ? v : "";
}

void dropTables(Database& db)
{
    for (std::string_view t : kTables)
        db.exec("DROP TABLE IF EXISTS " + std::string(t));
}

int dbSetup(void** state)
{
    auto* f = new DbFixture;
    f->target = *static_cast<Target*>(*state);
    try {
        switch (f->target) {
        case Target::SqliteMemory:
            f->db = openDatabase("sqlite::memory:");
            break;
        case Target::SqliteFile:
            f->dir = makeTempDir("tscns-portal-db");
            f->db = openDatabase("sqlite:" + (f->dir / "portal.sqlite").string());
            break;
        case Target::Postgres:
            f->db = openDatabase(pgUrl());
            break;
        }
        dropTables(*f->db);
        f->db->exec("CREATE TABLE db_test_values (id TEXT PRIMARY KEY, n BIGINT, s TEXT)");
        f->db->exec("CREATE TABLE db_test_counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
        f->db->exec("CREATE TABLE db_test_tokens (id BIGINT PRIMARY KEY, used BIGINT NOT NULL)");
        f->db->exec("CREATE TABLE db_test_items (owner BIGINT NOT NULL, k BIGINT NOT NULL, "
                    "PRIMARY KEY (owner, k))");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "db setup failed: %s\n", e.what());
        f->db.reset();
        removeTree(f->dir);
        delete f;
        return -1;
    }
    *state = f;
    return 0;
}

int dbTeardown(void** state)
{
    auto* f = fx(state);
    try {
        if (f->target == Target::Postgres) dropTables(*f->db);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "db teardown: %s\n", e.what());
    }
    f->db.reset();
    removeTree(f->dir);
    delete f;
    return 0;
}

std::int64_t count(Database& db, const std::string& table)
{
    const SqlResult r = db.exec("SELECT count(*) FROM " + table);
    return r.rows.empty() ? -1 : r.rows[0].integer(0, -1);
}

std::string_view errorPrefix(const Database& db)
{
    return db.backend() == "postgresql" ? "PostgreSQL: " : "SQLite: ";
}

void db_roundTrip_typesSurvive(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        c.eq(db.backend(), f->target == Target::Postgres ? "postgresql" : "sqlite", "backend");
        const std::string quotes = "O'Brien said \"hi\"; -- '' $1 ?1 \\ end";
        const std::string insert = "INSERT INTO db_test_values (id, n, s) VALUES ($1, $2, $3)";
        c.eq(db.exec(insert, { "null", nullptr, nullptr }).affected, 1, "insert NULLs");
        c.eq(db.exec(insert, { "max", kMax, "" }).affected, 1, "insert max");
        c.eq(db.exec(insert, { "min", kMin, std::string(kUtf8) }).affected, 1, "insert min");
        c.eq(db.exec(insert, { "quotes", std::int64_t { 0 }, quotes }).affected, 1, "quotes");
        c.eq(db.exec("INSERT INTO db_test_values (id, n, s) "
                     "VALUES ($1, 7, 'it''s $1 and $2, not a parameter')",
                   { "literal" })
                 .affected,
            1, "insert with $1 inside a literal");
        c.eq(count(db, "db_test_values"), 5, "five rows");

        const std::string select = "SELECT n, s FROM db_test_values WHERE id = $1";
        const SqlResult nul = db.exec(select, { "null" });
        c.eq(nul.rows.size(), 1, "NULL row");
        if (nul.rows.size() == 1) {
            const SqlRow& r = nul.rows[0];
            c.eq(r.size(), 2, "two columns");
            c.that(r.isNull(0) && r.isNull(1), "NULLs come back as NULL");
            c.eq(r.text(1), "", "text() of NULL");
            c.that(!r.optionalText(1).has_value(), "optionalText() of NULL");
            c.eq(r.integer(0, -5), -5, "integer() fallback for NULL");
            c.throws(
                Errc::Internal, [&] { (void)r.text(2); }, "column out of range");
            c.throws(
                Errc::Internal, [&] { (void)r.isNull(7); }, "isNull out of range");
        }
        const SqlResult max = db.exec(select, { "max" });
        if (max.rows.size() == 1) {
            c.eq(max.rows[0].integer(0), kMax, "INT64_MAX");
            c.that(!max.rows[0].isNull(1), "empty text is not NULL");
            c.eq(max.rows[0].text(1), "", "empty text");
        } else {
            c.report("max row missing");
        }
        const SqlResult min = db.exec(select, { "min" });
        if (min.rows.size() == 1) {
            c.eq(min.rows[0].integer(0), kMin, "INT64_MIN");
            c.eq(min.rows[0].text(0), "-9223372036854775808", "INT64_MIN as text");
            c.eq(min.rows[0].text(1), kUtf8, "UTF-8 text");
        } else {
            c.report("min row missing");
        }
        const SqlResult q = db.exec(select, { "quotes" });
        if (q.rows.size() == 1) {
            c.eq(q.rows[0].integer(0), 0, "zero");
            c.eq(q.rows[0].text(1), quotes, "quotes and $1 in a parameter");
        } else {
            c.report("quotes row missing");
        }
        const SqlResult lit = db.exec(select, { "literal" });
        if (lit.rows.size() == 1) {
            c.eq(lit.rows[0].integer(0), 7, "literal integer");
            c.eq(lit.rows[0].text(1), "it's $1 and $2, not a parameter", "$1 inside a literal");
        } else {
            c.report("literal row missing");
        }

        // Parameters compare on the server: text to TEXT, integers to BIGINT.
        const SqlResult byText
            = db.exec("SELECT id FROM db_test_values WHERE s = $1", { std::string(kUtf8) });
        c.eq(byText.rows.size(), 1, "UTF-8 parameter matches");
        const SqlResult byInt = db.exec("SELECT id FROM db_test_values WHERE n = $1", { kMin });
        if (byInt.rows.size() == 1)
            c.eq(byInt.rows[0].text(0), "min", "INT64_MIN parameter matches");
        else
            c.report("INT64_MIN parameter does not match one row");
        const SqlResult arith
            = db.exec("SELECT n + 1 FROM db_test_values WHERE id = $1", { "min" });
        if (arith.rows.size() == 1) c.eq(arith.rows[0].integer(0), kMin + 1, "BIGINT arithmetic");
        const SqlResult nulls = db.exec("SELECT id FROM db_test_values WHERE n IS NULL");
        c.eq(nulls.rows.size(), 1, "IS NULL finds the NULL row only");
        const SqlResult ordered = db.exec("SELECT id FROM db_test_values ORDER BY id");
        c.eq(ordered.rows.size(), 5, "all rows");
        if (ordered.rows.size() == 5) {
            c.eq(ordered.rows[0].text(0), "literal", "order 0");
            c.eq(ordered.rows[4].text(0), "quotes", "order 4");
        }
    });
}

void db_affected_countsChangedRows(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        const std::string insert = "INSERT INTO db_test_values (id, n) VALUES ($1, $2)";
        for (std::int64_t i = 1; i <= 5; ++i)
            c.eq(db.exec(insert, { "r" + std::to_string(i), i }).affected, 1, "insert");
        c.eq(db.exec("UPDATE db_test_values SET n = n + 10 WHERE n <= $1", { std::int64_t { 3 } })
                 .affected,
            3, "UPDATE of three rows");
        c.eq(db.exec("UPDATE db_test_values SET n = 0 WHERE id = $1", { "nobody" }).affected, 0,
            "UPDATE of no row");
        c.eq(db.exec("DELETE FROM db_test_values WHERE n > $1", { std::int64_t { 10 } }).affected,
            3, "DELETE of three rows");
        c.eq(db.exec("DELETE FROM db_test_values WHERE id = $1", { "r1" }).affected, 0,
            "DELETE of a row already gone");
        const std::string upsert
            = "INSERT INTO db_test_values (id, n) VALUES ($1, $2) ON CONFLICT DO NOTHING";
        c.eq(db.exec(upsert, { "r4", std::int64_t { 99 } }).affected, 0,
            "ON CONFLICT DO NOTHING on a conflict");
        c.eq(db.exec(upsert, { "r9", std::int64_t { 9 } }).affected, 1,
            "ON CONFLICT DO NOTHING without a conflict");
        c.eq(db.exec("INSERT INTO db_test_values (id, n) VALUES ($1, $2) "
                     "ON CONFLICT (id) DO NOTHING",
                   { "r9", std::int64_t { 10 } })
                 .affected,
            0, "ON CONFLICT (id) DO NOTHING on a conflict");
        const SqlResult kept = db.exec("SELECT n FROM db_test_values WHERE id = $1", { "r4" });
        if (kept.rows.size() == 1)
            c.eq(kept.rows[0].integer(0), 4, "the conflicting insert changed nothing");
        else
            c.report("r4 missing");
        c.eq(count(db, "db_test_values"), 3, "r4, r5, r9 left");
    });
}

void db_updateReturning_givesChangedRows(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        const SqlResult ins
            = db.exec("INSERT INTO db_test_tokens (id, used) VALUES ($1, 0) RETURNING id, used",
                { std::int64_t { 42 } });
        c.eq(ins.affected, 1, "INSERT RETURNING affected");
        if (ins.rows.size() == 1) {
            c.eq(ins.rows[0].integer(0), 42, "INSERT RETURNING id");
            c.eq(ins.rows[0].integer(1), 0, "INSERT RETURNING used");
        } else {
            c.report("INSERT RETURNING gave no row");
        }
        const std::string claim
            = "UPDATE db_test_tokens SET used = 1 WHERE id = $1 AND used = 0 RETURNING id";
        const SqlResult first = db.exec(claim, { std::int64_t { 42 } });
        c.eq(first.rows.size(), 1, "first claim returns the row");
        if (first.rows.size() == 1) c.eq(first.rows[0].text(0), "42", "its id");
        c.eq(first.affected, 1, "first claim affected");
        const SqlResult second = db.exec(claim, { std::int64_t { 42 } });
        c.eq(second.rows.size(), 0, "second claim returns nothing");
        c.eq(second.affected, 0, "second claim affected");
        const SqlResult gone
            = db.exec("DELETE FROM db_test_tokens WHERE used = 1 RETURNING id", {});
        c.eq(gone.rows.size(), 1, "DELETE RETURNING");
    });
}

void db_transaction_commits(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        std::int64_t inside = -1;
        c.noThrow(
            [&] {
                db.transaction([&](SqlExecutor& tx) {
                    tx.exec("INSERT INTO db_test_values (id, n) VALUES ($1, $2)",
                        { "a", std::int64_t { 1 } });
                    tx.exec("INSERT INTO db_test_values (id, n) VALUES ($1, $2)",
                        { "b", std::int64_t { 2 } });
                    const SqlResult r = tx.exec("SELECT count(*) FROM db_test_values");
                    inside = r.rows.empty() ? -1 : r.rows[0].integer(0);
                });
            },
            "transaction");
        c.eq(inside, 2, "the transaction sees its own writes");
        c.eq(count(db, "db_test_values"), 2, "committed");
    });
}

void db_transaction_rollsBackOnException(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        const std::string insert = "INSERT INTO db_test_values (id, n) VALUES ($1, $2)";
        bool propagated = false;
        try {
            db.transaction([&](SqlExecutor& tx) {
                tx.exec(insert, { "a", std::int64_t { 1 } });
                throw std::runtime_error("boom");
            });
        } catch (const std::runtime_error& e) {
            propagated = std::string_view(e.what()) == "boom";
        }
        c.that(propagated, "the body's std::runtime_error propagates unchanged");
        c.eq(count(db, "db_test_values"), 0, "nothing written after a thrown body");

        c.throws(
            Errc::NotLoggedIn,
            [&] {
                db.transaction([&](SqlExecutor& tx) {
                    tx.exec(insert, { "b", std::int64_t { 2 } });
                    throw Error(Errc::NotLoggedIn, "no session");
                });
            },
            "the body's tscns::Error propagates", "no session");
        c.eq(count(db, "db_test_values"), 0, "nothing written after a thrown Error");

        db.exec(insert, { "dup", std::int64_t { 0 } });
        c.throws(
            Errc::Internal,
            [&] {
                db.transaction([&](SqlExecutor& tx) {
                    tx.exec(insert, { "c", std::int64_t { 3 } });
                    tx.exec(insert, { "dup", std::int64_t { 4 } });
                });
            },
            "a failing statement aborts the transaction", errorPrefix(db));
        c.eq(count(db, "db_test_values"), 1, "the statement before the failure is rolled back");

        if (db.backend() == "postgresql") {
            // PostgreSQL aborts the whole transaction at a failed statement: a body that swallows
            // the error cannot commit the rest, and transaction() says so.
            c.throws(
                Errc::Internal,
                [&] {
                    db.transaction([&](SqlExecutor& tx) {
                        tx.exec(insert, { "d", std::int64_t { 5 } });
                        try {
                            tx.exec(insert, { "dup", std::int64_t { 6 } });
                        } catch (const Error&) {
                            // Swallowed on purpose.
                        }
                    });
                },
                "COMMIT after a swallowed failure", "rolled back");
            c.eq(count(db, "db_test_values"), 1, "nothing of it written");
        }

        c.noThrow(
            [&] {
                db.transaction([&](SqlExecutor& tx) {
                    tx.exec(insert, { "e", std::int64_t { 7 } });
                });
            },
            "a transaction after the failures");
        c.eq(count(db, "db_test_values"), 2, "and it commits");
    });
}

void db_badStatement_throwsInternal(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        const std::string_view prefix = errorPrefix(db);
        c.throws(
            Errc::Internal, [&] { db.exec("SELEC 1"); }, "syntax error", prefix);
        c.throws(
            Errc::Internal, [&] { db.exec("SELECT * FROM db_test_no_such_table"); },
            "unknown table", prefix);
        db.exec("INSERT INTO db_test_values (id) VALUES ($1)", { "x" });
        c.throws(
            Errc::Internal,
            [&] { db.exec("INSERT INTO db_test_values (id) VALUES ($1)", { "x" }); },
            "duplicate key", prefix);
        c.throws(
            Errc::Internal,
            [&] {
                db.exec("INSERT INTO db_test_counter (id, n) VALUES ($1, $2)", { 1, nullptr });
            },
            "NOT NULL violated", prefix);
        const SqlResult one = db.exec("SELECT 1");
        c.that(one.rows.size() == 1 && one.rows[0].text(0) == "1", "usable after the errors");
    });
}

void db_lockForMigration_insideTransaction(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        std::int64_t advisory = -1;
        c.noThrow(
            [&] {
                db.transaction([&](SqlExecutor& tx) {
                    db.lockForMigration(tx);
                    tx.exec("INSERT INTO db_test_values (id) VALUES ($1)", { "migrated" });
                    if (db.backend() == "postgresql") {
                        const SqlResult r = tx.exec("SELECT count(*) FROM pg_locks WHERE "
                                                    "locktype = 'advisory' AND pid = "
                                                    "pg_backend_pid()");
                        advisory = r.rows.empty() ? -1 : r.rows[0].integer(0);
                    }
                });
            },
            "lockForMigration");
        if (db.backend() == "postgresql") c.eq(advisory, 1, "an advisory lock is held");
        c.eq(count(db, "db_test_values"), 1, "committed");
    });
}

void db_concurrentIncrements_total400(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        db.exec("INSERT INTO db_test_counter (id, n) VALUES (1, 0)");
        std::array<int, 8> errors {};
        std::atomic<bool> go { false };
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < errors.size(); ++t)
            threads.emplace_back([&, t] {
                while (!go.load())
                    std::this_thread::yield();
                for (int i = 0; i < 50; ++i) {
                    try {
                        const std::string sql = "UPDATE db_test_counter SET n = n + 1 WHERE id = 1";
                        // Half the threads autocommit, half go through transaction().
                        if (t % 2 == 0)
                            db.exec(sql);
                        else
                            db.transaction([&](SqlExecutor& tx) { tx.exec(sql); });
                    } catch (...) {
                        ++errors[t];
                    }
                }
            });
        go = true;
        for (auto& th : threads)
            th.join();
        int failed = 0;
        for (int e : errors)
            failed += e;
        c.eq(failed, 0, "no statement failed");
        const SqlResult r = db.exec("SELECT n FROM db_test_counter WHERE id = 1");
        if (r.rows.size() == 1)
            c.eq(r.rows[0].integer(0), 400, "8 x 50 increments");
        else
            c.report("counter row missing");
    });
}

void db_concurrentClaims_exactlyOneWinner(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        for (std::int64_t round = 0; round < 20; ++round) {
            db.exec("INSERT INTO db_test_tokens (id, used) VALUES ($1, 0)", { round });
            std::array<int, 8> won {}; // rows returned, -1 for an error
            std::atomic<bool> go { false };
            std::vector<std::thread> threads;
            for (std::size_t t = 0; t < won.size(); ++t)
                threads.emplace_back([&, t] {
                    while (!go.load())
                        std::this_thread::yield();
                    try {
                        won[t] = static_cast<int>(
                            db.exec("UPDATE db_test_tokens SET used = 1 WHERE id = $1 AND "
                                    "used = 0 RETURNING id",
                                  { round })
                                .rows.size());
                    } catch (...) {
                        won[t] = -1;
                    }
                });
            go = true;
            for (auto& th : threads)
                th.join();
            int winners = 0;
            int losers = 0;
            for (int w : won) {
                winners += w == 1 ? 1 : 0;
                losers += w == 0 ? 1 : 0;
            }
            c.eq(winners, 1, "one winner in round " + std::to_string(round));
            c.eq(losers, 7, "seven losers, no errors, in round " + std::to_string(round));
        }
    });
}

// More threads than the PostgreSQL pool has connections: callers wait, none fails.
void db_moreThreadsThanConnections_allServed(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        std::array<int, 20> errors {};
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < errors.size(); ++t)
            threads.emplace_back([&, t] {
                for (std::int64_t k = 0; k < 10; ++k) {
                    try {
                        db.transaction([&](SqlExecutor& tx) {
                            const auto owner = static_cast<std::int64_t>(t);
                            tx.exec("INSERT INTO db_test_items (owner, k) VALUES ($1, $2)",
                                { owner, k });
                            const SqlResult r = tx.exec(
                                "SELECT count(*) FROM db_test_items WHERE owner = $1", { owner });
                            if (r.rows.empty() || r.rows[0].integer(0) != k + 1)
                                throw std::runtime_error("own rows not visible");
                        });
                    } catch (...) {
                        ++errors[t];
                    }
                }
            });
        for (auto& th : threads)
            th.join();
        int failed = 0;
        for (int e : errors)
            failed += e;
        c.eq(failed, 0, "no transaction failed");
        c.eq(count(db, "db_test_items"), 200, "20 x 10 rows");
    });
}

void db_sqliteFile_isMode0600(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        const auto dir = makeTempDir("tscns-portal-mode");
        const auto file = dir / "portal.sqlite";
        const mode_t old = ::umask(0);
        try {
            {
                auto db = openDatabase("sqlite:" + file.string());
                db->exec("CREATE TABLE t (x TEXT)");
                db->exec("INSERT INTO t VALUES ('a')");
                struct stat st { };
                c.eq(::stat(file.c_str(), &st), 0, "the file exists");
                c.eq(static_cast<int>(st.st_mode & 0777), 0600, "created 0600 under umask 0");
                const auto wal = file.string() + "-wal";
                c.eq(::stat(wal.c_str(), &st), 0, "the WAL exists");
                c.eq(static_cast<int>(st.st_mode & 0777), 0600, "the WAL is 0600 too");
            }
            std::filesystem::permissions(file, std::filesystem::perms(0644));
            (void)openDatabase("sqlite:" + file.string());
            struct stat st { };
            c.eq(::stat(file.c_str(), &st), 0, "the file still exists");
            c.eq(static_cast<int>(st.st_mode & 0777), 0600, "a 0644 file is tightened on open");
        } catch (...) {
            ::umask(old);
            removeTree(dir);
            throw;
        }
        ::umask(old);
        removeTree(dir);
    });
}

void db_open_rejectsBadUrls(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        c.throws(
            Errc::BadArgument, [] { (void)openDatabase("nonsense"); }, "not a database URL");
        c.throws(
            Errc::BadArgument, [] { (void)openDatabase("sqlite:"); }, "sqlite: without a path");
        c.throws(
            Errc::BadArgument,
            [] { (void)openDatabase("sqlite:/nonexistent-dir-tscns/x/portal.sqlite"); },
            "sqlite file in a missing directory");
        const auto uri = c.throws(
            Errc::BadArgument, [] { (void)openDatabase("postgresql://u:secret@127.0.0.1:1/x"); },
            "PostgreSQL URL with nobody listening", "cannot connect to the database");
        if (uri) {
            c.that(uri->message().find("secret") == std::string::npos,
                "no password in: " + uri->message());
            c.contains(uri->message(), "postgresql://u:***@127.0.0.1:1/x", "the redacted URL");
        }
        const auto kv = c.throws(
            Errc::BadArgument,
            [] { (void)openDatabase("host=127.0.0.1 port=1 user=u password=secret dbname=x"); },
            "key=value conninfo with nobody listening");
        if (kv)
            c.that(kv->message().find("secret") == std::string::npos,
                "no password in: " + kv->message());
        // libpq quotes a malformed percent escape of the URL in its message.
        const auto escape = c.throws(
            Errc::BadArgument, [] { (void)openDatabase("postgresql://u:se%zzcret@127.0.0.1:1/x"); },
            "URL with a bad percent escape in the password");
        if (escape)
            c.that(escape->message().find("zzcret") == std::string::npos,
                "no password in: " + escape->message());
    });
}

void db_redactDatabaseUrl_hidesPasswords(void**)
{
    TSCNS_CHECK([&](Checker& c) {
        c.eq(redactDatabaseUrl("postgresql://portal:s3cr3t@db.example:5432/portal"),
            "postgresql://portal:***@db.example:5432/portal", "URI with a password");
        c.eq(redactDatabaseUrl("postgres://u:p@h/d"), "postgres://u:***@h/d", "postgres://");
        c.eq(redactDatabaseUrl("postgresql://portal@db.example:5432/portal"),
            "postgresql://portal@db.example:5432/portal", "URI without a password");
        c.eq(redactDatabaseUrl("postgresql://db.example:5432/portal"),
            "postgresql://db.example:5432/portal", "URI without user info");
        c.eq(redactDatabaseUrl("host=db user=portal password=s3cr3t dbname=portal"),
            "host=db user=portal password=*** dbname=portal", "key=value");
        c.eq(redactDatabaseUrl("host=db password=s3cr3t"), "host=db password=***",
            "key=value, password last");
        c.eq(redactDatabaseUrl("password=a host=db password=b"),
            "password=*** host=db password=***", "two passwords");
        c.eq(redactDatabaseUrl("sqlite:/var/lib/tscns-portal/portal.sqlite"),
            "sqlite:/var/lib/tscns-portal/portal.sqlite", "sqlite: unchanged");
        c.eq(redactDatabaseUrl(""), "", "empty");
        c.eq(redactDatabaseUrl("host=db password='my s\\'ecret' dbname=x"),
            "host=db password=*** dbname=x", "quoted key=value password");
        c.eq(redactDatabaseUrl("postgresql://db/x?password=s3cr3t&sslmode=require"),
            "postgresql://db/x?password=***&sslmode=require", "URI query password");
    });
}

void pg_session_isConfigured(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        const auto setting = [&](const std::string& name) {
            const SqlResult r = db.exec("SELECT current_setting($1)", { name });
            return r.rows.empty() ? std::string("(none)") : r.rows[0].text(0);
        };
        c.eq(setting("TimeZone"), "UTC", "time zone");
        c.eq(setting("client_min_messages"), "warning", "client_min_messages");
        c.eq(setting("application_name"), "tscns-portal", "application_name");
        c.eq(setting("client_encoding"), "UTF8", "client_encoding");
        c.eq(setting("transaction_isolation"), "read committed", "isolation outside");
        std::string inside;
        db.transaction([&](SqlExecutor& tx) {
            const SqlResult r = tx.exec("SELECT current_setting('transaction_isolation')");
            inside = r.rows.empty() ? "" : r.rows[0].text(0);
        });
        c.eq(inside, "read committed", "isolation in transaction()");
        // Every pooled connection, not only the first one, gets the settings.
        std::array<std::string, 8> zones {};
        std::atomic<int> ready { 0 };
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < zones.size(); ++t)
            threads.emplace_back([&, t] {
                try {
                    db.transaction([&](SqlExecutor& tx) {
                        ++ready;
                        const auto deadline
                            = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                        while (ready.load() < 8 && std::chrono::steady_clock::now() < deadline)
                            std::this_thread::yield();
                        const SqlResult r = tx.exec("SELECT current_setting('TimeZone')");
                        zones[t] = r.rows.empty() ? "" : r.rows[0].text(0);
                    });
                } catch (const std::exception& e) {
                    zones[t] = e.what();
                } catch (...) {
                    zones[t] = "unknown exception";
                }
            });
        for (auto& th : threads)
            th.join();
        for (const std::string& z : zones)
            c.eq(z, "UTC", "time zone on a concurrent connection");
    });
}

void pg_lostConnection_transportThenRecovers(void** state)
{
    DbFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Database& db = *f->db;
        c.throws(
            Errc::Transport,
            [&] {
                db.transaction([&](SqlExecutor& tx) {
                    tx.exec("INSERT INTO db_test_values (id) VALUES ($1)", { "lost" });
                    const SqlResult pid = tx.exec("SELECT pg_backend_pid()");
                    // Another pooled connection ends this one's backend (and waits until it is
                    // gone).
                    db.exec("SELECT pg_terminate_backend($1::int, 5000)",
                        { pid.rows.at(0).integer(0) });
                    tx.exec("SELECT 1");
                });
            },
            "a statement on a terminated connection", "PostgreSQL");
        bool usable = true;
        for (int i = 0; i < 10; ++i) {
            try {
                const SqlResult r = db.exec("SELECT 1");
                usable = usable && r.rows.size() == 1 && r.rows[0].text(0) == "1";
            } catch (const std::exception& e) {
                c.report(std::string("after the loss: ") + e.what());
                usable = false;
            }
        }
        c.that(usable, "the pool recovers on the next calls");
        c.eq(count(db, "db_test_values"), 0, "the lost transaction wrote nothing");
    });
}

} // namespace

int runDbTests()
{
#define DB_CONTRACT(T)                                                                             \
    T(db_roundTrip_typesSurvive), T(db_affected_countsChangedRows),                                \
        T(db_updateReturning_givesChangedRows), T(db_transaction_commits),                         \
        T(db_transaction_rollsBackOnException), T(db_badStatement_throwsInternal),                 \
        T(db_lockForMigration_insideTransaction), T(db_concurrentIncrements_total400),             \
        T(db_concurrentClaims_exactlyOneWinner), T(db_moreThreadsThanConnections_allServed)
#define ON_MEMORY(t)                                                                               \
    cmocka_unit_test_prestate_setup_teardown(t, dbSetup, dbTeardown, &gSqliteMemory)
#define ON_FILE(t) cmocka_unit_test_prestate_setup_teardown(t, dbSetup, dbTeardown, &gSqliteFile)
#define ON_PG(t) cmocka_unit_test_prestate_setup_teardown(t, dbSetup, dbTeardown, &gPostgres)
    const struct CMUnitTest memoryTests[] = {
        DB_CONTRACT(ON_MEMORY),
        cmocka_unit_test(db_open_rejectsBadUrls),
        cmocka_unit_test(db_sqliteFile_isMode0600),
        cmocka_unit_test(db_redactDatabaseUrl_hidesPasswords),
    };
    const struct CMUnitTest fileTests[] = { DB_CONTRACT(ON_FILE) };
    const struct CMUnitTest pgTests[] = {
        DB_CONTRACT(ON_PG),
        ON_PG(pg_session_isConfigured),
        ON_PG(pg_lostConnection_transportThenRecovers),
    };
#undef DB_CONTRACT
#undef ON_MEMORY
#undef ON_FILE
#undef ON_PG
    int failed = cmocka_run_group_tests_name("db sqlite::memory:", memoryTests, nullptr, nullptr);
    failed += cmocka_run_group_tests_name("db sqlite file", fileTests, nullptr, nullptr);
    if (pgUrl().empty())
        std::fprintf(stderr, "db postgresql: skipped (TSCNS_PORTAL_TEST_PG is not set)\n");
    else
        failed += cmocka_run_group_tests_name("db postgresql", pgTests, nullptr, nullptr);
    return failed;
}
