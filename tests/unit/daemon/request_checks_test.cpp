// SPDX-License-Identifier: LGPL-2.1-or-later
// The request checks of cns-auth.md §3.4 and the headers of §3.5, through Core::handle: each
// check rejects on its own, in order, without showing any dialog or touching the card.
#include "core_fixture.hpp"
#include "groups.hpp"

#include "core/config.hpp"

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using daemon::Request;
using daemon::Response;

namespace {

/// Nothing reached the user or the card.
void checkUntouched(Checker& c, CoreFixture* f)
{
    c.eq(f->ui->pinDialogs() + f->ui->confirmDialogs(), 0, "dialogs shown");
    c.eq(f->cards->opens(), 0, "card sessions opened");
    c.eq(f->cards->apdus(), 0, "APDUs sent");
}

/// An error answer the allowlisted page can read: status, code, CORS headers.
void checkReadableError(Checker& c, const Response& r, int status, const char* code)
{
    c.eq(r.status, status, "status");
    c.eq(errorCode(r), std::string(code), "error code");
    c.eq(header(r, "Access-Control-Allow-Origin"), std::string(kOrigin), "ACAO");
    c.eq(header(r, "Vary"), std::string("Origin"), "Vary");
    c.eq(header(r, "Content-Type"), std::string("application/json"), "Content-Type");
    c.eq(header(r, "Cache-Control"), std::string("no-store"), "Cache-Control");
    c.eq(header(r, "X-Content-Type-Options"), std::string("nosniff"), "nosniff");
    const auto j = json(r);
    c.that(j.is_object() && j["error"].is_object() && j["error"]["message"].is_string()
            && j["error"]["retriable"].is_boolean(),
        "error body shape {error: {code, message, retriable}}");
}

/// A rejection the page cannot read: 403, no CORS header at all.
void checkOpaqueRejection(Checker& c, const Response& r, const char* code)
{
    c.eq(r.status, 403, "status");
    c.eq(errorCode(r), std::string(code), "error code");
    c.that(noCorsHeaders(r), "no Access-Control-* header");
    c.eq(header(r, "Cache-Control"), std::string("no-store"), "Cache-Control");
    c.eq(header(r, "X-Content-Type-Options"), std::string("nosniff"), "nosniff");
}

// ---- step 1: Host ------------------------------------------------------------------------------

void host_foreignName_rejectedAsDnsRebinding(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const char* host : { "evil.example:47123", "127.0.0.1:47124", "127.0.0.1", "localhost",
                 "127.0.0.2:47123", "LOCALHOST:47123", "[::1]:80" }) {
            Request r = authRequest();
            setHeader(r, "Host", host);
            const Response resp = f->core->handle(r);
            checkOpaqueRejection(c, resp, "BAD_REQUEST");
        }
        checkUntouched(c, f);
    });
}

void host_missingOrRepeated_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Request r = request("GET", "/v1/status");
        setHeader(r, "Host", "");
        checkOpaqueRejection(c, f->core->handle(r), "BAD_REQUEST");
        Request twice = request("GET", "/v1/status");
        twice.headers.emplace("Host", "127.0.0.1:47123");
        checkOpaqueRejection(c, f->core->handle(twice), "BAD_REQUEST");
    });
}

void host_loopbackForms_accepted(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const char* host : { "127.0.0.1:47123", "[::1]:47123", "localhost:47123" }) {
            Request r = request("GET", "/v1/status");
            setHeader(r, "host", host); // header names are case-insensitive
            c.eq(f->core->handle(r).status, 200, host);
        }
    });
}

// ---- step 2: Origin ----------------------------------------------------------------------------

