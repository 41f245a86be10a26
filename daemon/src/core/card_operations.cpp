// SPDX-License-Identifier: LGPL-2.1-or-later
// authenticate and identity, as sequences over CardService, UserInterface and OperationControl.
#include "core/card_operations.hpp"

#include "core/daemon_error.hpp"
#include "core/http_error.hpp"
#include "core/log.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/subject_cn.hpp"
#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/cnsauth/token.hpp"
#include "tscns/cnsauth/validators.hpp"
#include "tscns/crypto/certificate.hpp"
#include "tscns/crypto/rsa_padding.hpp"

#include <nlohmann/json.hpp>

#include <ctime>

namespace tscns::daemon {

namespace {
    using Json = nlohmann::ordered_json;

    /// What the daemon needs from the certificate.
    struct CertFacts {
        std::string codiceFiscale; ///< empty when the CN is not in the CNS form
        std::size_t modulusBytes = 0;
        bool expired = false;
        std::string notAfter;
    };

    std::string isoUtc(std::chrono::system_clock::time_point t)
    {
        const std::time_t tt = std::chrono::system_clock::to_time_t(t);
        std::tm tm {};
        gmtime_r(&tt, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return buf;
    }

    CertFacts certFacts(const OperationEnv& env, const Bytes& der)
    {
        const crypto::CertificateInfo info = crypto::inspectCertificate(der);
        if (info.keyType != "RSA")
            throw Error(
                Errc::Unsupported, "the authentication key is " + info.keyType + ", not RSA");
        CertFacts f;
        f.modulusBytes = static_cast<std::size_t>((info.keyBits + 7) / 8);
        f.notAfter = info.notAfter;
        // Same format on both sides ("2025-01-15T00:00:00Z"): the strings compare as times.
        f.expired = !info.notAfter.empty() && info.notAfter < isoUtc(env.wallClock());
        try {
            f.codiceFiscale = cns::SubjectCn::parse(info.commonName).codiceFiscale;
        } catch (const Error&) {
            // Not in the CNS form (cns-card.md §4 leaves it unconfirmed): the dialog says so.
        }
        return f;
    }

    Json warningsJson(const CertFacts& cert)
    {
        Json warnings = Json::array();
        if (cert.expired)
            warnings.push_back(
                Json { { "code", std::string(apiCodeName(ApiCode::CertExpiredLocal)) },
                    { "message",
                        "The card's certificate expired on " + cert.notAfter
                            + " by this computer's clock; the server decides" } });
        return warnings;
    }

    std::chrono::seconds remaining(
        const OperationEnv& env, std::chrono::steady_clock::time_point deadline)
    {
        const auto left = std::chrono::ceil<std::chrono::seconds>(deadline - env.steadyClock());
        if (left.count() <= 0)
            throw DaemonError(Problem::UserTimeout, "The dialog was not answered in time");
        return left;
    }
} // namespace

void CardCache::store(Entry entry)
{
    const std::lock_guard lock(mutex_);
    entry_ = std::move(entry);
}

std::optional<CardCache::Entry> CardCache::lookup(const Presence& presence) const
{
    const std::lock_guard lock(mutex_);
    if (!entry_ || !presence.cardPresent || entry_->generation != presence.generation)
        return std::nullopt;
    return entry_;
}

void CardCache::clear()
{
    const std::lock_guard lock(mutex_);
    entry_.reset();
}

bool pinFormatValid(const SecureBytes& pin) noexcept
{
    if (pin.size() < 5 || pin.size() > 8) return false;
    for (std::size_t i = 0; i < pin.size(); ++i)
        if (pin.data()[i] < '0' || pin.data()[i] > '9') return false;
    return true;
}

OperationResult runAuthenticate(
    const OperationEnv& env, const std::string& origin, const AuthenticateBody& request)
{
    const auto uiDeadline = env.steadyClock() + env.config.uiTimeout;
    env.control.throwIfCancelled();

    // Phase 1 (no PIN): which card is it, and may we ask for its PIN? The transaction ends
    // before the dialog, so other applications keep the card while the user reads.
    std::string cardId;
    Bytes certificate;
    cns::PinStatus pin;
    {
        const auto session = env.cards.open();
        cardId = session->cardId();
        // §3.4 step 6: a mismatch is reported before any PIN is asked (it saves PIN tries).
        if (request.expectedCardId && *request.expectedCardId != cardId)
            throw DaemonError(
                Problem::CardMismatch, "The card in the reader is not the one the page expects");
        certificate = session->certificate();
        pin = session->pinStatus();
        session->finish();
    }
    env.cache.store({ env.generation, cardId, certificate });
    const CertFacts cert = certFacts(env, certificate);
    if (pin.blocked) throw Error(Errc::PinLocked, "the PIN is blocked (the card says so)");

    // Consent and PIN in one native dialog (§3.6). A PIN of the wrong form is asked again: it
    // never reaches the card, so it costs no try.
    DialogText text = authenticateDialog(request.lang, origin, request.context,
        CardFacts { cert.codiceFiscale, cardId, pin.triesLeft });
    SecureBytes typed;
    while (true) {
        typed = env.ui.askPin(text, remaining(env, uiDeadline), env.control);
        if (pinFormatValid(typed)) break;
        text.error = pinFormatError(request.lang);
    }
    env.control.throwIfCancelled(); // cancelled while the dialog closed: spend no try

    // Phase 2: VERIFY once, sign, and end with a card reset (CardSession contract).
    const Bytes message = cnsauth::signedMessage(origin, request.challenge, request.context);
    Bytes signature;
    {
        const auto session = env.cards.open();
        if (session->cardId() != cardId)
            throw Error(Errc::CardRemoved, "the card was exchanged while the dialog was open");
        session->verifyPin(typed);
        typed.clear();
        const Bytes digest = crypto::hash(crypto::HashAlg::Sha256, message);
        const Bytes block = crypto::pkcs1Type1Pad(
            crypto::digestInfo(crypto::HashAlg::Sha256, digest), cert.modulusBytes);
        signature = session->rsaRaw(block);
        session->finish(); // the reset after the PIN; a failed one fails the operation
    }
    // The card must have used the key of the certificate it gave us: a token that cannot verify
    // is a daemon or card fault, not something for the server to find out.
    if (!crypto::verifyPkcs1(certificate, crypto::HashAlg::Sha256, message, signature))
        throw Error(Errc::Internal, "the card's signature does not verify with its certificate");

    cnsauth::Token token;
    token.format = std::string(cnsauth::kFormat);
    token.algorithm = std::string(cnsauth::kAlgorithmRs256);
    token.unverifiedCertificate = cnsauth::base64Encode(certificate);
    // The cardId hint is optional (§4.1) and the verifier refuses a token whose hint is not 16
    // digits: an EF_IDCarta of another form (a card we still sign with) is left out.
    if (cnsauth::isValidCardIdForm(cardId)) token.cardId = cardId;
    token.signature = cnsauth::base64Encode(signature);
    if (!env.config.appVersion.empty()) token.appVersion = env.config.appVersion;

    std::string body = "{\"token\":" + cnsauth::toJson(token);
    const Json warnings = warningsJson(cert);
    if (!warnings.empty()) body += ",\"warnings\":" + warnings.dump();
    body += "}";
    logInfo("authenticate for " + origin + ": token issued (card " + cardIdTail(cardId) + ")");
    return { std::move(body) };
}

OperationResult runIdentity(
    const OperationEnv& env, const std::string& origin, const IdentityBody& request)
{
    const auto uiDeadline = env.steadyClock() + env.config.uiTimeout;
    env.control.throwIfCancelled();
    std::optional<CardCache::Entry> entry = env.cache.lookup(env.cards.presence());
    if (!entry) {
        const auto session = env.cards.open();
        entry = CardCache::Entry { env.generation, session->cardId(), session->certificate() };
        session->finish();
        env.cache.store(*entry);
    }
    const CertFacts cert = certFacts(env, entry->certificate);
    env.ui.confirm(identityDialog(request.lang, origin,
                       CardFacts { cert.codiceFiscale, entry->cardId, std::nullopt }),
        remaining(env, uiDeadline), env.control);
    env.control.throwIfCancelled();

    Json body;
    body["certificate"] = cnsauth::base64Encode(entry->certificate);
    const Json warnings = warningsJson(cert);
    if (!warnings.empty()) body["warnings"] = warnings;
    logInfo(
        "identity for " + origin + ": certificate given (card " + cardIdTail(entry->cardId) + ")");
    return { body.dump() };
}

} // namespace tscns::daemon
