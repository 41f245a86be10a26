// SPDX-License-Identifier: LGPL-2.1-or-later
// Database on PostgreSQL through libpq: a lazily grown pool of up to 8 connections.
#include "db/database.hpp"

#include "tscns/apdu/error.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <condition_variable>
#include <mutex>

namespace tscns::portal {

namespace {
    constexpr std::size_t kMaxConnections = 8;
    constexpr Oid kInt8Oid = 20;
    constexpr Oid kTextOid = 25;
    /// pg_advisory_xact_lock key of schema migrations: "tscnspor" in ASCII.
    constexpr std::int64_t kMigrationLockKey = 0x7473636e73706f72;

    std::string trimmed(std::string s)
    {
        while (!s.empty()
            && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
            s.pop_back();
        return s;
    }

    /// The password as written in `conninfo` (URI userinfo or `password=`) and as libpq parses
    /// it, so that none of them reaches a message even when libpq quotes part of the URL.
    std::vector<std::string> secretsOf(const std::string& conninfo)
    {
        std::vector<std::string> secrets;
        if (const auto scheme = conninfo.find("://"); scheme != std::string::npos) {
            const auto at = conninfo.find('@', scheme + 3);
            const auto colon = conninfo.find(':', scheme + 3);
            if (at != std::string::npos && colon != std::string::npos && colon < at)
                secrets.push_back(conninfo.substr(colon + 1, at - colon - 1));
        }
        for (std::size_t pos = conninfo.find("password="); pos != std::string::npos;
             pos = conninfo.find("password=", pos + 1)) {
            const std::size_t start = pos + 9;
            std::size_t end = conninfo.find_first_of(" &", start);
            if (end == std::string::npos) end = conninfo.size();
            secrets.push_back(conninfo.substr(start, end - start));
        }
        char* err = nullptr;
        if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err)) {
            for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o)
                if (std::string_view(o->keyword) == "password" && o->val != nullptr)
                    secrets.emplace_back(o->val);
            PQconninfoFree(options);
        }
        PQfreemem(err);
        return secrets;
    }

    std::string scrubbed(std::string message, const std::vector<std::string>& secrets)
    {
        for (const std::string& secret : secrets) {
            if (secret.empty()) continue;
            for (std::size_t pos = message.find(secret); pos != std::string::npos;
                 pos = message.find(secret, pos + 3))
                message.replace(pos, secret.size(), "***");
        }
        return message;
    }

    struct ResultDeleter {
        void operator()(PGresult* r) const noexcept { PQclear(r); }
    };
    using Result = std::unique_ptr<PGresult, ResultDeleter>;

    /// One pooled libpq connection. `broken` is set when the server went away during a call:
    /// the pool resets the connection before its next use.
    struct Connection {
        PGconn* conn = nullptr;
        bool broken = false;
    };

    /// Runs one statement on `c`. Throws Error(Internal) with the server's message when the
    /// statement fails, Error(Transport) (and marks `c` broken) when the connection is lost.
    SqlResult run(Connection& c, std::string_view sql, const std::vector<SqlParam>& params)
    {
        const std::string text(sql);
        const std::size_t n = params.size();
        std::vector<Oid> types(n, 0);
        std::vector<std::string> numbers(n);
        std::vector<const char*> values(n, nullptr);
        for (std::size_t i = 0; i < n; ++i) {
            if (const auto* v = std::get_if<std::int64_t>(&params[i])) {
                types[i] = kInt8Oid;
                numbers[i] = std::to_string(*v);
                values[i] = numbers[i].c_str();
            } else if (const auto* s = std::get_if<std::string>(&params[i])) {
                types[i] = kTextOid;
                values[i] = s->c_str();
            }
        }
        const Result res(PQexecParams(c.conn, text.c_str(), static_cast<int>(n), types.data(),
            values.data(), nullptr, nullptr, 0));
        const ExecStatusType status
            = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK
            && status != PGRES_EMPTY_QUERY) {
            if (PQstatus(c.conn) == CONNECTION_BAD) {
                c.broken = true;
                throw Error(Errc::Transport,
                    "PostgreSQL: connection lost: " + trimmed(PQerrorMessage(c.conn)));
            }
            const std::string why
                = res != nullptr ? PQresultErrorMessage(res.get()) : PQerrorMessage(c.conn);
            throw Error(Errc::Internal, "PostgreSQL: " + trimmed(why));
        }
        SqlResult result;
        const int rows = PQntuples(res.get());
        const int cols = PQnfields(res.get());
        result.rows.reserve(static_cast<std::size_t>(rows));
        for (int r = 0; r < rows; ++r) {
            std::vector<std::optional<std::string>> row;
            row.reserve(static_cast<std::size_t>(cols));
            for (int col = 0; col < cols; ++col) {
                if (PQgetisnull(res.get(), r, col) != 0)
                    row.emplace_back(std::nullopt);
                else
                    row.emplace_back(std::string(PQgetvalue(res.get(), r, col),
                        static_cast<std::size_t>(PQgetlength(res.get(), r, col))));
            }
            result.rows.emplace_back(std::move(row));
        }
        const std::string_view tuples = PQcmdTuples(res.get());
        std::int64_t affected = 0;
        if (!tuples.empty()
            && std::from_chars(tuples.data(), tuples.data() + tuples.size(), affected).ec
                == std::errc())
            result.affected = affected;
        return result;
    }

    /// What every new (or reset) session starts with.
    void configure(Connection& c)
    {
        run(c, "SET client_min_messages = warning", {});
        run(c, "SET TIME ZONE 'UTC'", {});
    }

    /// Connects; nullptr plus libpq's message (with no password in it) on failure.
    PGconn* connect(const std::string& conninfo, std::string& why)
    {
        // expand_dbname: `dbname` holds the whole conninfo (URI or key=value); the fallback
        // application name applies unless the conninfo names one.
        const char* const keys[]
            = { "dbname", "fallback_application_name", "client_encoding", nullptr };
        const char* const vals[] = { conninfo.c_str(), "tscns-portal", "UTF8", nullptr };
        PGconn* conn = PQconnectdbParams(keys, vals, 1);
        if (conn == nullptr) {
            why = "out of memory";
            return nullptr;
        }
        if (PQstatus(conn) != CONNECTION_OK) {
            why = scrubbed(trimmed(PQerrorMessage(conn)), secretsOf(conninfo));
            PQfinish(conn);
            return nullptr;
        }
        return conn;
    }

    /// The executor a transaction body gets: every statement on the transaction's connection.
    class TxExecutor final : public SqlExecutor {
    public:
        explicit TxExecutor(Connection& c)
            : c_(c)
        {
        }
        SqlResult exec(std::string_view sql, const std::vector<SqlParam>& params) override
        {
            return run(c_, sql, params);
        }

    private:
        Connection& c_;
    };

    class PostgresDatabase final : public Database {
    public:
        /// Connects once, so that a bad URL fails here: Error(BadArgument).
        explicit PostgresDatabase(std::string conninfo)
            : conninfo_(std::move(conninfo))
        {
            idle_.reserve(kMaxConnections); // release() never allocates
            std::string why;
            Connection c;
            c.conn = connect(conninfo_, why);
            if (c.conn == nullptr)
                throw Error(Errc::BadArgument,
                    "cannot connect to the database " + redactDatabaseUrl(conninfo_) + ": " + why);
            try {
                configure(c);
            } catch (const Error& e) {
                PQfinish(c.conn);
                throw Error(Errc::BadArgument,
                    "cannot set up a session on " + redactDatabaseUrl(conninfo_) + ": "
                        + e.message());
            }
            idle_.push_back(c);
            total_ = 1;
        }
        ~PostgresDatabase() override
        {
            for (Connection& c : idle_)
                PQfinish(c.conn);
        }
        PostgresDatabase(const PostgresDatabase&) = delete;
        PostgresDatabase& operator=(const PostgresDatabase&) = delete;

        std::string_view backend() const noexcept override { return "postgresql"; }

        SqlResult exec(std::string_view sql, const std::vector<SqlParam>& params) override
        {
            Lease lease(*this);
            return run(lease.c, sql, params);
        }

        void transaction(const std::function<void(SqlExecutor&)>& body) override
        {
            Lease lease(*this);
            run(lease.c, "BEGIN ISOLATION LEVEL READ COMMITTED", {});
            try {
                TxExecutor tx(lease.c);
                body(tx);
                const Result res(PQexec(lease.c.conn, "COMMIT"));
                // COMMIT of a transaction in which a statement failed (and the body caught the
                // error) succeeds as "ROLLBACK": nothing was written, which the caller must know.
                if (res != nullptr && PQresultStatus(res.get()) == PGRES_COMMAND_OK
                    && std::string_view(PQcmdStatus(res.get())) == "ROLLBACK")
                    throw Error(Errc::Internal,
                        "PostgreSQL: the transaction was rolled back: a statement in it failed");
                if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
                    if (PQstatus(lease.c.conn) == CONNECTION_BAD) {
                        lease.c.broken = true;
                        throw Error(Errc::Transport,
                            "PostgreSQL: connection lost at COMMIT: "
                                + trimmed(PQerrorMessage(lease.c.conn)));
                    }
                    throw Error(Errc::Internal,
                        "PostgreSQL: "
                            + trimmed(res != nullptr ? PQresultErrorMessage(res.get())
                                                     : PQerrorMessage(lease.c.conn)));
                }
            } catch (...) {
                if (!lease.c.broken && PQtransactionStatus(lease.c.conn) != PQTRANS_IDLE)
                    PQclear(PQexec(lease.c.conn, "ROLLBACK"));
                throw;
            }
        }

        void lockForMigration(SqlExecutor& tx) override
        {
            tx.exec("SELECT pg_advisory_xact_lock($1)", { kMigrationLockKey });
        }

    private:
        /// One connection checked out of the pool for the lifetime of the lease. Callers wait
        /// while all kMaxConnections are busy, so a transaction body must not call the
        /// Database itself (it would wait for its own connection when the pool is exhausted).
        struct Lease {
            PostgresDatabase& db;
            Connection c;
            explicit Lease(PostgresDatabase& d)
                : db(d)
                , c(d.acquire())
            {
            }
            ~Lease() { db.release(c); }
            Lease(const Lease&) = delete;
            Lease& operator=(const Lease&) = delete;
        };

        Connection acquire()
        {
            Connection c;
            {
                std::unique_lock lock(mutex_);
                available_.wait(lock, [&] { return !idle_.empty() || total_ < kMaxConnections; });
                if (!idle_.empty()) {
                    c = idle_.back();
                    idle_.pop_back();
                } else {
                    ++total_;
                }
            }
            try {
                if (c.conn == nullptr) {
                    std::string why;
                    c.conn = connect(conninfo_, why);
                    if (c.conn == nullptr)
                        throw Error(Errc::Transport,
                            "PostgreSQL: cannot connect to " + redactDatabaseUrl(conninfo_) + ": "
                                + why);
                    configure(c);
                } else if (c.broken) {
                    PQreset(c.conn);
                    if (PQstatus(c.conn) != CONNECTION_OK)
                        throw Error(Errc::Transport,
                            "PostgreSQL: cannot reconnect to " + redactDatabaseUrl(conninfo_) + ": "
                                + scrubbed(trimmed(PQerrorMessage(c.conn)), secretsOf(conninfo_)));
                    c.broken = false;
                    configure(c);
                }
            } catch (...) {
                discard(c);
                throw;
            }
            return c;
        }

        /// Back to the pool: a broken connection is reset on its next use; one left inside a
        /// transaction (a BEGIN through exec()) is rolled back, or dropped when that fails.
        void release(Connection& c) noexcept
        {
            if (!c.broken && PQtransactionStatus(c.conn) != PQTRANS_IDLE) {
                PQclear(PQexec(c.conn, "ROLLBACK"));
                if (PQstatus(c.conn) == CONNECTION_BAD) c.broken = true;
                if (!c.broken && PQtransactionStatus(c.conn) != PQTRANS_IDLE) {
                    discard(c);
                    return;
                }
            }
            const std::lock_guard lock(mutex_);
            idle_.push_back(c);
            available_.notify_one();
        }

        void discard(Connection& c) noexcept
        {
            PQfinish(c.conn);
            c.conn = nullptr;
            const std::lock_guard lock(mutex_);
            --total_;
            available_.notify_one();
        }

        const std::string conninfo_;
        std::mutex mutex_;
        std::condition_variable available_;
        std::vector<Connection> idle_; ///< connected, not checked out
        std::size_t total_ = 0; ///< idle plus checked out plus being connected
    };
} // namespace

std::unique_ptr<Database> openPostgres(const std::string& conninfo)
{
    return std::make_unique<PostgresDatabase>(conninfo);
}

} // namespace tscns::portal
