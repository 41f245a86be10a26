// SPDX-License-Identifier: LGPL-2.1-or-later
// LoginFlow: the steps of the region's procedure over PortalStore, the SMS sender and the
// verifier.
#include "auth/login_flow.hpp"

#include "auth/secrets.hpp"
#include "util/clock.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/codice_fiscale.hpp"

#include <algorithm>
#include <cctype>

namespace tscns::portal {

namespace {
    bool allDigits(std::string_view s)
    {
        return !s.empty()
            && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    }

    std::string upper(std::string s)
    {
        std::transform(s.begin(), s.end(), s.begin(),
            [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        return s;
    }

    std::string trim(const std::string& s)
    {
        const auto b = s.find_first_not_of(" \t");
        if (b == std::string::npos) return {};
        return s.substr(b, s.find_last_not_of(" \t") - b + 1);
    }

    bool validDate(const std::string& d)
    {
        if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
        if (!allDigits(d.substr(0, 4)) || !allDigits(d.substr(5, 2)) || !allDigits(d.substr(8, 2)))
            return false;
        const int m = std::stoi(d.substr(5, 2));
        const int day = std::stoi(d.substr(8, 2));
        return m >= 1 && m <= 12 && day >= 1 && day <= 31;
    }

    std::string normalizeMobile(const std::string& in)
    {
        std::string out;
        for (char c : in) {
            if (c == ' ' || c == '-' || c == '.') continue;
            out.push_back(c);
        }
        const std::string digits = out.starts_with('+') ? out.substr(1) : out;
        if (!allDigits(digits) || digits.size() < 6 || digits.size() > 15)
            throw Error(
                Errc::BadArgument, "mobile number must be 6 to 15 digits, optionally after +");
        return out;
    }

    void checkCardNumber(const std::string& n)
    {
        if (n.size() != 20 || !allDigits(n))
            throw Error(Errc::BadArgument,
                "card number must be the 20 digits printed on the back of the card");
    }

    void checkChipId(const std::string& id)
    {
        if (!id.empty() && (id.size() != 16 || !allDigits(id)))
            throw Error(Errc::BadArgument, "chip ID (EF_IDCarta) must be 16 digits");
    }

    std::string userKey(const std::string& userId)
    {
        return "user:" + userId;
    }
} // namespace

std::string userIdOf(const std::string& cardNumber)
{
    return cardNumber.size() >= 10 ? cardNumber.substr(cardNumber.size() - 10) : cardNumber;
}

Registration normalizeRegistration(Registration r)
{
    r.cardNumber = trim(r.cardNumber);
    checkCardNumber(r.cardNumber);
    r.codiceFiscale = upper(trim(r.codiceFiscale));
    cns::validateCodiceFiscale(r.codiceFiscale);
    r.mobile = normalizeMobile(r.mobile);
    r.givenName = trim(r.givenName);
    r.surname = trim(r.surname);
    if (r.givenName.empty() || r.surname.empty())
        throw Error(Errc::BadArgument, "given name and surname are required");
    if (r.givenName.size() > 100 || r.surname.size() > 100)
        throw Error(Errc::BadArgument, "given name and surname are at most 100 bytes each");
    r.cardExpiry = trim(r.cardExpiry);
    if (!r.cardExpiry.empty() && !validDate(r.cardExpiry))
        throw Error(Errc::BadArgument, "card expiry must be YYYY-MM-DD");
    checkChipId(r.chipId);
    return r;
}

LoginFlow::LoginFlow(PortalStore& store, SmsSender& sms, verifier::ChallengeStore& challenges,
    const verifier::Verifier* verifier, FlowSettings settings)
    : store_(store)
    , sms_(sms)
    , challenges_(challenges)
    , verifier_(verifier)
    , settings_(std::move(settings))
{
}

Registered LoginFlow::registerAccount(const Registration& in)
{
    const Registration r = normalizeRegistration(in);
    const std::string provisional = provisionalPassword();
    AccountRecord a;
    a.id = randomToken(16);
    a.codiceFiscale = r.codiceFiscale;
    a.givenName = r.givenName;
    a.surname = r.surname;
    a.mobile = r.mobile;
    a.provisionalHash = hashPassword(provisional);
    a.provisionalExpiresAt = store_.now() + settings_.provisionalTtlMs;
    CardRecord c { r.cardNumber, userIdOf(r.cardNumber), a.id, r.cardExpiry,
        std::string(card_status::kActive), r.chipId };
    const char* taken
        = "an account with this codice fiscale, card number or user ID is already registered";
    if (store_.accountByCf(a.codiceFiscale) || store_.cardByUserId(c.userId))
        throw Error(Errc::BadArgument, taken);
    // The SMS first: when it cannot be sent nothing is recorded, and the desk can simply try
    // again (an account whose second half never reached the mobile could not be used).
    const std::string second = provisional.substr(5);
    try {
        sms_.send({ a.mobile, "provisional-password",
            "Fascicolo Sanitario: la seconda parte della password provvisoria e' " + second
                + ". La prima parte e' sul modulo consegnato allo sportello.",
            second });
    } catch (const Error& e) {
        store_.audit("sms-failed", maskMobile(a.mobile), "desk", e.message());
        throw Error(Errc::Transport,
            "the SMS with the second half of the provisional password could not be sent, so "
            "nothing was registered (try again): "
                + e.message());
    }
    if (!store_.insertAccount(a, c)) throw Error(Errc::BadArgument, taken);
    store_.audit("desk-register", maskId(c.userId), "desk",
        "account registered, card " + maskId(c.cardNumber));
    return { c.userId, provisional.substr(0, 5) };
}

CardRecord LoginFlow::addCard(const std::string& cfIn, const std::string& cardNumberIn,
    const std::string& expiry, const std::string& chipId)
{
    const std::string cf = upper(trim(cfIn));
    const std::string number = trim(cardNumberIn);
    checkCardNumber(number);
    if (!validDate(expiry)) throw Error(Errc::BadArgument, "card expiry must be YYYY-MM-DD");
    checkChipId(chipId);
    const auto account = store_.accountByCf(cf);
    if (!account) throw Error(Errc::BadArgument, "no account has the codice fiscale " + maskCf(cf));
    CardRecord c { number, userIdOf(number), account->id, expiry,
        std::string(card_status::kPending), chipId };
    if (!store_.insertCard(c))
        throw Error(Errc::BadArgument, "the card number or its user ID is already registered");
    store_.audit("card-added", maskId(c.userId), "issuance", "renewal card for " + maskCf(cf));
    return c;
}

PasswordStep LoginFlow::checkPassword(
    const std::string& userId, const std::string& password, const std::string& address)
{
    PasswordStep out;
    const std::string key = userKey(userId.substr(0, 32));
    if (const std::int64_t until = store_.blockedUntil(key); until != 0) {
        out.result = PasswordStep::Result::Throttled;
        out.retryAt = until;
        store_.audit("login-throttled", maskId(userId), address, "password step while slowed down");
        return out;
    }
    std::optional<CardRecord> card;
    if (userId.size() == 10 && allDigits(userId)) card = store_.cardByUserId(userId);
    std::optional<AccountRecord> account;
    if (card) account = store_.accountById(card->accountId);
    std::string why;
    bool usable = account.has_value();
    if (!usable) why = "unknown user ID";
    if (usable && card->status == card_status::kRetired) {
        usable = false;
        why = "the card of this user ID was replaced by a newer one";
    }
    if (usable && !card->expiry.empty() && card->expiry < utcDate(store_.now())) {
        usable = false;
        why = "the card of this user ID expired on " + card->expiry;
    }
    const bool provisional = usable && account->passwordHash.empty();
    const std::string hash = !usable ? std::string()
        : provisional                ? account->provisionalHash
                                     : account->passwordHash;
    // Always one argon2id verification, so that timing tells nothing about the user ID.
    const bool match = verifyPassword(hash, password) && usable && !hash.empty();
    if (!match) {
        if (usable && why.empty())
            why = provisional ? "wrong provisional password" : "wrong password";
        out.retryAt = store_.failure(key, settings_.passwordFreeFailures, settings_.passwordDelayMs,
            settings_.passwordMaxDelayMs);
        store_.audit("login-failed", maskId(userId), address, why);
        return out;
    }
    store_.clearFailures(key);
    out.accountId = account->id;
    out.cardNumber = card->cardNumber;
    if (provisional) {
        if (store_.now() >= account->provisionalExpiresAt) {
            out.result = PasswordStep::Result::ProvisionalExpired;
            store_.audit("login-failed", maskId(userId), address, "provisional password expired");
            return out;
        }
        if (!store_.consumeProvisional(account->id)) {
            out.result = PasswordStep::Result::Refused;
            store_.audit(
                "login-failed", maskId(userId), address, "provisional password already used");
            return out;
        }
        out.result = PasswordStep::Result::NewPasswordRequired;
        store_.audit("login-provisional", maskId(userId), address, "provisional password accepted");
        return out;
    }
    out.result = PasswordStep::Result::SecondFactor;
    store_.audit("login-password", maskId(userId), address, "password accepted");
    return out;
}

std::optional<std::string> LoginFlow::setNewPassword(const std::string& accountId,
    const std::string& userId, const std::string& password, const std::string& confirm)
{
    const auto account = store_.accountById(accountId);
    if (!account) return std::string("l'accesso e' scaduto: ricomincia");
    if (!constantTimeEqual(password, confirm)) return std::string("le due password non coincidono");
    PasswordContext ctx;
    ctx.personalWords = { userId, account->codiceFiscale, account->givenName, account->surname };
    if (auto problem = passwordProblem(password, ctx)) return problem;
    store_.setPassword(accountId, hashPassword(password));
    store_.audit("password-set", maskId(userId), "", "new password set at first access");
    if (account->firstAccessAt)
        notify(*account, "Fascicolo Sanitario: la password e' stata cambiata.");
    return std::nullopt;
}

bool LoginFlow::sendCode(const std::string& loginId, const std::string& accountId)
{
    const auto account = store_.accountById(accountId);
    if (!account) return false;
    if (store_.smsCodesSent(loginId) >= settings_.codesPerLogin) return false;
    if (!store_.hit("sms:" + accountId, 3600'000, settings_.codesPerAccountPerHour)) return false;
    const std::string code = store_.newSmsCode(loginId, accountId);
    try {
        sms_.send({ account->mobile, "otp",
            "Fascicolo Sanitario: il codice di accesso e' " + code
                + ". Scade tra 5 minuti. Non"
                  " comunicarlo a nessuno.",
            code });
    } catch (const Error& e) {
        // The code stays counted against the limits (a failing gateway is not retried forever)
        // but never reached anyone.
        store_.audit("sms-failed", maskMobile(account->mobile), "", e.message());
        throw Error(Errc::Transport, "the SMS code could not be sent: " + e.message());
    }
    return true;
}

CodeStep LoginFlow::checkCode(
    const std::string& loginId, const std::string& accountId, const std::string& code)
{
    CodeStep out;
    const std::string key = "otp:" + accountId;
    if (store_.blockedUntil(key) != 0) {
        out.result = CodeStep::Result::Throttled;
        return out;
    }
    const std::string c = code.size() == 6 && allDigits(code) ? code : std::string("x");
    switch (store_.checkSmsCode(loginId, c)) {
    case CodeCheck::Accepted:
        store_.clearFailures(key);
        out.result = CodeStep::Result::Accepted;
        return out;
    case CodeCheck::Wrong:
        store_.failure(key, 10, 60'000, 15 * 60'000);
        out.result = CodeStep::Result::Wrong;
        return out;
    case CodeCheck::NoLiveCode:
        out.result = CodeStep::Result::Expired;
        return out;
    }
    return out;
}

std::string LoginFlow::issueChallenge(const std::string& loginId)
{
    return challenges_.issue(loginId, settings_.origin, settings_.context);
}

CardStep LoginFlow::verifyCard(
    const std::string& loginId, const std::string& accountId, const std::string& tokenJson)
{
    CardStep out;
    const auto account = store_.accountById(accountId);
    if (verifier_ == nullptr || !account) {
        out.auditReason
            = verifier_ == nullptr ? "no CNS CA configured: card login disabled" : "no account";
        return out;
    }
    verifier::Account binding;
    binding.codiceFiscale = account->codiceFiscale;
    // The store-backed verify takes the challenge first and counts its own failures.
    const verifier::Outcome outcome = verifier_->verify(challenges_, loginId, tokenJson, binding);
    if (!outcome.ok()) {
        const verifier::Failure& f = outcome.failure();
        out.sessionDropped = f.sessionDropped || f.code == verifier::FailureCode::TooManyAttempts;
        out.auditReason = std::string(verifier::failureCodeName(f.code)) + ": " + f.reason;
        return out;
    }
    return matchCard(loginId, accountId, outcome.holder());
}

CardStep LoginFlow::verifyClientCertificate(const std::string& loginId,
    const std::string& accountId, ByteView certificateDer, const std::vector<Bytes>& chainDer)
{
    CardStep out;
    const auto account = store_.accountById(accountId);
    if (verifier_ == nullptr || !account) {
        out.auditReason = verifier_ == nullptr ? "no CNS CA configured: certificate login disabled"
                                               : "no account";
        return out;
    }
    verifier::Account binding;
    binding.codiceFiscale = account->codiceFiscale;
    const verifier::Outcome outcome
        = verifier_->verifyCertificate(certificateDer, chainDer, binding);
    if (!outcome.ok()) {
        const verifier::Failure& f = outcome.failure();
        // No challenge here: the failure goes on the same counter as the card step's.
        return countFailure(loginId,
            std::string(verifier::failureCodeName(f.code)) + ": " + f.reason
                + (f.certificateSerial.empty() ? std::string()
                                               : " (certificate " + f.certificateSerial + " of "
                            + f.certificateIssuer + ")"));
    }
    return matchCard(loginId, accountId, outcome.holder());
}

CardStep LoginFlow::countFailure(const std::string& loginId, std::string reason)
{
    CardStep out;
    out.auditReason = std::move(reason);
    out.sessionDropped
        = challenges_.recordFailure(loginId) >= verifier::ChallengeStore::kMaxFailedAttempts;
    return out;
}

CardStep LoginFlow::matchCard(
    const std::string& loginId, const std::string& accountId, const verifier::VerifiedHolder& h)
{
    // A verified card that is not (or no longer) the account's counts as a failed attempt.
    auto refuse = [&](std::string reason) { return countFailure(loginId, std::move(reason)); };
    // Which of the account's cards is this? By the chip's ID when known, else by the expiry
    // date (the certificate ends on the card's expiry day).
    const std::vector<CardRecord> cards = store_.cardsOf(accountId);
    const std::string certDate = h.notAfter.substr(0, 10);
    const CardRecord* chosen = nullptr;
    for (const CardRecord& c : cards)
        if (!c.chipId.empty() && c.chipId == h.cardId) chosen = &c;
    if (chosen == nullptr) {
        std::vector<const CardRecord*> byDate;
        std::vector<const CardRecord*> unbound;
        bool anyRetired = false;
        for (const CardRecord& c : cards) {
            if (c.status == card_status::kRetired) {
                anyRetired = true;
                if (c.chipId.empty() && c.expiry == certDate)
                    return refuse("the certificate matches the replaced card " + maskId(c.userId));
                continue;
            }
            if (!c.chipId.empty()) continue;
            unbound.push_back(&c);
            if (c.expiry == certDate) byDate.push_back(&c);
        }
        if (byDate.size() == 1)
            chosen = byDate.front();
        else if (byDate.empty() && unbound.size() == 1 && unbound.front()->expiry.empty()
            && !anyRetired)
            chosen = unbound.front();
        if (chosen == nullptr)
            return refuse("certificate of card " + maskId(h.cardId) + " (valid to " + certDate
                + ") matches none of the account's cards");
        store_.bindChip(chosen->cardNumber, h.cardId);
    }
    if (chosen->status == card_status::kRetired)
        return refuse("card " + maskId(chosen->userId) + " was replaced by a newer one");
    CardStep out;
    out.ok = true;
    out.cardNumber = chosen->cardNumber;
    out.auditReason = "certificate " + h.certificateSerial + " of " + h.issuer;
    return out;
}

void LoginFlow::completeLogin(const std::string& accountId, const std::string& cardNumber,
    const std::string& amr, const std::string& address)
{
    const auto account = store_.accountById(accountId);
    if (!account) return;
    const bool firstAccess = !account->firstAccessAt.has_value();
    std::string replaced;
    for (const CardRecord& c : store_.cardsOf(accountId)) {
        if (c.cardNumber == cardNumber && c.status == card_status::kPending) replaced = c.userId;
    }
    if (!replaced.empty() || firstAccess) store_.activateCard(accountId, cardNumber);
    if (firstAccess) store_.markFirstAccess(accountId);
    store_.audit("login-success", maskId(userIdOf(cardNumber)), address,
        "amr " + amr + (firstAccess ? ", first access" : "")
            + (replaced.empty() ? "" : ", renewal card now active"));
    if (firstAccess) return;
    if (!replaced.empty())
        notify(*account,
            "Fascicolo Sanitario: la nuova tessera (utente ..." + replaced.substr(6)
                + ") e' ora attiva; la tessera precedente non e' piu' valida per l'accesso.");
    notify(*account, "Fascicolo Sanitario: nuovo accesso al tuo fascicolo.");
}

void LoginFlow::notify(const AccountRecord& a, const std::string& text)
{
    try {
        sms_.send({ a.mobile, "notification", text, "" });
    } catch (const Error& e) {
        store_.audit("sms-failed", maskMobile(a.mobile), "", e.message());
    }
}

} // namespace tscns::portal
