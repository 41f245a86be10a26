// SPDX-License-Identifier: LGPL-2.1-or-later
// The operations of cns-auth.md §3.2/§3.6 through Core::handle, against the virtual CNS behind
// the real CnsCardSession: the token and its signature, the card check before the PIN, the PIN
// outcomes, the user's answers, one operation in flight, the rate limit, cancellation.
#include "core_fixture.hpp"
#include "groups.hpp"

#include "core/dialog_text.hpp"

#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/cnsauth/token.hpp"
#include "tscns/crypto/rsa_padding.hpp"
#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/personalize.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <thread>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using daemon::Request;
using daemon::Response;

namespace {

Bytes certificateDer(const vcard::CardImage& image)
{
    BIO* bio = BIO_new_mem_buf(image.certPem.data(), static_cast<int>(image.certPem.size()));
    X509* cert = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
    Bytes der;
    if (cert != nullptr) {
        unsigned char* out = nullptr;
        const int n = i2d_X509(cert, &out);
        if (n > 0) der.assign(out, out + n);
        OPENSSL_free(out);
    }
    X509_free(cert);
    BIO_free(bio);
    return der;
}

void checkError(Checker& c, const Response& r, int status, const char* code)
{
    c.eq(r.status, status, std::string("status of ") + code);
    c.eq(errorCode(r), std::string(code), "error code");
    c.eq(header(r, "Access-Control-Allow-Origin"), std::string(kOrigin), "ACAO");
}

// ---- authenticate ------------------------------------------------------------------------------

void authenticate_happyPath_tokenVerifiesOverRebuiltMessage(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const auto& rec = f->images->cns.record;
        const Response r
            = f->core->handle(authRequest(authBody(kChallenge, kContext, "it", rec.cardId)));
        c.eq(r.status, 200, "status");
        c.eq(header(r, "Access-Control-Allow-Origin"), std::string(kOrigin), "ACAO");
        c.eq(header(r, "Cache-Control"), std::string("no-store"), "no-store");
        const auto j = json(r);
        c.that(j.is_object() && j.contains("token") && !j.contains("warnings"),
            "{token} without warnings: " + r.body);
        const cnsauth::Token token = cnsauth::parseToken(j["token"].dump());
        c.eq(token.format, std::string("cns-auth:1"), "format");
        c.eq(token.algorithm, std::string("RS256"), "algorithm");
        c.eq(token.cardId.value_or(""), rec.cardId, "cardId");
        c.eq(token.appVersion.value_or(""), f->config.appVersion, "appVersion");
        c.that(token.unverifiedIntermediates.empty(), "no intermediates");
        const Bytes cert = cnsauth::base64Decode(token.unverifiedCertificate);
        c.bytes(cert, certificateDer(f->images->cns), "the card's certificate");
        const Bytes signature = cnsauth::base64Decode(token.signature);
        c.eq(signature.size(), std::size_t(256), "RSA-2048 signature length");
        // The verifier's view: rebuild M from its own state and verify with the certificate.
        const Bytes m = cnsauth::signedMessage(kOrigin, kChallenge, kContext);
        c.eq(m.size(), cnsauth::kSignedMessageSize, "M is 107 bytes");
        c.that(crypto::verifyPkcs1(cert, crypto::HashAlg::Sha256, m, signature),
            "signature verifies over M(origin, challenge, context)");
        c.that(!crypto::verifyPkcs1(cert, crypto::HashAlg::Sha256,
                   cnsauth::signedMessage(kOtherOrigin, kChallenge, kContext), signature),
            "and not for another origin");
        c.that(!crypto::verifyPkcs1(cert, crypto::HashAlg::Sha256,
                   cnsauth::signedMessage(kOrigin, kChallenge, "step-up-payment"), signature),
            "nor for another context");
        // §3.6: the card is left without a verified PIN; one PIN dialog, one VERIFY.
        c.eq(f->cards->card().pinVerified(), false, "no verified PIN left on the card");
        c.eq(f->cards->resets(), 1, "the session ended with a card reset");
        c.eq(f->cards->card().pinTriesLeft(), 3, "tries untouched");
        c.eq(f->ui->pinDialogs(), 1, "one PIN dialog");
        c.that(f->logText().find(kPin) == std::string::npos, "the PIN is never logged");
        c.that(f->logText().find("token issued") != std::string::npos, "the outcome is logged");
    });
}

