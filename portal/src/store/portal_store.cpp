// SPDX-License-Identifier: LGPL-2.1-or-later
// PortalStore: the SQL of the portal's records (portable between SQLite and PostgreSQL).
#include "store/portal_store.hpp"

#include "auth/secrets.hpp"
#include "util/clock.hpp"
#include "util/mask.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>

namespace tscns::portal {

namespace {
    constexpr std::string_view kAccountColumns
        = "id, codice_fiscale, given_name, surname, mobile, password_hash, provisional_hash,"
          " provisional_expires_at, first_access_at";
    constexpr std::string_view kCardColumns
        = "card_number, user_id, account_id, expiry, status, chip_id";
    constexpr std::string_view kSessionColumns
        = "id_hash, login_id, stage, account_id, card_number, csrf, amr, created_at, last_seen_at,"
          " expires_at, authenticated_at";

    AccountRecord account(const SqlRow& r)
    {
        AccountRecord a;
        a.id = r.text(0);
        a.codiceFiscale = r.text(1);
        a.givenName = r.text(2);
        a.surname = r.text(3);
        a.mobile = r.text(4);
        a.passwordHash = r.text(5);
        a.provisionalHash = r.text(6);
        a.provisionalExpiresAt = r.integer(7);
        if (!r.isNull(8)) a.firstAccessAt = r.integer(8);
        return a;
    }

    CardRecord card(const SqlRow& r)
    {
        return CardRecord { r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5) };
    }

    SessionRecord session(const SqlRow& r)
    {
        SessionRecord s;
        s.idHash = r.text(0);
        s.loginId = r.text(1);
        s.stage = r.text(2);
        s.accountId = r.text(3);
        s.cardNumber = r.text(4);
        s.csrf = r.text(5);
        s.amr = r.text(6);
        s.createdAt = r.integer(7);
        s.lastSeenAt = r.integer(8);
        s.expiresAt = r.integer(9);
        if (!r.isNull(10)) s.authenticatedAt = r.integer(10);
        return s;
    }

    SqlParam optionalText(const std::string& s)
    {
        if (s.empty()) return nullptr;
        return s;
    }

    std::string sql(std::string_view a, std::string_view b, std::string_view c = {})
    {
        std::string out(a);
        out += b;
        out += c;
        return out;
    }

    std::string codeHash(const std::string& loginId, const std::string& code)
    {
        return sha256Hex(loginId + ":" + code);
    }
} // namespace

PortalStore::PortalStore(Database& db, NowMs now)
    : db_(db)
    , now_(std::move(now))
{
}

std::int64_t PortalStore::now() const
{
    return now_ ? now_() : systemNowMs();
}

std::optional<AccountRecord> PortalStore::accountById(const std::string& id)
{
    const SqlResult r
        = db_.exec(sql("SELECT ", kAccountColumns, " FROM accounts WHERE id = $1"), { id });
    if (r.rows.empty()) return std::nullopt;
    return account(r.rows[0]);
}

std::optional<AccountRecord> PortalStore::accountByCf(const std::string& cf)
{
    const SqlResult r = db_.exec(
        sql("SELECT ", kAccountColumns, " FROM accounts WHERE codice_fiscale = $1"), { cf });
    if (r.rows.empty()) return std::nullopt;
    return account(r.rows[0]);
}

bool PortalStore::insertAccount(const AccountRecord& a, const CardRecord& c)
{
    // Thrown inside the transaction to roll the account back when its card is taken.
    struct CardTaken { };
    bool inserted = false;
    try {
        db_.transaction([&](SqlExecutor& tx) {
            const SqlResult acc
                = tx.exec("INSERT INTO accounts (id, codice_fiscale, given_name, surname, mobile, "
                          "password_hash,"
                          " provisional_hash, provisional_expires_at, first_access_at, created_at) "
                          "VALUES ($1,"
                          " $2, $3, $4, $5, NULL, $6, $7, NULL, $8) ON CONFLICT DO NOTHING",
                    { a.id, a.codiceFiscale, a.givenName, a.surname, a.mobile, a.provisionalHash,
                        a.provisionalExpiresAt, now() });
            if (acc.affected != 1) return;
            const SqlResult crd = tx.exec(
                "INSERT INTO cards (card_number, user_id, account_id, expiry, status, chip_id,"
                " added_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                { c.cardNumber, c.userId, a.id, optionalText(c.expiry), c.status,
                    optionalText(c.chipId), now() });
            if (crd.affected != 1) throw CardTaken {};
            inserted = true;
        });
    } catch (const CardTaken&) {
        return false;
    }
    return inserted;
}

bool PortalStore::insertCard(const CardRecord& c)
{
    const SqlResult r = db_.exec(
        "INSERT INTO cards (card_number, user_id, account_id, expiry, status, chip_id, added_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        { c.cardNumber, c.userId, c.accountId, optionalText(c.expiry), c.status,
            optionalText(c.chipId), now() });
    return r.affected == 1;
}

