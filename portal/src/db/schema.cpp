// SPDX-License-Identifier: LGPL-2.1-or-later
// Migrations in portable SQL (TEXT and BIGINT only; times are milliseconds since the epoch).
#include "db/schema.hpp"

#include "util/clock.hpp"

#include "tscns/apdu/error.hpp"

#include <array>
#include <span>

namespace tscns::portal {

namespace {
    struct Migration {
        std::int64_t version;
        std::string_view description;
        std::span<const std::string_view> statements;
    };

    constexpr std::string_view kVersion1[] = {
        "CREATE TABLE accounts ("
        " id TEXT PRIMARY KEY, codice_fiscale TEXT NOT NULL UNIQUE,"
        " given_name TEXT NOT NULL, surname TEXT NOT NULL, mobile TEXT NOT NULL,"
        " password_hash TEXT, provisional_hash TEXT, provisional_expires_at BIGINT,"
        " first_access_at BIGINT, password_changed_at BIGINT, created_at BIGINT NOT NULL)",
        // status: active | pending (a renewal not used yet) | retired
        "CREATE TABLE cards ("
        " card_number TEXT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE,"
        " account_id TEXT NOT NULL REFERENCES accounts(id), expiry TEXT,"
        " status TEXT NOT NULL, chip_id TEXT, added_at BIGINT NOT NULL,"
        " first_used_at BIGINT, retired_at BIGINT)",
        "CREATE INDEX cards_account ON cards(account_id)",
        // A browser session; stage is where its login stands (the pending login).
        "CREATE TABLE sessions ("
        " id_hash TEXT PRIMARY KEY, login_id TEXT NOT NULL, stage TEXT NOT NULL,"
        " account_id TEXT, card_number TEXT, csrf TEXT NOT NULL, amr TEXT NOT NULL,"
        " created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL,"
        " expires_at BIGINT NOT NULL, authenticated_at BIGINT)",
        "CREATE INDEX sessions_expiry ON sessions(expires_at)",
        "CREATE TABLE sms_codes ("
        " id TEXT PRIMARY KEY, login_id TEXT NOT NULL, account_id TEXT NOT NULL,"
        " code_hash TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
        " tries BIGINT NOT NULL, used BIGINT NOT NULL)",
        "CREATE INDEX sms_codes_login ON sms_codes(login_id)",
        "CREATE TABLE sms_outbox ("
        " id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, recipient TEXT NOT NULL,"
        " kind TEXT NOT NULL, body TEXT NOT NULL, code TEXT)",
        "CREATE TABLE audit_log ("
        " id TEXT PRIMARY KEY, at BIGINT NOT NULL, event TEXT NOT NULL,"
        " subject TEXT NOT NULL, address TEXT NOT NULL, detail TEXT NOT NULL)",
        "CREATE TABLE throttles ("
        " key TEXT PRIMARY KEY, window_start BIGINT NOT NULL, hits BIGINT NOT NULL,"
        " failures BIGINT NOT NULL, blocked_until BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL)",
        // The verifier's challenge store (tscns::verifier::ChallengeStore), per login.
        "CREATE TABLE cnsauth_challenges ("
        " login_id TEXT PRIMARY KEY, challenge TEXT, origin TEXT, context TEXT,"
        " issued_at BIGINT, expires_at BIGINT, failed_attempts BIGINT NOT NULL,"
        " dropped BIGINT NOT NULL, retain_until BIGINT NOT NULL)",
    };

    // RETURNING gives a row's new values: take() moves the challenge here as it clears it.
    constexpr std::string_view kVersion2[] = {
        "ALTER TABLE cnsauth_challenges ADD COLUMN taken_challenge TEXT",
    };

    constexpr std::array<Migration, 2> kMigrations = { {
        { 1, "accounts, cards, sessions, SMS codes, outbox, audit log, throttles, challenges",
            kVersion1 },
        { 2, "challenges: the taken challenge", kVersion2 },
    } };
} // namespace

std::int64_t schemaVersion() noexcept
{
    return kMigrations.back().version;
}

void migrate(Database& db)
{
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
            " description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    for (const Migration& m : kMigrations) {
        db.transaction([&](SqlExecutor& tx) {
            db.lockForMigration(tx);
            const SqlResult newest = tx.exec("SELECT MAX(version) FROM schema_migrations");
            const std::int64_t have = newest.rows.empty() ? 0 : newest.rows[0].integer(0, 0);
            if (have > schemaVersion())
                throw Error(Errc::BadArgument,
                    "the database has schema version " + std::to_string(have)
                        + ", newer than this tscns-portal knows (" + std::to_string(schemaVersion())
                        + ")");
            if (have >= m.version) return;
            for (std::string_view sql : m.statements)
                tx.exec(sql);
            tx.exec("INSERT INTO schema_migrations (version, description, applied_at)"
                    " VALUES ($1, $2, $3)",
                { m.version, std::string(m.description), systemNowMs() });
        });
    }
}

} // namespace tscns::portal