void authenticate_dialog_showsOriginMaskedCfAndCardDigits(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const auto& rec = f->images->cns.record;
        c.eq(f->core->handle(authRequest()).status, 200, "status");
        const auto shown = f->ui->shown();
        c.eq(shown.size(), std::size_t(1), "dialogs");
        if (shown.empty()) return;
        const std::string& d = shown[0].description;
        c.that(d.find(kOrigin) != std::string::npos, "origin: " + d);
        c.that(d.find("CF " + rec.codiceFiscale.substr(0, 3) + "\u2026") != std::string::npos,
            "masked CF: " + d);
        c.that(d.find(rec.codiceFiscale) == std::string::npos, "never the whole CF");
        c.that(d.find("\u2026" + rec.cardId.substr(12)) != std::string::npos, "last 4 digits");
        c.that(d.find(rec.cardId) == std::string::npos, "never the whole card number");
        c.that(d.find("Inserisci il PIN") != std::string::npos, "Italian (lang it)");
        c.that(d.find("Attenzione") == std::string::npos, "no IDN warning for an ASCII host");
        c.eq(shown[0].prompt, std::string("PIN:"), "prompt");
        c.eq(f->ui->lastTimeout().count(), 120LL, "120 s to answer");
    });
}

void authenticate_idnOrigin_dialogWarnsWithUnicodeForm(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        c.eq(f->core->handle(authRequest(authBody(kChallenge, kContext, "en"), kIdnOrigin)).status,
            200, "status");
        const auto shown = f->ui->shown();
        if (shown.empty()) return c.report("no dialog");
        const std::string& d = shown[0].description;
        c.that(d.find(kIdnOrigin) != std::string::npos, "punycode origin shown: " + d);
        c.that(d.find("Warning") != std::string::npos, "warning (lang en)");
        c.that(d.find("https://sanit\u00e0.example.it") != std::string::npos, "Unicode form");
    });
}

void authenticate_cardMismatch_beforeAnyPin(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Response r = f->core->handle(
            authRequest(authBody(kChallenge, kContext, "it", "6030000000000000")));
        checkError(c, r, 409, "CARD_MISMATCH");
        c.eq(json(r)["error"].value("retriable", false), true, "retriable");
        c.eq(f->ui->pinDialogs(), 0, "no PIN dialog");
        c.eq(f->cards->card().pinTriesLeft(), 3, "no try spent");
        c.that(r.body.find(f->images->cns.record.cardId) == std::string::npos,
            "the other card's number is not disclosed");
    });
}

void authenticate_wrongPin_pinIncorrectWithTries(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setPins({ "11111" });
        const Response r = f->core->handle(authRequest());
        checkError(c, r, 403, "PIN_INCORRECT");
        const auto e = json(r)["error"];
        c.eq(e.value("pinTriesLeft", -1), 2, "pinTriesLeft from 63C2");
        c.eq(e.value("retriable", false), true, "retriable");
        c.eq(f->cards->card().pinTriesLeft(), 2, "one try spent");
        c.eq(f->cards->card().pinVerified(), false, "nothing verified");
        c.eq(f->ui->pinDialogs(), 1, "VERIFY once: no second dialog");
        // The next dialog tells the user how many tries are left.
        f->ui->setPins({ kPin });
        c.eq(f->core->handle(authRequest()).status, 200, "right PIN afterwards");
        const auto shown = f->ui->shown();
        c.that(shown.size() == 2
                && shown[1].description.find("Tentativi rimasti: 2") != std::string::npos,
            "tries shown");
        c.eq(f->cards->card().pinTriesLeft(), 3, "counter reset by the right PIN");
    });
}

void authenticate_thirdWrongPin_pinBlocked_thenNoDialog(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setPins({ "11111" });
        checkError(c, f->core->handle(authRequest()), 403, "PIN_INCORRECT");
        const Response second = f->core->handle(authRequest());
        checkError(c, second, 403, "PIN_INCORRECT");
        c.eq(json(second)["error"].value("pinTriesLeft", -1), 1, "1 left");
        const Response third = f->core->handle(authRequest());
        c.that(f->ui->shown().back().description.find("Ultimo tentativo") != std::string::npos,
            "last-try warning in the third dialog");
        checkError(c, third, 403, "PIN_BLOCKED");
        c.eq(json(third)["error"].value("retriable", true), false, "not retriable");
        const int dialogs = f->ui->pinDialogs();
        const Response fourth = f->core->handle(authRequest());
        checkError(c, fourth, 403, "PIN_BLOCKED");
        c.eq(f->ui->pinDialogs(), dialogs, "a blocked PIN is not asked for");
    });
}

