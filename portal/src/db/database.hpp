// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's SQL seam: one small interface, two backends (SQLite, PostgreSQL).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tscns::portal {

/// A statement parameter: SQL NULL, a 64-bit integer (BIGINT) or text.
using SqlParam = std::variant<std::nullptr_t, std::int64_t, std::string>;

/// One result row; every column comes back as text (or NULL), as both backends give it.
class SqlRow {
public:
    explicit SqlRow(std::vector<std::optional<std::string>> values);
    [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
    [[nodiscard]] bool isNull(std::size_t i) const;
    /// The column as text; "" for NULL. Throws Error(Internal) for a column out of range.
    [[nodiscard]] std::string text(std::size_t i) const;
    /// The column as a decimal integer; `fallback` for NULL. Throws Error(Internal) when it is
    /// not an integer.
    [[nodiscard]] std::int64_t integer(std::size_t i, std::int64_t fallback = 0) const;
    [[nodiscard]] std::optional<std::string> optionalText(std::size_t i) const;

private:
    std::vector<std::optional<std::string>> values_;
};

struct SqlResult {
    std::vector<SqlRow> rows;
    std::int64_t affected = 0; ///< rows changed by INSERT/UPDATE/DELETE
};

/// Runs one statement. Placeholders are `$1`, `$2`, … in both backends. Integer parameters
/// must be bound to integer columns (PostgreSQL types them BIGINT). Throws Error(Internal) with
/// the backend's message when the statement fails, Error(Transport) when the server is gone.
class SqlExecutor {
public:
    virtual ~SqlExecutor() = default;
    virtual SqlResult exec(std::string_view sql, const std::vector<SqlParam>& params = {}) = 0;
};

/// A database connection (SQLite) or connection pool (PostgreSQL), safe to share between
/// threads. Statements outside transaction() autocommit one by one.
class Database : public SqlExecutor {
public:
    /// "sqlite" or "postgresql".
    [[nodiscard]] virtual std::string_view backend() const noexcept = 0;
    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back
    /// when it throws (the exception is rethrown). SQLite takes the write lock at the start
    /// (BEGIN IMMEDIATE); PostgreSQL runs READ COMMITTED, so bodies that must not race use
    /// single-statement updates (`UPDATE … WHERE <state> RETURNING`) or lockForMigration().
    virtual void transaction(const std::function<void(SqlExecutor&)>& body) = 0;
    /// Inside transaction(): serializes schema migrations between processes (PostgreSQL: an
    /// advisory transaction lock; SQLite: the write lock already held).
    virtual void lockForMigration(SqlExecutor& tx) = 0;
};

/// Opens `url`: `sqlite:PATH` (the file is created; `sqlite::memory:` is private to the
/// process) or a PostgreSQL conninfo (`postgresql://…`, `postgres://…`, or `key=value …`).
/// Throws Error(BadArgument) naming the URL (never its password) when it cannot be opened.
std::unique_ptr<Database> openDatabase(std::string_view url);

std::unique_ptr<Database> openSqlite(const std::string& path);
std::unique_ptr<Database> openPostgres(const std::string& conninfo);

/// The URL with any password replaced by "***", for messages and logs.
std::string redactDatabaseUrl(std::string_view url);

} // namespace tscns::portal