std::optional<CardRecord> PortalStore::cardByUserId(const std::string& userId)
{
    const SqlResult r
        = db_.exec(sql("SELECT ", kCardColumns, " FROM cards WHERE user_id = $1"), { userId });
    if (r.rows.empty()) return std::nullopt;
    return card(r.rows[0]);
}

std::vector<CardRecord> PortalStore::cardsOf(const std::string& accountId)
{
    const SqlResult r
        = db_.exec(sql("SELECT ", kCardColumns,
                       " FROM cards WHERE account_id = $1 ORDER BY added_at, card_number"),
            { accountId });
    std::vector<CardRecord> out;
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows)
        out.push_back(card(row));
    return out;
}

void PortalStore::bindChip(const std::string& cardNumber, const std::string& chipId)
{
    db_.exec("UPDATE cards SET chip_id = $2 WHERE card_number = $1 AND chip_id IS NULL",
        { cardNumber, chipId });
}

void PortalStore::activateCard(const std::string& accountId, const std::string& cardNumber)
{
    db_.transaction([&](SqlExecutor& tx) {
        tx.exec("UPDATE cards SET status = 'active', first_used_at = COALESCE(first_used_at, $3)"
                " WHERE account_id = $1 AND card_number = $2",
            { accountId, cardNumber, now() });
        tx.exec("UPDATE cards SET status = 'retired', retired_at = $3 WHERE account_id = $1"
                " AND card_number <> $2 AND status <> 'retired'",
            { accountId, cardNumber, now() });
    });
}

bool PortalStore::consumeProvisional(const std::string& accountId)
{
    const SqlResult r = db_.exec("UPDATE accounts SET provisional_hash = NULL WHERE id = $1 AND"
                                 " provisional_hash IS NOT NULL",
        { accountId });
    return r.affected == 1;
}

void PortalStore::setPassword(const std::string& accountId, const std::string& hash)
{
    db_.exec("UPDATE accounts SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
        { accountId, hash, now() });
}

void PortalStore::markFirstAccess(const std::string& accountId)
{
    db_.exec("UPDATE accounts SET first_access_at = $2 WHERE id = $1 AND first_access_at IS NULL",
        { accountId, now() });
}

void PortalStore::setProvisional(
    const std::string& accountId, const std::string& hash, std::int64_t expiresAt)
{
    db_.exec("UPDATE accounts SET provisional_hash = $2, provisional_expires_at = $3 WHERE id = $1",
        { accountId, hash, expiresAt });
}

std::string PortalStore::createSession(const SessionRecord& f)
{
    std::string token = randomToken(32);
    db_.exec(sql("INSERT INTO sessions (", kSessionColumns,
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
        { sha256Hex(token), f.loginId, f.stage, optionalText(f.accountId),
            optionalText(f.cardNumber), f.csrf, f.amr, now(), now(), f.expiresAt,
            f.authenticatedAt ? SqlParam(*f.authenticatedAt) : SqlParam(nullptr) });
    return token;
}

std::optional<SessionRecord> PortalStore::sessionByToken(const std::string& token)
{
    const SqlResult r = db_.exec(
        sql("SELECT ", kSessionColumns, " FROM sessions WHERE id_hash = $1 AND expires_at > $2"),
        { sha256Hex(token), now() });
    if (r.rows.empty()) return std::nullopt;
    return session(r.rows[0]);
}

std::optional<std::string> PortalStore::rotateSession(
    const std::string& oldToken, const SessionRecord& f)
{
    const SqlResult gone
        = db_.exec("DELETE FROM sessions WHERE id_hash = $1", { sha256Hex(oldToken) });
    // Of two requests racing with one session, only the one that deleted it continues.
    if (gone.affected != 1) return std::nullopt;
    return createSession(f);
}

void PortalStore::touchSession(const std::string& idHash, std::int64_t expiresAt)
{
    db_.exec("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1",
        { idHash, now(), expiresAt });
}

void PortalStore::deleteSession(const std::string& token)
{
    db_.exec("DELETE FROM sessions WHERE id_hash = $1", { sha256Hex(token) });
}

std::size_t PortalStore::purgeSessions()
{
    const std::int64_t t = now();
    std::size_t n = static_cast<std::size_t>(
        db_.exec("DELETE FROM sessions WHERE expires_at <= $1", { t }).affected);
    db_.exec("DELETE FROM sms_codes WHERE expires_at <= $1", { t - 24 * 3600 * 1000 });
    db_.exec("DELETE FROM throttles WHERE blocked_until < $1 AND updated_at < $2",
        { t, t - 24 * 3600 * 1000 });
    return n;
}

std::string PortalStore::newSmsCode(const std::string& loginId, const std::string& accountId)
{
    std::string code = randomDigits(kCodeDigits);
    db_.transaction([&](SqlExecutor& tx) {
        tx.exec("UPDATE sms_codes SET used = 1 WHERE login_id = $1 AND used = 0", { loginId });
        tx.exec(
            "INSERT INTO sms_codes (id, login_id, account_id, code_hash, created_at, expires_at,"
            " tries, used) VALUES ($1, $2, $3, $4, $5, $6, 0, 0)",
            { randomToken(16), loginId, accountId, codeHash(loginId, code), now(),
                now() + kCodeTtlMs });
    });
    return code;
}

int PortalStore::smsCodesSent(const std::string& loginId)
{
    const SqlResult r = db_.exec("SELECT COUNT(*) FROM sms_codes WHERE login_id = $1", { loginId });
    return r.rows.empty() ? 0 : static_cast<int>(r.rows[0].integer(0));
}

CodeCheck PortalStore::checkSmsCode(const std::string& loginId, const std::string& code)
{
    // One try is spent before comparing, in one statement, so parallel guesses cannot exceed
    // the limit.
    const SqlResult r = db_.exec(
        "UPDATE sms_codes SET tries = tries + 1 WHERE login_id = $1 AND used = 0 AND tries < $2"
        " AND expires_at > $3 RETURNING id, code_hash",
        { loginId, std::int64_t { kCodeMaxTries }, now() });
    if (r.rows.empty()) return CodeCheck::NoLiveCode;
    const std::string id = r.rows[0].text(0);
    if (!constantTimeEqual(r.rows[0].text(1), codeHash(loginId, code))) return CodeCheck::Wrong;
    const SqlResult used
        = db_.exec("UPDATE sms_codes SET used = 1 WHERE id = $1 AND used = 0", { id });
    return used.affected == 1 ? CodeCheck::Accepted : CodeCheck::NoLiveCode;
}

void PortalStore::outboxAdd(const OutboxEntry& e)
{
    db_.exec("INSERT INTO sms_outbox (id, created_at, recipient, kind, body, code) VALUES ($1, $2,"
             " $3, $4, $5, $6)",
        { randomToken(16), e.at != 0 ? e.at : now(), e.to, e.kind, e.text, optionalText(e.code) });
}

std::vector<OutboxEntry> PortalStore::outbox(const std::string& to)
{
    const SqlResult r = to.empty()
        ? db_.exec("SELECT recipient, kind, body, code, created_at FROM sms_outbox ORDER BY"
                   " created_at, id")
        : db_.exec("SELECT recipient, kind, body, code, created_at FROM sms_outbox WHERE"
                   " recipient = $1 ORDER BY created_at, id",
            { to });
    std::vector<OutboxEntry> out;
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows)
        out.push_back({ row.text(0), row.text(1), row.text(2), row.text(3), row.integer(4) });
    return out;
}