void authenticate_pinOfWrongForm_askedAgainWithoutSpendingATry(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setPins({ "12", "123456789", "12a45", kPin });
        c.eq(f->core->handle(authRequest()).status, 200, "status");
        c.eq(f->ui->pinDialogs(), 4, "asked until the PIN has 5-8 digits");
        const auto shown = f->ui->shown();
        c.that(shown.size() == 4 && shown[0].error.empty() && !shown[1].error.empty(),
            "the repeated dialog says why");
        c.eq(f->cards->card().pinTriesLeft(), 3, "no try spent");
    });
}

void authenticate_userCancels_userCancelledAndNoVerify(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setMode(FakeUi::Mode::Cancel);
        const Response r = f->core->handle(authRequest());
        checkError(c, r, 409, "USER_CANCELLED");
        c.eq(f->cards->card().pinTriesLeft(), 3, "no VERIFY");
        c.eq(f->cards->resets(), 0, "no PIN sent, so no reset needed");
    });
}

void authenticate_noAnswer_userTimeout(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setMode(FakeUi::Mode::Timeout);
        checkError(c, f->core->handle(authRequest()), 409, "USER_TIMEOUT");
    });
}

void authenticate_cardErrors_mapped(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->cards->failOpens(Errc::NoReader, "no reader (fake)");
        checkError(c, f->core->handle(authRequest()), 409, "NO_READER");
        f->cards->failOpens(Errc::NoService, "pcscd down (fake)");
        checkError(c, f->core->handle(authRequest()), 503, "NO_READER");
        f->cards->failOpens(Errc::CardAbsent, "no card (fake)");
        const Response r = f->core->handle(authRequest());
        checkError(c, r, 409, "NO_CARD");
        c.eq(json(r)["error"].value("retriable", false), true, "retriable");
        c.eq(f->ui->pinDialogs(), 0, "no dialog");
    });
}

void authenticate_cardIdNotSixteenDigits_leftOutOfToken(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        // A ChipDoc card without EF_IDCarta in its application: the card ID is then empty (the
        // certificate names the card), the card still signs, and the token's cardId hint must be
        // absent (the verifier refuses a token whose cardId is not 16 digits, §4.1).
        vcard::PersonalizeOptions options;
        options.profile = "chipdoc-cns";
        options.seed = 74;
        options.keyBits = 1024;
        options.pin = kPin; // what the scripted dialog types
        vcard::CardImage image = vcard::personalize(options);
        for (auto it = image.files.begin(); it != image.files.end();)
            it = (!it->first.empty() && (it->first.back() == 0x1003 || it->first.back() == 0xD003))
                ? image.files.erase(it)
                : std::next(it);
        f->rebuild(&image);
        const Response r = f->core->handle(authRequest());
        c.eq(r.status, 200, "status: " + r.body);
        const auto j = json(r);
        c.that(j.is_object() && j.contains("token") && j["token"].is_object(), "token: " + r.body);
        if (!j.is_object() || !j.contains("token") || !j["token"].is_object()) return;
        c.that(!j["token"].contains("cardId"), "no cardId member: " + r.body);
        cnsauth::Token token;
        c.noThrow(
            [&] { token = cnsauth::parseToken(j["token"].dump()); }, "the verifier parses it");
        c.that(!token.cardId.has_value(), "no cardId hint");
    });
}

void authenticate_foreignCard_cardNotSupported(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->rebuild(&f->images->foreign);
        checkError(c, f->core->handle(authRequest()), 409, "CARD_NOT_SUPPORTED");
        c.eq(f->ui->pinDialogs(), 0, "no dialog");
    });
}

void authenticate_expiredCertificate_tokenWithWarning(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->wallOffset = 200LL * 365 * 24 * 3600; // the local clock says 2200-ish
        const Response r = f->core->handle(authRequest());
        c.eq(r.status, 200, "still a token: the server decides (§3.3)");
        const auto j = json(r);
        c.that(j.contains("token"), "token");
        c.that(j.contains("warnings") && j["warnings"].is_array() && j["warnings"].size() == 1
                && j["warnings"][0].value("code", "") == "CERT_EXPIRED_LOCAL",
            "CERT_EXPIRED_LOCAL warning: " + r.body);
    });
}

void authenticate_cardRemovedDuringDialog_noCardAndDialogClosed(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setMode(FakeUi::Mode::Block);
        Response r;
        std::thread t([&] { r = f->core->handle(authRequest()); });
        const bool shown = waitUntil([&] { return f->ui->inDialog(); });
        f->cards->removeCard();
        t.join();
        c.that(shown, "dialog shown");
        checkError(c, r, 409, "NO_CARD");
        c.eq(f->ui->inDialog(), false, "dialog closed");
        c.eq(f->core->busy(), false, "no operation left in flight");
    });
}