void origin_unknown_403WithoutCorsAndNoUi(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const char* origin :
            { "https://evil.example", "https://portal.example.it/", "https://PORTAL.example.it",
                "https://portal.example.it:443", "http://portal.example.it", "null",
                "https://sub.portal.example.it", "https://portal.example.it.evil.example" }) {
            const Response r = f->core->handle(authRequest(authBody(), origin));
            checkOpaqueRejection(c, r, "ORIGIN_NOT_ALLOWED");
        }
        Request none = authRequest();
        setHeader(none, "Origin", "");
        checkOpaqueRejection(c, f->core->handle(none), "ORIGIN_NOT_ALLOWED");
        Request twice = authRequest();
        twice.headers.emplace("Origin", kOrigin);
        checkOpaqueRejection(c, f->core->handle(twice), "ORIGIN_NOT_ALLOWED");
        checkUntouched(c, f);
        c.that(f->logText().find("rejected") != std::string::npos, "rejections are logged");
    });
}

void origin_rejectionLogging_isRateLimited(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (int i = 0; i < 50; ++i)
            (void)f->core->handle(request("GET", "/v1/status", {}, "https://evil.example"));
        const std::string log = f->logText();
        std::size_t lines = 0;
        for (std::size_t p = log.find("rejected"); p != std::string::npos;
             p = log.find("rejected", p + 1))
            ++lines;
        c.that(lines >= 1 && lines <= 10, "at most 10 rejection lines a minute");
    });
}

void origin_http_onlyWithDevelopmentFlag(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        f->config.allowedOrigins.push_back("http://localhost:8080");
        f->rebuild();
        const Response refused
            = f->core->handle(request("GET", "/v1/status", {}, "http://localhost:8080"));
        checkOpaqueRejection(c, refused, "ORIGIN_NOT_ALLOWED");
        f->config.allowHttpOrigins = true;
        f->rebuild();
        const Response ok
            = f->core->handle(request("GET", "/v1/status", {}, "http://localhost:8080"));
        c.eq(ok.status, 200, "http origin with the development flag");
        c.eq(header(ok, "Access-Control-Allow-Origin"), std::string("http://localhost:8080"),
            "ACAO");
    });
}

// ---- step 3: fetch metadata, X-CNS-Client, Content-Type ----------------------------------------

void fetchMetadata_wrongSiteOrMode_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const char* site : { "same-origin", "none", "cross-sitex" }) {
            Request r = authRequest();
            setHeader(r, "Sec-Fetch-Site", site);
            checkReadableError(c, f->core->handle(r), 403, "BAD_REQUEST");
        }
        for (const char* mode : { "navigate", "no-cors", "same-origin" }) {
            Request r = authRequest();
            setHeader(r, "Sec-Fetch-Mode", mode);
            checkReadableError(c, f->core->handle(r), 403, "BAD_REQUEST");
        }
        checkUntouched(c, f);
    });
}

void fetchMetadata_absentOrSameSite_accepted(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Request r = request("GET", "/v1/status");
        setHeader(r, "Sec-Fetch-Site", "");
        setHeader(r, "Sec-Fetch-Mode", "");
        c.eq(f->core->handle(r).status, 200, "without fetch metadata (older browsers)");
        setHeader(r, "Sec-Fetch-Site", "same-site");
        c.eq(f->core->handle(r).status, 200, "same-site");
    });
}

void clientHeader_missingOrWrong_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const char* value : { "", "0", "true", "1 " }) {
            Request r = authRequest();
            setHeader(r, "X-CNS-Client", value);
            checkReadableError(c, f->core->handle(r), 400, "BAD_REQUEST");
            Request s = request("GET", "/v1/status");
            setHeader(s, "X-CNS-Client", value);
            checkReadableError(c, f->core->handle(s), 400, "BAD_REQUEST");
        }
        checkUntouched(c, f);
    });
}

void contentType_notJson_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        for (const char* type : { "", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data", "application/json; charset=latin1", "application/jsonx" }) {
            Request r = authRequest();
            setHeader(r, "Content-Type", type);
            checkReadableError(c, f->core->handle(r), 415, "BAD_REQUEST");
        }
        Request cancel = request("POST", "/v1/cancel", "{}");
        setHeader(cancel, "Content-Type", "text/plain");
        checkReadableError(c, f->core->handle(cancel), 415, "BAD_REQUEST");
        checkUntouched(c, f);
    });
}

