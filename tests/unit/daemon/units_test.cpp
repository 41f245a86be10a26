// SPDX-License-Identifier: LGPL-2.1-or-later
// The small parts of the daemon core: the error translator (cns-auth.md §3.3), configuration
// files, the rate limiter, Punycode and dialog texts, OperationControl.
#include "groups.hpp"

#include "core/config.hpp"
#include "core/daemon_error.hpp"
#include "core/dialog_text.hpp"
#include "core/http_error.hpp"
#include "core/operation_control.hpp"
#include "core/punycode.hpp"
#include "core/rate_limiter.hpp"

#include "tscns/apdu/error.hpp"

#include <nlohmann/json.hpp>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using namespace tscns::daemon;

namespace {

void httpError_errcTable(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        const struct {
            Errc errc;
            int status;
            const char* code;
            bool retriable;
        } table[] = {
            { Errc::NoService, 503, "NO_READER", true },
            { Errc::NoReader, 409, "NO_READER", true },
            { Errc::CardAbsent, 409, "NO_CARD", true },
            { Errc::CardRemoved, 409, "NO_CARD", true },
            { Errc::CardReset, 500, "INTERNAL", true },
            { Errc::Transport, 500, "INTERNAL", true },
            { Errc::CardRejected, 500, "INTERNAL", false },
            { Errc::NotCnsCard, 409, "CARD_NOT_SUPPORTED", true },
            { Errc::PinLocked, 403, "PIN_BLOCKED", false },
            { Errc::PinLength, 403, "PIN_INCORRECT", true },
            { Errc::NotLoggedIn, 500, "INTERNAL", false },
            { Errc::BadArgument, 500, "INTERNAL", false },
            { Errc::Unsupported, 409, "CARD_NOT_SUPPORTED", false },
            { Errc::Internal, 500, "INTERNAL", false },
        };
        for (const auto& t : table) {
            const HttpError e = toHttpError(Error(t.errc, "detail for the log"));
            const std::string what(errcName(t.errc));
            c.eq(e.status, t.status, what + " status");
            c.eq(std::string(apiCodeName(e.code)), std::string(t.code), what + " code");
            c.eq(e.retriable, t.retriable, what + " retriable");
            c.that(e.message.find("detail") == std::string::npos, what + ": fixed public message");
            c.that(e.logDetail.find("detail for the log") != std::string::npos, what + ": logged");
        }
        const HttpError pin
            = toHttpError(Error(Errc::PinIncorrect, "wrong", apdu::StatusWord(0x63C1), 1));
        c.eq(pin.status, 403, "PIN_INCORRECT status");
        c.eq(pin.pinTriesLeft.value_or(-1), 1, "pinTriesLeft");
        const auto body = nlohmann::json::parse(errorBody(pin));
        c.eq(body["error"].value("code", ""), std::string("PIN_INCORRECT"), "body code");
        c.eq(body["error"].value("pinTriesLeft", -1), 1, "body pinTriesLeft");
        c.eq(body["error"].value("retriable", false), true, "body retriable");
        c.that(body["error"]["message"].is_string(), "body message");
        const auto plain = nlohmann::json::parse(
            errorBody(toHttpError(DaemonError(Problem::Busy, "Another operation is in progress"))));
        c.that(!plain["error"].contains("pinTriesLeft"), "pinTriesLeft only for PIN_INCORRECT");
    });
}

void httpError_problemTable(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        const struct {
            Problem problem;
            int status;
            const char* code;
        } table[] = {
            { Problem::HostNotAllowed, 403, "BAD_REQUEST" },
            { Problem::NotCanonical, 400, "BAD_REQUEST" },
            { Problem::OriginNotAllowed, 403, "ORIGIN_NOT_ALLOWED" },
            { Problem::FetchMetadataRejected, 403, "BAD_REQUEST" },
            { Problem::ClientHeaderMissing, 400, "BAD_REQUEST" },
            { Problem::ContentTypeWrong, 415, "BAD_REQUEST" },
            { Problem::PreflightRejected, 403, "BAD_REQUEST" },
            { Problem::NotFound, 404, "BAD_REQUEST" },
            { Problem::MethodNotAllowed, 405, "BAD_REQUEST" },
            { Problem::BodyTooLarge, 413, "BAD_REQUEST" },
            { Problem::BodyInvalid, 400, "BAD_REQUEST" },
            { Problem::Busy, 409, "BUSY" },
            { Problem::RateLimited, 429, "BUSY" },
            { Problem::CardMismatch, 409, "CARD_MISMATCH" },
            { Problem::UserCancelled, 409, "USER_CANCELLED" },
            { Problem::UserTimeout, 409, "USER_TIMEOUT" },
            { Problem::ShuttingDown, 503, "INTERNAL" },
            { Problem::DialogFailed, 500, "INTERNAL" },
        };
        for (const auto& t : table) {
            const HttpError e = toHttpError(DaemonError(t.problem, "m"));
            c.eq(e.status, t.status, std::string(t.code) + " status");
            c.eq(std::string(apiCodeName(e.code)), std::string(t.code), "code");
        }
        c.eq(std::string(apiCodeName(ApiCode::CertExpiredLocal)), std::string("CERT_EXPIRED_LOCAL"),
            "warning code");
        const HttpError other = toHttpError(std::make_exception_ptr(std::runtime_error("boom")));
        c.eq(other.status, 500, "any other exception");
        c.eq(std::string(apiCodeName(other.code)), std::string("INTERNAL"), "INTERNAL");
    });
}

