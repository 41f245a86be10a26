// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's records on the Database: accounts, cards, sessions (with their pending login),
// SMS codes, the SMS outbox, the audit log and the throttles.
#pragma once

#include "db/database.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tscns::portal {

/// Milliseconds since the epoch; tests pass a fake clock.
using NowMs = std::function<std::int64_t()>;

struct AccountRecord {
    std::string id;
    std::string codiceFiscale;
    std::string givenName;
    std::string surname;
    std::string mobile;
    std::string passwordHash; ///< "" until the first access sets one
    std::string provisionalHash; ///< "" once used
    std::int64_t provisionalExpiresAt = 0;
    std::optional<std::int64_t> firstAccessAt;
};

namespace card_status {
    inline constexpr std::string_view kActive = "active";
    inline constexpr std::string_view kPending = "pending"; ///< a renewal, not used yet
    inline constexpr std::string_view kRetired = "retired";
} // namespace card_status

struct CardRecord {
    std::string cardNumber; ///< the 20 digits printed on the back
    std::string userId; ///< its last 10 digits
    std::string accountId;
    std::string expiry; ///< YYYY-MM-DD, "" when unknown
    std::string status;
    std::string chipId; ///< EF_IDCarta (16 digits) once known, else ""
};

namespace stage {
    inline constexpr std::string_view kAnonymous = "anonymous"; ///< no login yet
    inline constexpr std::string_view kNewPassword = "new-password"; ///< provisional password OK
    inline constexpr std::string_view kSecondFactor = "second-factor"; ///< password OK
    inline constexpr std::string_view kOtp = "otp"; ///< an SMS code was sent
    inline constexpr std::string_view kAuthenticated = "authenticated";
} // namespace stage

struct SessionRecord {
    std::string idHash; ///< SHA-256 of the cookie value (the value itself is never stored)
    std::string loginId; ///< stable across the ID rotations of one login
    std::string stage;
    std::string accountId;
    std::string cardNumber; ///< the card whose user ID started the login
    std::string csrf;
    std::string amr;
    std::int64_t createdAt = 0;
    std::int64_t lastSeenAt = 0;
    std::int64_t expiresAt = 0;
    std::optional<std::int64_t> authenticatedAt;
};

struct OutboxEntry {
    std::string to;
    std::string kind; ///< provisional-password, otp, notification
    std::string text;
    std::string code; ///< the code or password half the message carries, "" for notifications
    std::int64_t at = 0;
};

enum class CodeCheck {
    Accepted, ///< the live code matched; it is now used
    Wrong, ///< a live code exists and did not match (one try spent)
    NoLiveCode, ///< none sent, expired, used, or its tries are spent
};

class PortalStore {
public:
    static constexpr int kCodeDigits = 6;
    static constexpr std::int64_t kCodeTtlMs = 5 * 60 * 1000;
    static constexpr int kCodeMaxTries = 5;

    PortalStore(Database& db, NowMs now = {});
    [[nodiscard]] std::int64_t now() const;
    [[nodiscard]] Database& database() noexcept { return db_; }

    // ---- accounts and cards
    std::optional<AccountRecord> accountById(const std::string& id);
    std::optional<AccountRecord> accountByCf(const std::string& cf);
    /// Inserts the account and its first card in one transaction; false (nothing written) when
    /// the codice fiscale, the card number or its user ID is already registered.
    bool insertAccount(const AccountRecord& account, const CardRecord& card);
    /// False when the card number or its user ID is already registered.
    bool insertCard(const CardRecord& card);
    std::optional<CardRecord> cardByUserId(const std::string& userId);
    std::vector<CardRecord> cardsOf(const std::string& accountId);
    void bindChip(const std::string& cardNumber, const std::string& chipId);
    /// The card becomes the account's active card; every other card of the account is retired.
    void activateCard(const std::string& accountId, const std::string& cardNumber);
    /// Consumes the provisional password (single use): true when it was still there.
    bool consumeProvisional(const std::string& accountId);
    void setPassword(const std::string& accountId, const std::string& hash);
    void markFirstAccess(const std::string& accountId);
    void setProvisional(
        const std::string& accountId, const std::string& hash, std::int64_t expiresAt);

    // ---- sessions: the cookie value is returned once and stored only hashed
    std::string createSession(const SessionRecord& fields);
    std::optional<SessionRecord> sessionByToken(const std::string& token);
    /// Replaces the session by a new ID with `fields` (a new ID at every authentication step);
    /// returns the new cookie value, or nullopt when the old session was already gone.
    std::optional<std::string> rotateSession(
        const std::string& oldToken, const SessionRecord& fields);
    void touchSession(const std::string& idHash, std::int64_t expiresAt);
    void deleteSession(const std::string& token);
    std::size_t purgeSessions();

    // ---- SMS codes, bound to one login
    /// Stores a new code for the login (older live codes of the login die) and returns it.
    std::string newSmsCode(const std::string& loginId, const std::string& accountId);
    /// How many codes the login was sent.
    int smsCodesSent(const std::string& loginId);
    CodeCheck checkSmsCode(const std::string& loginId, const std::string& code);

    // ---- the outbox (the default SMS sender)
    void outboxAdd(const OutboxEntry& entry);
    std::vector<OutboxEntry> outbox(const std::string& to = {});

    // ---- audit log
    void audit(const std::string& event, const std::string& subject, const std::string& address,
        const std::string& detail);

    // ---- throttles
    /// Counts one hit in a fixed window; false when more than `limit` hits fell in it.
    bool hit(const std::string& key, std::int64_t windowMs, std::int64_t limit);
    /// The time until which `key` is blocked (0: not blocked).
    std::int64_t blockedUntil(const std::string& key);
    /// Counts a failure; from the `freeFailures`-th on the key is blocked for a delay that
    /// doubles from `baseMs` up to `maxMs`. Returns the new blocked-until time (0 when none).
    std::int64_t failure(
        const std::string& key, int freeFailures, std::int64_t baseMs, std::int64_t maxMs);
    void clearFailures(const std::string& key);

private:
    Database& db_;
    NowMs now_;
};

} // namespace tscns::portal