void authenticate_cardPulledMidOperation_noCard(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        // The APDUs fail as PC/SC does when the card leaves (no presence event yet).
        f->cards->pullCardWithoutEvent();
        const Response r = f->core->handle(authRequest());
        checkError(c, r, 409, "NO_CARD");
    });
}

// ---- one operation in flight, cancellation -----------------------------------------------------

void authenticate_secondRequestWhileBusy_busy_thenCancelEndpoint(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setMode(FakeUi::Mode::Block);
        Response first;
        std::thread t([&] { first = f->core->handle(authRequest()); });
        c.that(waitUntil([&] { return f->ui->inDialog(); }), "first dialog shown");
        const Response busy = f->core->handle(authRequest());
        checkError(c, busy, 409, "BUSY");
        c.eq(json(busy)["error"].value("retriable", false), true, "BUSY is retriable");
        const Response busyOther
            = f->core->handle(request("POST", "/v1/identity", "{}", kOtherOrigin));
        c.eq(errorCode(busyOther), std::string("BUSY"), "identity from another origin: BUSY");
        c.eq(f->core->handle(request("GET", "/v1/status")).status, 200, "status still answers");
        // Another origin cannot cancel it.
        c.eq(f->core->handle(request("POST", "/v1/cancel", "{}", kOtherOrigin)).status, 204,
            "cancel from another origin: 204");
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        c.eq(f->ui->inDialog(), true, "still waiting for the user");
        // The page's own cancel closes the dialog.
        const Response cancel = f->core->handle(request("POST", "/v1/cancel", ""));
        c.eq(cancel.status, 204, "cancel");
        c.eq(header(cancel, "Access-Control-Allow-Origin"), std::string(kOrigin), "ACAO");
        t.join();
        checkError(c, first, 409, "USER_CANCELLED");
        c.eq(f->cards->card().pinTriesLeft(), 3, "no VERIFY");
        c.eq(f->core->busy(), false, "free again");
        f->ui->setMode(FakeUi::Mode::Answer);
        c.eq(f->core->handle(authRequest()).status, 200, "next operation runs");
    });
}

void authenticate_clientClosesConnection_userCancelled(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setMode(FakeUi::Mode::Block);
        std::atomic<bool> gone { false };
        Request req = authRequest();
        req.clientGone = [&gone] { return gone.load(); };
        Response r;
        std::thread t([&] { r = f->core->handle(req); });
        c.that(waitUntil([&] { return f->ui->inDialog(); }), "dialog shown");
        gone = true; // the page aborted its fetch
        t.join();
        checkError(c, r, 409, "USER_CANCELLED");
        c.eq(f->ui->inDialog(), false, "dialog closed");
    });
}

void authenticate_deadline_cancelsStuckDialog(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setMode(FakeUi::Mode::Block);
        Response r;
        std::thread t([&] { r = f->core->handle(authRequest()); });
        c.that(waitUntil([&] { return f->ui->inDialog(); }), "dialog shown");
        f->steadyOffset = 1000; // far past the 120 s + slack
        t.join();
        checkError(c, r, 409, "USER_TIMEOUT");
    });
}

void shutdown_cancelsOperationAndRefusesNewOnes(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setMode(FakeUi::Mode::Block);
        Response r;
        std::thread t([&] { r = f->core->handle(authRequest()); });
        c.that(waitUntil([&] { return f->ui->inDialog(); }), "dialog shown");
        f->core->shutdown();
        t.join();
        checkError(c, r, 503, "INTERNAL");
        checkError(c, f->core->handle(authRequest()), 503, "INTERNAL");
    });
}

void rateLimit_perOrigin_429ThenFreesAfterAMinute(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->config.rateLimitPerMinute = 2;
        f->rebuild();
        f->ui->setMode(FakeUi::Mode::Cancel); // quick operations
        checkError(c, f->core->handle(authRequest()), 409, "USER_CANCELLED");
        checkError(c, f->core->handle(request("POST", "/v1/identity", "")), 409, "USER_CANCELLED");
        const Response limited = f->core->handle(authRequest());
        checkError(c, limited, 429, "BUSY");
        const int retry = std::atoi(header(limited, "Retry-After").c_str());
        c.that(retry >= 1 && retry <= 60, "Retry-After: " + header(limited, "Retry-After"));
        c.eq(header(limited, "Access-Control-Expose-Headers"), std::string("Retry-After"),
            "readable by the page");
        c.eq(f->ui->pinDialogs() + f->ui->confirmDialogs(), 2, "no dialog when limited");
        // Another origin has its own allowance; status is not limited.
        c.eq(errorCode(f->core->handle(authRequest(authBody(), kOtherOrigin))),
            std::string("USER_CANCELLED"), "another origin is not limited");
        for (int i = 0; i < 5; ++i)
            c.eq(f->core->handle(request("GET", "/v1/status")).status, 200, "status");
        f->steadyOffset = 61;
        checkError(c, f->core->handle(authRequest()), 409, "USER_CANCELLED");
    });
}