void config_json_membersAndErrors(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        Config config;
        config.allowedOrigins = { "https://a.example" };
        applyConfigJson(config,
            R"({"port": 47200, "allowedOrigins": ["https://b.example"], "rateLimitPerMinute": 3,
                "uiTimeoutSeconds": 60, "reader": "Virtual", "pinentry": "/bin/p", "logLevel": "debug",
                "preflightMaxAgeSeconds": 30, "appVersion": "https://x/v1"})",
            "test.json");
        c.eq(config.port, 47200, "port");
        c.eq(config.allowedOrigins.size(), std::size_t(2), "origins added to the system list");
        c.eq(config.rateLimitPerMinute, 3U, "rate");
        c.eq(config.uiTimeout.count(), 60LL, "timeout");
        c.eq(config.reader, std::string("Virtual"), "reader");
        c.eq(config.pinentry, std::string("/bin/p"), "pinentry");
        c.that(config.logLevel == LogLevel::Debug, "log level");
        c.eq(config.preflightMaxAge.count(), 30LL, "max age");
        c.noThrow([&] { validateConfig(config); }, "valid");
        for (const char* bad : { "[]", "{", R"({"unknown": 1})", R"({"port": "1"})",
                 R"({"port": 70000})", R"({"port": -1})", R"({"allowedOrigins": "https://a"})",
                 R"({"allowedOrigins": [1]})", R"({"logLevel": "loud"})",
                 R"({"uiTimeoutSeconds": 999})",
                 // A number nlohmann cannot hold throws out_of_range, not parse_error (fuzz).
                 R"({"port": 1e400})" }) {
            Config copy = config;
            c.throws(
                Errc::BadArgument, [&] { applyConfigJson(copy, bad, "bad.json"); }, bad,
                "bad.json");
            c.eq(copy.port, config.port, "unchanged on error");
        }
    });
}

void config_validate_originsAndPorts(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        const auto with = [](std::string origin) {
            Config config;
            config.allowedOrigins = { std::move(origin) };
            return config;
        };
        for (const char* ok : { "https://portal.example.it", "https://xn--sanit-vqa.example.it",
                 "https://portal.example.it:8443", "https://127.0.0.1:9000" })
            c.noThrow([&] { validateConfig(with(ok)); }, ok);
        for (const char* bad : { "https://portal.example.it/", "https://Portal.example.it",
                 "https://*.example.it", "*", "http://portal.example.it",
                 "https://portal.example.it:443", "https://portal.example.it/path",
                 "https://user@portal.example.it", "portal.example.it", "https://sanit\u00e0.it" })
            c.throws(
                Errc::BadArgument, [&] { validateConfig(with(bad)); }, bad, "allowed origin");
        Config dev = with("http://localhost:8080");
        dev.allowHttpOrigins = true;
        c.noThrow([&] { validateConfig(dev); }, "http with the development flag");
        Config vpcd;
        vpcd.port = 35963;
        c.throws(
            Errc::BadArgument, [&] { validateConfig(vpcd); }, "vpcd port", "vpcd");
        vpcd.port = 35964;
        c.throws(
            Errc::BadArgument, [&] { validateConfig(vpcd); }, "vpcd port 2", "vpcd");
        Config zero;
        zero.port = 0;
        c.throws(
            Errc::BadArgument, [&] { validateConfig(zero); }, "port 0");
        c.eq(kDefaultPort, 47123, "documented default port");
    });
}

void rateLimiter_slidingWindowPerKey(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        RateLimiter limiter(2, std::chrono::seconds(60));
        const auto t0 = std::chrono::steady_clock::time_point {} + std::chrono::hours(1);
        std::chrono::seconds retry { 0 };
        c.that(limiter.tryAcquire("a", t0, retry), "1st");
        c.that(limiter.tryAcquire("a", t0 + std::chrono::seconds(10), retry), "2nd");
        c.that(!limiter.tryAcquire("a", t0 + std::chrono::seconds(20), retry), "3rd refused");
        c.eq(retry.count(), 40LL, "retry when the 1st leaves the window");
        c.that(limiter.tryAcquire("b", t0 + std::chrono::seconds(20), retry), "other key");
        c.that(limiter.tryAcquire("a", t0 + std::chrono::seconds(60), retry), "1st expired");
        RateLimiter off(0, std::chrono::seconds(60));
        for (int i = 0; i < 100; ++i)
            c.that(off.tryAcquire("a", t0, retry), "0 = no limit");
    });
}