void contentType_charsetUtf8_accepted(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Request r = authRequest();
        setHeader(r, "Content-Type", "Application/JSON; charset=UTF-8");
        c.eq(f->core->handle(r).status, 200, "status");
    });
}

// ---- routing -----------------------------------------------------------------------------------

void routing_unknownPathAndWrongMethod(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        checkReadableError(c, f->core->handle(request("GET", "/v1/statu")), 404, "BAD_REQUEST");
        checkReadableError(c, f->core->handle(request("GET", "/v1/status/")), 404, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(request("POST", "/v1/sign", "{}")), 404, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(request("GET", "/v1/authenticate")), 405, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(request("POST", "/v1/status", "{}")), 405, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(request("PUT", "/v1/cancel", "{}")), 405, "BAD_REQUEST");
        Request head = request("HEAD", "/v1/status");
        checkReadableError(c, f->core->handle(head), 405, "BAD_REQUEST");
        checkUntouched(c, f);
    });
}

// ---- step 4: body ------------------------------------------------------------------------------

void body_oversize_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string big = "{\"challenge\":\"" + std::string(kChallenge)
            + "\",\"context\":\"x\",\"pad\":\"" + std::string(9000, 'a') + "\"}";
        checkReadableError(c, f->core->handle(authRequest(big)), 413, "BAD_REQUEST");
        checkUntouched(c, f);
    });
}

void body_schemaViolations_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string c42(42, 'A');
        const std::string c43(43, 'A');
        const std::string c128(128, 'A');
        const std::string c129(129, 'A');
        const std::string ctx64(64, 'a');
        const std::string ctx65(65, 'a');
        const struct {
            std::string body;
            const char* what;
        } cases[] = {
            { "", "empty body" },
            { "{", "malformed JSON" },
            { "[]", "an array" },
            { "\"x\"", "a string" },
            { "{} {}", "two values" },
            { "{\"context\":\"fse\"}", "no challenge" },
            { "{\"challenge\":\"" + c43 + "\"}", "no context" },
            { authBody(c42), "challenge too short (42)" },
            { authBody(c129), "challenge too long (129)" },
            { authBody(c43.substr(0, 42) + "+"), "challenge with '+' (base64, not base64url)" },
            { authBody(c43.substr(0, 42) + "="), "challenge with padding" },
            { authBody(c43.substr(0, 42) + " "), "challenge with a space" },
            { "{\"challenge\":123,\"context\":\"fse\"}", "challenge not a string" },
            { authBody(kChallenge, "Fse-Login"), "context with upper case" },
            { authBody(kChallenge, "fse_login"), "context with '_'" },
            { authBody(kChallenge, ""), "empty context" },
            { authBody(kChallenge, ctx65), "context of 65 characters" },
            { authBody(kChallenge, kContext, "fr"), "lang fr" },
            { authBody(kChallenge, kContext, "IT"), "lang IT" },
            { authBody(kChallenge, kContext, "it", "123456789012345"), "cardId of 15 digits" },
            { authBody(kChallenge, kContext, "it", "12345678901234567"), "cardId of 17 digits" },
            { authBody(kChallenge, kContext, "it", "123456789012345a"), "cardId not digits" },
            { "{\"challenge\":\"" + c43 + "\",\"context\":\"fse\",\"origin\":\"x\"}",
                "unknown member" },
            { "{\"challenge\":\"" + c43 + "\",\"context\":\"fse\",\"hash\":\"00\"}",
                "a hash member" },
            { "{\"challenge\":\"" + c43
                    + "\",\"context\":\"fse\",\"expected\":{\"cardId\":\"1234567890123456\","
                      "\"cf\":\"X\"}}",
                "unknown member in expected" },
            { "{\"challenge\":\"" + c43 + "\",\"context\":\"fse\",\"expected\":\"x\"}",
                "expected not an object" },
            { "{\"challenge\":\"" + c43 + "\",\"context\":\"fse\",\"context\":\"other\"}",
                "duplicate member" },
            { "{\"challenge\":\"" + c43 + "\",\"context\":\"fse\",\"lang\":null}", "lang null" },
            { "{\"challenge\":\"" + c43 + "\",\"context\":\"fs\xe9\"}", "invalid UTF-8" },
        };
        for (const auto& k : cases) {
            const Response r = f->core->handle(authRequest(k.body));
            if (r.status != 400 || errorCode(r) != "BAD_REQUEST")
                c.report(std::string(k.what) + ": got " + std::to_string(r.status) + " " + r.body);
        }
        checkUntouched(c, f);
        // The boundaries themselves pass.
        c.eq(f->core->handle(authRequest(authBody(c43, ctx64))).status, 200, "43 / 64");
        c.eq(f->core->handle(authRequest(authBody(c128, "a", "en"))).status, 200, "128 / 1");
        c.eq(f->core->handle(authRequest(authBody(kChallenge, kContext, ""))).status, 200,
            "lang omitted");
    });
}