// ---- identity ----------------------------------------------------------------------------------

void identity_afterConsent_certificateFromMemoryWhileSameCard(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Response r = f->core->handle(request("POST", "/v1/identity", "{\"lang\":\"en\"}"));
        c.eq(r.status, 200, "status");
        const auto j = json(r);
        c.that(j.is_object() && j.size() == 1 && j["certificate"].is_string(), "{certificate}");
        c.bytes(cnsauth::base64Decode(j.value("certificate", "")), certificateDer(f->images->cns),
            "certificate");
        c.eq(f->ui->confirmDialogs(), 1, "consent asked");
        c.eq(f->ui->pinDialogs(), 0, "no PIN");
        const auto shown = f->ui->shown();
        c.that(!shown.empty() && shown[0].description.find("certificate") != std::string::npos
                && shown[0].description.find(kOrigin) != std::string::npos,
            "the dialog says who asks what");
        const int apdus = f->cards->apdus();
        c.eq(f->core->handle(request("POST", "/v1/identity", "")).status, 200, "again");
        c.eq(f->cards->apdus(), apdus, "same card: answered from memory, no APDU");
        c.eq(f->ui->confirmDialogs(), 2, "but consent asked every time");
    });
}

void identity_consentRefused_userCancelledWithoutCertificate(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->ui->setConsent(false);
        const Response r = f->core->handle(request("POST", "/v1/identity", ""));
        checkError(c, r, 409, "USER_CANCELLED");
        c.that(r.body.find("certificate") == std::string::npos, "nothing disclosed");
    });
}

void identity_afterAuthenticate_usesCachedCertificate(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        c.eq(f->core->handle(authRequest()).status, 200, "authenticate");
        const int apdus = f->cards->apdus();
        c.eq(f->core->handle(request("POST", "/v1/identity", "")).status, 200, "identity");
        c.eq(f->cards->apdus(), apdus, "no APDU");
    });
}

} // namespace

int runDaemonOperationTests()
{
#define T(t) cmocka_unit_test_setup_teardown(t, coreSetup, coreTeardown)
    const struct CMUnitTest tests[] = {
        T(authenticate_happyPath_tokenVerifiesOverRebuiltMessage),
        T(authenticate_dialog_showsOriginMaskedCfAndCardDigits),
        T(authenticate_idnOrigin_dialogWarnsWithUnicodeForm),
        T(authenticate_cardMismatch_beforeAnyPin),
        T(authenticate_wrongPin_pinIncorrectWithTries),
        T(authenticate_thirdWrongPin_pinBlocked_thenNoDialog),
        T(authenticate_pinOfWrongForm_askedAgainWithoutSpendingATry),
        T(authenticate_userCancels_userCancelledAndNoVerify),
        T(authenticate_noAnswer_userTimeout),
        T(authenticate_cardErrors_mapped),
        T(authenticate_cardIdNotSixteenDigits_leftOutOfToken),
        T(authenticate_foreignCard_cardNotSupported),
        T(authenticate_expiredCertificate_tokenWithWarning),
        T(authenticate_cardRemovedDuringDialog_noCardAndDialogClosed),
        T(authenticate_cardPulledMidOperation_noCard),
        T(authenticate_secondRequestWhileBusy_busy_thenCancelEndpoint),
        T(authenticate_clientClosesConnection_userCancelled),
        T(authenticate_deadline_cancelsStuckDialog),
        T(shutdown_cancelsOperationAndRefusesNewOnes),
        T(rateLimit_perOrigin_429ThenFreesAfterAMinute),
        T(identity_afterConsent_certificateFromMemoryWhileSameCard),
        T(identity_consentRefused_userCancelledWithoutCertificate),
        T(identity_afterAuthenticate_usesCachedCertificate),
    };
#undef T
    return cmocka_run_group_tests_name("daemon_operations", tests, imagesSetup, imagesTeardown);
}