void punycode_decodesLabels(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        c.eq(punycodeDecode("bcher-kva").value_or("?"), std::string("b\u00fccher"), "bücher");
        c.eq(punycodeDecode("mnchen-3ya").value_or("?"), std::string("m\u00fcnchen"), "münchen");
        c.eq(punycodeDecode("sanit-vqa").value_or("?"), std::string("sanit\u00e0"), "sanità");
        // RFC 3492 §7.1 (B): Chinese (simplified).
        c.eq(punycodeDecode("ihqwcrb4cv8a8dqg056pqjye").value_or("?"),
            std::string("\u4ed6\u4eec\u4e3a\u4ec0\u4e48\u4e0d\u8bf4\u4e2d\u6587"), "RFC 3492 B");
        c.that(!punycodeDecode("99999999999999").has_value(), "overflow");
        c.that(!punycodeDecode("a-!").has_value(), "bad digit");
        c.eq(unicodeHost("https://xn--bcher-kva.example:8443").value_or("?"),
            std::string("https://b\u00fccher.example:8443"), "origin");
        c.eq(unicodeHost("https://portal.example.it").value_or("?"),
            std::string("https://portal.example.it"), "ASCII unchanged");
    });
}

void dialogText_masksAndWarns(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        c.eq(maskCodiceFiscale("RSSMRA80A01H501U"), std::string("RSS\u2026"), "masked CF");
        c.eq(maskCodiceFiscale(""), std::string("\u2026"), "no CF");
        c.eq(cardIdTail("6030123456781234"), std::string("\u20261234"), "card tail");
        const CardFacts card { "RSSMRA80A01H501U", "6030123456781234", std::nullopt };
        const DialogText it
            = authenticateDialog(Lang::It, "https://portal.example.it", "fse-login-2fa", card);
        c.eq(it.description,
            std::string("https://portal.example.it chiede di verificare la tua Tessera Sanitaria "
                        "(CF RSS\u2026, carta n. \u20261234).\nRichiesta: accesso al sito (login) "
                        "(\u00abfse-login-2fa\u00bb).\nInserisci il PIN per confermare."),
            "the example of cns-auth.md §3.6, with the purpose");
        const DialogText idn
            = authenticateDialog(Lang::En, "https://xn--bcher-kva.example", "fse-login-2fa", card);
        c.that(idn.description.find("https://xn--bcher-kva.example asks") == 0, "punycode first");
        c.that(idn.description.find("\u201chttps://b\u00fccher.example\u201d") != std::string::npos,
            "Unicode form in the warning");
        const DialogText noCf = identityDialog(Lang::It, "https://portal.example.it",
            CardFacts { "", "6030123456781234", std::nullopt });
        c.that(noCf.description.find("CF non leggibile") != std::string::npos, "unknown CF");
        c.that(parseLang("it") == Lang::It && parseLang("en") == Lang::En && !parseLang("de"),
            "languages");
    });
}

void operationControl_firstReasonWinsAndHooksRunOnce(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        OperationControl control;
        int runs = 0;
        {
            const auto hook = control.onCancel([&runs] { ++runs; });
            control.cancel(CancelReason::ClientGone);
            control.cancel(CancelReason::Shutdown);
        }
        c.eq(runs, 1, "hook ran once");
        c.that(control.reason() == CancelReason::ClientGone, "first reason kept");
        int late = 0;
        {
            const auto hook = control.onCancel([&late] { ++late; });
        }
        c.eq(late, 1, "a hook registered after the cancel runs at once");
        OperationControl removed;
        int never = 0;
        {
            const auto hook = removed.onCancel([&never] { ++never; });
        }
        removed.cancel(CancelReason::Deadline);
        c.eq(never, 0, "an unregistered hook does not run");
        c.throws(
            Errc::CardRemoved,
            [] {
                OperationControl o;
                o.cancel(CancelReason::CardRemoved);
                o.throwIfCancelled();
            },
            "card removed");
    });
}

} // namespace

int runDaemonUnitTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(httpError_errcTable),
        cmocka_unit_test(httpError_problemTable),
        cmocka_unit_test(config_json_membersAndErrors),
        cmocka_unit_test(config_validate_originsAndPorts),
        cmocka_unit_test(rateLimiter_slidingWindowPerKey),
        cmocka_unit_test(punycode_decodesLabels),
        cmocka_unit_test(dialogText_masksAndWarns),
        cmocka_unit_test(operationControl_firstReasonWinsAndHooksRunOnce),
    };
    return cmocka_run_group_tests_name("daemon_units", tests, nullptr, nullptr);
}
