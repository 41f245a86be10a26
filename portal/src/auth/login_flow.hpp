// SPDX-License-Identifier: LGPL-2.1-or-later
// The region's login procedure as steps: desk registration, password (provisional or own), new
// password, SMS code, the card (cns-auth:1) as second factor, card renewal. No HTTP here.
#pragma once

#include "sms/sms_sender.hpp"
#include "store/portal_store.hpp"
#include "util/mask.hpp"

#include "tscns/verifier/challenge_store.hpp"
#include "tscns/verifier/verifier.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tscns::portal {

struct FlowSettings {
    std::int64_t provisionalTtlMs = 30LL * 24 * 3600 * 1000; ///< provisional password validity
    int passwordFreeFailures = 5; ///< then the user ID is slowed down
    std::int64_t passwordDelayMs = 30'000; ///< first delay, doubling
    std::int64_t passwordMaxDelayMs = 15 * 60'000; ///< never longer (no lasting lockout)
    int codesPerLogin = 3; ///< SMS codes one login may ask for
    int codesPerAccountPerHour = 10;
    std::string context = "fse-login-2fa"; ///< the cns-auth context of a login
    std::string origin; ///< the portal's origin (challenges are bound to it)
};

/// Desk registration input (`tscns-portal desk register`).
struct Registration {
    std::string cardNumber; ///< 20 digits printed on the back of the card
    std::string codiceFiscale;
    std::string mobile;
    std::string givenName;
    std::string surname;
    std::string cardExpiry; ///< YYYY-MM-DD or ""
    std::string chipId; ///< EF_IDCarta (16 digits) when the desk read it, or ""
};

struct Registered {
    std::string userId;
    std::string provisionalFirstHalf; ///< for the paper form; the second half went by SMS
};

/// The outcome of the password step.
struct PasswordStep {
    enum class Result {
        NewPasswordRequired, ///< the provisional password was right (and is now used up)
        SecondFactor, ///< the password was right
        Refused, ///< wrong user ID or password (the caller never says which)
        ProvisionalExpired, ///< the right provisional password, past its validity
        Throttled, ///< too many failures for this user ID: retryAt
    };
    Result result = Result::Refused;
    std::string accountId;
    std::string cardNumber;
    std::int64_t retryAt = 0;
};

struct CodeStep {
    enum class Result { Accepted, Wrong, Expired, Throttled };
    Result result = Result::Wrong;
};

struct CardStep {
    bool ok = false;
    std::string cardNumber; ///< the account's card this certificate belongs to
    bool sessionDropped = false; ///< 3 failures: the login starts over
    std::string auditReason; ///< why it failed, for the audit log only
};

/// Normalizes and checks the desk's input; throws Error(BadArgument) with the reason.
Registration normalizeRegistration(Registration r);
/// The user ID of a printed card number: its last 10 digits.
std::string userIdOf(const std::string& cardNumber);

class LoginFlow {
public:
    LoginFlow(PortalStore& store, SmsSender& sms, verifier::ChallengeStore& challenges,
        const verifier::Verifier* verifier, FlowSettings settings);

    [[nodiscard]] const FlowSettings& settings() const noexcept { return settings_; }
    /// Card login needs a verifier (CNS CAs configured).
    [[nodiscard]] bool cardLoginEnabled() const noexcept { return verifier_ != nullptr; }

    /// Records the account and its card and sends the second half of the provisional password
    /// by SMS. Throws Error(BadArgument) when the CF or card is already registered.
    Registered registerAccount(const Registration& r);
    /// A renewal from the issuance feed: a new card of an existing account, usable by its user ID
    /// at once; the old card works until the new one is first used.
    CardRecord addCard(const std::string& codiceFiscale, const std::string& cardNumber,
        const std::string& expiry, const std::string& chipId);

    PasswordStep checkPassword(
        const std::string& userId, const std::string& password, const std::string& address);
    /// nullopt when the new password was set, else the reason to show.
    std::optional<std::string> setNewPassword(const std::string& accountId,
        const std::string& userId, const std::string& password, const std::string& confirm);
    /// Sends a new code for the login; false when the login or the account reached its limit.
    bool sendCode(const std::string& loginId, const std::string& accountId);
    CodeStep checkCode(
        const std::string& loginId, const std::string& accountId, const std::string& code);

    /// A challenge for the login's card step (bound to the login, the origin and the context).
    std::string issueChallenge(const std::string& loginId);
    /// The card step: the token through the verifier (which takes the challenge and counts the
    /// failures), then matchCard.
    CardStep verifyCard(
        const std::string& loginId, const std::string& accountId, const std::string& tokenJson);
    /// TLS client-certificate login: the certificate of the handshake (and the further
    /// certificates the client sent) through Verifier::verifyCertificate with the same policy,
    /// then matchCard. A failure counts on the login's card-step counter (3 drop the login).
    CardStep verifyClientCertificate(const std::string& loginId, const std::string& accountId,
        ByteView certificateDer, const std::vector<Bytes>& chainDer);

    /// Marks the login successful: first access, card renewal (the card that was used, by user
    /// ID or as second factor, becomes the active one), notifications.
    void completeLogin(const std::string& accountId, const std::string& cardNumber,
        const std::string& amr, const std::string& address);

private:
    /// Which of the account's cards a verified certificate is: the chip ID when known, else the
    /// one card whose expiry is the certificate's last day; a retired card is refused. The chip
    /// ID is remembered once matched. A refusal counts as a failed attempt of the login.
    CardStep matchCard(const std::string& loginId, const std::string& accountId,
        const verifier::VerifiedHolder& holder);
    /// Records a failed card or certificate attempt of the login.
    CardStep countFailure(const std::string& loginId, std::string reason);
    void notify(const AccountRecord& a, const std::string& text);
    PortalStore& store_;
    SmsSender& sms_;
    verifier::ChallengeStore& challenges_;
    const verifier::Verifier* verifier_;
    FlowSettings settings_;
};

} // namespace tscns::portal