void body_statusWithBody_andCancelWithMembers_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        checkReadableError(
            c, f->core->handle(request("GET", "/v1/status", "x")), 400, "BAD_REQUEST");
        checkReadableError(c, f->core->handle(request("POST", "/v1/cancel", "{\"all\":true}")), 400,
            "BAD_REQUEST");
        checkReadableError(c, f->core->handle(request("POST", "/v1/identity", "{\"pin\":\"1\"}")),
            400, "BAD_REQUEST");
        checkUntouched(c, f);
    });
}

// ---- preflight (§3.4 step 3, §3.5) -------------------------------------------------------------

Request preflight(
    const char* path, const char* method, const char* headers, const std::string& origin = kOrigin)
{
    Request r = request("OPTIONS", path, {}, origin);
    setHeader(r, "Access-Control-Request-Method", method);
    setHeader(r, "Access-Control-Request-Headers", headers);
    setHeader(r, "Access-Control-Request-Private-Network", "true");
    return r;
}

void preflight_allowedOrigin_corsAndLnaHeaders(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Response r
            = f->core->handle(preflight("/v1/authenticate", "POST", "content-type,x-cns-client"));
        c.eq(r.status, 204, "status");
        c.eq(header(r, "Access-Control-Allow-Origin"), std::string(kOrigin), "ACAO (exact)");
        c.eq(header(r, "Vary"), std::string("Origin"), "Vary");
        c.eq(header(r, "Access-Control-Allow-Methods"), std::string("GET, POST"), "methods");
        c.eq(header(r, "Access-Control-Allow-Headers"), std::string("Content-Type, X-CNS-Client"),
            "headers");
        c.eq(header(r, "Access-Control-Allow-Private-Network"), std::string("true"), "PNA");
        c.eq(header(r, "Access-Control-Max-Age"), std::string("600"), "max age");
        c.that(r.body.empty(), "no body");
        const Response g = f->core->handle(preflight("/v1/status", "GET", "X-CNS-Client"));
        c.eq(g.status, 204, "GET preflight");
        const Response spaced
            = f->core->handle(preflight("/v1/cancel", "POST", " Content-Type , X-CNS-Client "));
        c.eq(spaced.status, 204, "spaces and case in the header list");
        const Response none = f->core->handle(preflight("/v1/identity", "POST", ""));
        c.eq(none.status, 204, "no requested headers");
        checkUntouched(c, f);
    });
}

void preflight_unknownOrigin_403WithoutCors(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Response r = f->core->handle(
            preflight("/v1/authenticate", "POST", "content-type", "https://evil.example"));
        checkOpaqueRejection(c, r, "ORIGIN_NOT_ALLOWED");
        Request rebinding = preflight("/v1/authenticate", "POST", "content-type");
        setHeader(rebinding, "Host", "attacker.example:47123");
        checkOpaqueRejection(c, f->core->handle(rebinding), "BAD_REQUEST");
        checkUntouched(c, f);
    });
}