void PortalStore::audit(const std::string& event, const std::string& subject,
    const std::string& address, const std::string& detail)
{
    db_.exec("INSERT INTO audit_log (id, at, event, subject, address, detail) VALUES ($1, $2, $3,"
             " $4, $5, $6)",
        { randomToken(16), now(), event, subject, address, maskCodiciFiscali(detail) });
}

bool PortalStore::hit(const std::string& key, std::int64_t windowMs, std::int64_t limit)
{
    const std::int64_t t = now();
    const SqlResult r = db_.exec(
        "INSERT INTO throttles (key, window_start, hits, failures, blocked_until, updated_at)"
        " VALUES ($1, $2, 1, 0, 0, $2) ON CONFLICT (key) DO UPDATE SET"
        " hits = CASE WHEN throttles.window_start <= $3 THEN 1 ELSE throttles.hits + 1 END,"
        " window_start = CASE WHEN throttles.window_start <= $3 THEN $2 ELSE"
        " throttles.window_start END, updated_at = $2 RETURNING hits",
        { key, t, t - windowMs });
    return r.rows.empty() || r.rows[0].integer(0) <= limit;
}

std::int64_t PortalStore::blockedUntil(const std::string& key)
{
    const SqlResult r = db_.exec("SELECT blocked_until FROM throttles WHERE key = $1", { key });
    if (r.rows.empty()) return 0;
    const std::int64_t until = r.rows[0].integer(0);
    return until > now() ? until : 0;
}

std::int64_t PortalStore::failure(
    const std::string& key, int freeFailures, std::int64_t baseMs, std::int64_t maxMs)
{
    const std::int64_t t = now();
    const SqlResult r = db_.exec(
        "INSERT INTO throttles (key, window_start, hits, failures, blocked_until, updated_at)"
        " VALUES ($1, $2, 0, 1, 0, $2) ON CONFLICT (key) DO UPDATE SET failures ="
        " throttles.failures + 1, updated_at = $2 RETURNING failures",
        { key, t });
    const std::int64_t failures = r.rows.empty() ? 1 : r.rows[0].integer(0);
    if (failures < freeFailures) return 0;
    std::int64_t delay = baseMs;
    for (std::int64_t i = freeFailures; i < failures && delay < maxMs; ++i)
        delay *= 2;
    const std::int64_t until = t + std::min(delay, maxMs);
    db_.exec("UPDATE throttles SET blocked_until = $2 WHERE key = $1", { key, until });
    return until;
}

void PortalStore::clearFailures(const std::string& key)
{
    db_.exec("UPDATE throttles SET failures = 0, blocked_until = 0 WHERE key = $1", { key });
}

} // namespace tscns::portal
