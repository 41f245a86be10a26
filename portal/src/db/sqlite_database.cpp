// SPDX-License-Identifier: LGPL-2.1-or-later
// Database on one SQLite connection (WAL, synchronous=FULL, 5 s busy timeout) under a mutex.
#include "db/database.hpp"

#include "tscns/apdu/error.hpp"

#include "tscns/verifier/sqlite_challenge_store.hpp"

#include <sqlite3.h>

#include <mutex>

namespace tscns::portal {

namespace {
    /// `$1` → `?1` outside string literals (SQLite's numbered parameters).
    std::string numberedParameters(std::string_view sql)
    {
        std::string out;
        out.reserve(sql.size());
        bool quoted = false;
        for (std::size_t i = 0; i < sql.size(); ++i) {
            const char ch = sql[i];
            if (ch == '\'') quoted = !quoted;
            if (!quoted && ch == '$' && i + 1 < sql.size() && sql[i + 1] >= '0'
                && sql[i + 1] <= '9')
                out.push_back('?');
            else
                out.push_back(ch);
        }
        return out;
    }

    class Connection final : public SqlExecutor {
    public:
        explicit Connection(const std::string& path)
        {
            // It holds password hashes, mobile numbers and the audit log.
            if (path != ":memory:") verifier::restrictToOwner(path, true, "the portal database");
            const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
            const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
            if (rc != SQLITE_OK) {
                const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
                sqlite3_close(db_);
                db_ = nullptr;
                throw Error(
                    Errc::BadArgument, "cannot open the database sqlite:" + path + ": " + why);
            }
            sqlite3_busy_timeout(db_, 5000);
            exec("PRAGMA foreign_keys = ON");
            if (path != ":memory:") {
                exec("PRAGMA journal_mode = WAL");
                exec("PRAGMA synchronous = FULL");
            }
        }
        ~Connection() override { sqlite3_close_v2(db_); }
        Connection(const Connection&) = delete;
        Connection& operator=(const Connection&) = delete;

        SqlResult exec(std::string_view sql, const std::vector<SqlParam>& params = {}) override
        {
            const std::string text = numberedParameters(sql);
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &st, nullptr)
                != SQLITE_OK)
                throw Error(Errc::Internal, std::string("SQLite: ") + sqlite3_errmsg(db_));
            struct Finalize {
                sqlite3_stmt* st;
                ~Finalize() { sqlite3_finalize(st); }
            } finalize { st };
            for (std::size_t i = 0; i < params.size(); ++i) {
                const int idx = static_cast<int>(i + 1);
                int rc = SQLITE_OK;
                if (const auto* n = std::get_if<std::int64_t>(&params[i]))
                    rc = sqlite3_bind_int64(st, idx, *n);
                else if (const auto* s = std::get_if<std::string>(&params[i]))
                    rc = sqlite3_bind_text(
                        st, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
                else
                    rc = sqlite3_bind_null(st, idx);
                if (rc != SQLITE_OK && rc != SQLITE_RANGE)
                    throw Error(Errc::Internal, std::string("SQLite bind: ") + sqlite3_errmsg(db_));
            }
            SqlResult result;
            for (;;) {
                const int rc = sqlite3_step(st);
                if (rc == SQLITE_DONE) break;
                if (rc != SQLITE_ROW)
                    throw Error(Errc::Internal, std::string("SQLite: ") + sqlite3_errmsg(db_));
                const int n = sqlite3_column_count(st);
                std::vector<std::optional<std::string>> values;
                values.reserve(static_cast<std::size_t>(n));
                for (int c = 0; c < n; ++c) {
                    if (sqlite3_column_type(st, c) == SQLITE_NULL) {
                        values.emplace_back(std::nullopt);
                        continue;
                    }
                    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
                    values.emplace_back(
                        std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, c))));
                }
                result.rows.emplace_back(std::move(values));
            }
            result.affected = sqlite3_changes64(db_);
            return result;
        }

    private:
        sqlite3* db_ = nullptr;
    };

    class SqliteDatabase final : public Database {
    public:
        explicit SqliteDatabase(const std::string& path)
            : conn_(path)
        {
        }
        std::string_view backend() const noexcept override { return "sqlite"; }

        SqlResult exec(std::string_view sql, const std::vector<SqlParam>& params) override
        {
            const std::lock_guard lock(mutex_);
            return conn_.exec(sql, params);
        }

        void transaction(const std::function<void(SqlExecutor&)>& body) override
        {
            const std::lock_guard lock(mutex_);
            conn_.exec("BEGIN IMMEDIATE");
            try {
                body(conn_);
                conn_.exec("COMMIT");
            } catch (...) {
                try {
                    conn_.exec("ROLLBACK");
                } catch (...) {
                    // The original error is the one to report.
                }
                throw;
            }
        }

        void lockForMigration(SqlExecutor&) override
        {
            // BEGIN IMMEDIATE already holds the database's write lock.
        }

    private:
        std::mutex mutex_;
        Connection conn_;
    };
} // namespace

std::unique_ptr<Database> openSqlite(const std::string& path)
{
    return std::make_unique<SqliteDatabase>(path == ":memory:" || path.empty() ? ":memory:" : path);
}

} // namespace tscns::portal