void preflight_methodOrHeaderOutsideList_rejected(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        checkReadableError(
            c, f->core->handle(preflight("/v1/authenticate", "PUT", "")), 403, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(preflight("/v1/authenticate", "", "")), 403, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(preflight("/v1/authenticate", "GET", "")), 403, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(preflight("/v1/status", "POST", "")), 403, "BAD_REQUEST");
        checkReadableError(c,
            f->core->handle(preflight("/v1/authenticate", "POST", "content-type,authorization")),
            403, "BAD_REQUEST");
        checkReadableError(c, f->core->handle(preflight("/v1/authenticate", "POST", "x-cns-pin")),
            403, "BAD_REQUEST");
        checkReadableError(
            c, f->core->handle(preflight("/v1/other", "POST", "")), 404, "BAD_REQUEST");
        checkUntouched(c, f);
    });
}

// ---- headers of actual answers (§3.5) ----------------------------------------------------------

void status_answerHeadersAndNoPersonalData(void** state)
{
    CoreFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Response r = f->core->handle(request("GET", "/v1/status", {}, kOtherOrigin));
        c.eq(r.status, 200, "status");
        c.eq(header(r, "Access-Control-Allow-Origin"), std::string(kOtherOrigin), "ACAO");
        c.eq(header(r, "Vary"), std::string("Origin"), "Vary");
        c.eq(header(r, "Cache-Control"), std::string("no-store"), "no-store");
        c.eq(header(r, "X-Content-Type-Options"), std::string("nosniff"), "nosniff");
        c.eq(header(r, "Content-Type"), std::string("application/json"), "JSON");
        const auto j = json(r);
        c.that(j.is_object() && j.size() == 4, "exactly four members");
        c.eq(j.value("protocol", std::string()), std::string("cns-auth:1"), "protocol");
        c.that(j["version"].is_string(), "version");
        c.eq(j.value("readers", -1), 1, "readers");
        c.eq(j.value("cardPresent", false), true, "cardPresent");
        const auto& rec = f->images->cns.record;
        for (const std::string& secret : { rec.cardId, rec.codiceFiscale, rec.surname })
            c.that(r.body.find(secret) == std::string::npos, "no personal data: " + secret);
        checkUntouched(c, f); // status is answered from memory: no APDU
        f->cards->removeCard();
        c.eq(json(f->core->handle(request("GET", "/v1/status"))).value("cardPresent", true), false,
            "card removed");
    });
}

} // namespace

int runDaemonRequestTests()
{
#define T(t) cmocka_unit_test_setup_teardown(t, coreSetup, coreTeardown)
    const struct CMUnitTest tests[] = {
        T(host_foreignName_rejectedAsDnsRebinding),
        T(host_missingOrRepeated_rejected),
        T(host_loopbackForms_accepted),
        T(origin_unknown_403WithoutCorsAndNoUi),
        T(origin_rejectionLogging_isRateLimited),
        T(origin_http_onlyWithDevelopmentFlag),
        T(fetchMetadata_wrongSiteOrMode_rejected),
        T(fetchMetadata_absentOrSameSite_accepted),
        T(clientHeader_missingOrWrong_rejected),
        T(contentType_notJson_rejected),
        T(contentType_charsetUtf8_accepted),
        T(routing_unknownPathAndWrongMethod),
        T(body_oversize_rejected),
        T(body_schemaViolations_rejected),
        T(body_statusWithBody_andCancelWithMembers_rejected),
        T(preflight_allowedOrigin_corsAndLnaHeaders),
        T(preflight_unknownOrigin_403WithoutCors),
        T(preflight_methodOrHeaderOutsideList_rejected),
        T(status_answerHeadersAndNoPersonalData),
    };
#undef T
    return cmocka_run_group_tests_name("daemon_requests", tests, imagesSetup, imagesTeardown);
}
