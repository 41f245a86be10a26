// SPDX-License-Identifier: LGPL-2.1-or-later
// PortalApp: one function per route; sessions rotate at every authentication step.
#include "web/portal_app.hpp"

#include "auth/secrets.hpp"
#include "web/assets.hpp"
#include "web/pages.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/verifier/verifier.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace tscns::portal {

struct PortalApp::Ctx {
    const HttpRequest& req;
    std::string token; ///< the session cookie's value, "" when none or unknown
    std::optional<SessionRecord> session;
    bool clientCertListener = false; ///< the request came to the client-certificate listener
};

namespace {
    constexpr std::string_view kSmsNotSent
        = "Non e' stato possibile inviare il codice SMS: riprova tra qualche minuto.";

    constexpr std::string_view kGenericLoginError = "Codice utente o password non corretti.";

    std::string minutesText(std::int64_t ms)
    {
        const std::int64_t m = (ms + 59'999) / 60'000;
        return m <= 1 ? std::string("un minuto") : std::to_string(m) + " minuti";
    }

    std::string amrText(const std::string& amr)
    {
        if (amr == "pwd+otp") return "password + codice SMS (pwd + otp)";
        if (amr == "pwd+card") return "password + tessera (pwd + card)";
        if (amr == "pwd+tls-cert") return "password + certificato della tessera (pwd + tls-cert)";
        return amr;
    }
} // namespace

PortalApp::PortalApp(LoginFlow& flow, PortalStore& store, AppSettings settings)
    : flow_(flow)
    , store_(store)
    , settings_(std::move(settings))
{
    const std::string daemon = std::to_string(settings_.tscnsdPort);
    csp_ = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
           "connect-src 'self' http://127.0.0.1:"
        + daemon + " http://localhost:" + daemon + "; form-action 'self'"
        + (settings_.clientCertOrigin.empty() ? std::string() : " " + settings_.clientCertOrigin)
        + "; frame-ancestors 'none'; base-uri 'none'";
}

void PortalApp::secure(HttpResponse& r) const
{
    r.set("Content-Security-Policy", csp_);
    r.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    r.set("Cache-Control", "no-store");
    r.set("X-Content-Type-Options", "nosniff");
    // Only the origin, never a path, and never to an http page. Not no-referrer or same-origin:
    // under those browsers send "Origin: null" with form POSTs (Fetch, "append a request
    // Origin header"), to the portal itself or to its client-certificate listener, and the
    // Origin check would refuse every form.
    r.set("Referrer-Policy", "strict-origin");
    r.set("X-Frame-Options", "DENY");
    r.set("Cross-Origin-Opener-Policy", "same-origin");
    r.set("Cross-Origin-Resource-Policy", "same-origin");
}

HttpResponse PortalApp::page(const std::string& html, int status) const
{
    HttpResponse r;
    r.status = status;
    r.body = html;
    r.set("Content-Type", "text/html; charset=utf-8");
    return r;
}

HttpResponse PortalApp::redirect(const std::string& to) const
{
    HttpResponse r;
    r.status = 303;
    r.set("Location", to);
    return r;
}

HttpResponse PortalApp::json(int status, const std::string& body) const
{
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.set("Content-Type", "application/json");
    return r;
}

HttpResponse PortalApp::jsonError(
    int status, const std::string& code, const std::string& message) const
{
    return json(status,
        nlohmann::json { { "error", { { "code", code }, { "message", message } } } }.dump());
}

void PortalApp::setCookie(HttpResponse& r, const std::string& token) const
{
    r.set("Set-Cookie",
        std::string(kSessionCookie) + "=" + token + "; Path=/; Secure; HttpOnly; SameSite=Lax");
}

void PortalApp::clearCookie(HttpResponse& r) const
{
    r.set("Set-Cookie",
        std::string(kSessionCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
}

bool PortalApp::advance(Ctx& ctx, HttpResponse& r, std::string_view stage,
    const std::string& accountId, const std::string& cardNumber, const std::string& amr)
{
    SessionRecord next;
    next.loginId = ctx.session ? ctx.session->loginId : randomToken(16);
    next.stage = std::string(stage);
    next.accountId = accountId;
    next.cardNumber = cardNumber;
    next.csrf = randomToken(32);
    next.amr = amr;
    const bool done = stage == stage::kAuthenticated;
    next.expiresAt = store_.now() + (done ? settings_.sessionIdleMs : settings_.preAuthIdleMs);
    if (done) next.authenticatedAt = store_.now();
    std::optional<std::string> token;
    if (ctx.token.empty())
        token = store_.createSession(next);
    else
        token = store_.rotateSession(ctx.token, next);
    if (!token) return false;
    ctx.token = *token;
    setCookie(r, *token);
    return true;
}

HttpResponse PortalApp::advanceTo(Ctx& ctx, std::string_view stage, const std::string& accountId,
    const std::string& cardNumber, const std::string& amr, const std::string& location)
{
    HttpResponse r = redirect(location);
    if (!advance(ctx, r, stage, accountId, cardNumber, amr)) return redirect("/login");
    return r;
}

HttpResponse PortalApp::handle(const HttpRequest& req) noexcept
{
    return dispatch(req, false);
}

HttpResponse PortalApp::handleClientCertListener(const HttpRequest& req) noexcept
{
    return dispatch(req, true);
}

HttpResponse PortalApp::dispatch(const HttpRequest& req, bool clientCertListener) noexcept
{
    HttpResponse r;
    try {
        Ctx ctx { req, {}, {}, clientCertListener };
        const std::string cookie = req.cookie(std::string(kSessionCookie));
        if (!cookie.empty() && cookie.size() <= 64) {
            ctx.session = store_.sessionByToken(cookie);
            if (ctx.session) {
                const SessionRecord& s = *ctx.session;
                const bool done = s.stage == stage::kAuthenticated;
                if (done && s.authenticatedAt
                    && store_.now() - *s.authenticatedAt > settings_.sessionMaxMs) {
                    store_.deleteSession(cookie);
                    ctx.session.reset();
                } else {
                    ctx.token = cookie;
                    store_.touchSession(s.idHash,
                        store_.now() + (done ? settings_.sessionIdleMs : settings_.preAuthIdleMs));
                }
            }
        }
        r = clientCertListener ? routeClientCert(ctx) : route(ctx);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tscns-portal: %s %s: internal error: %s\n", req.method.c_str(),
            req.path.c_str(), e.what());
        r = page(pages::message("Errore", "Si e' verificato un errore. Riprova piu' tardi."), 500);
    }
    secure(r);
    return r;
}

HttpResponse PortalApp::route(Ctx& ctx)
{
    const HttpRequest& req = ctx.req;
    const std::string& p = req.path;
    if (req.method == "GET" || req.method == "HEAD") {
        if (p == "/")
            return redirect(
                ctx.session && ctx.session->stage == stage::kAuthenticated ? "/home" : "/login");
        if (p == "/login") return getLogin(ctx);
        if (p == "/login/new-password") return getNewPassword(ctx);
        if (p == "/login/second-factor") return getSecondFactor(ctx);
        if (p == "/login/otp") return getOtp(ctx);
        if (p == "/home") return getHome(ctx);
        if (auto a = staticAsset(p)) return *a;
        return page(pages::message("Pagina non trovata", "La pagina richiesta non esiste."), 404);
    }
    if (req.method != "POST") {
        HttpResponse r = page(pages::message("Metodo non ammesso", "Metodo non ammesso."), 405);
        r.set("Allow", "GET, POST");
        return r;
    }
    const bool jsonRoute = p == "/login/card/challenge" || p == "/login/card/verify";
    if (auto refused = checkPost(ctx, jsonRoute)) return *refused;
    if (p == "/login") return postLogin(ctx);
    if (p == "/login/new-password") return postNewPassword(ctx);
    if (p == "/login/otp/send") return postOtpSend(ctx);
    if (p == "/login/otp") return postOtp(ctx);
    if (p == "/login/card/challenge") return postCardChallenge(ctx);
    if (p == "/login/card/verify") return postCardVerify(ctx);
    if (p == "/logout") return postLogout(ctx);
    return page(pages::message("Pagina non trovata", "La pagina richiesta non esiste."), 404);
}

HttpResponse PortalApp::routeClientCert(Ctx& ctx)
{
    const HttpRequest& req = ctx.req;
    const std::string& p = req.path;
    if (req.method == "GET" || req.method == "HEAD") {
        if (p == "/static/portal.css" || p == "/healthz") return *staticAsset(p);
        // Only the certificate step lives here: every page is on the portal's origin.
        return redirect(settings_.origin
            + (p == "/login/certificate" ? "/login/second-factor"
                    : p == "/home"       ? "/home"
                                         : "/login"));
    }
    if (req.method != "POST" || p != "/login/certificate") {
        return page(pages::message("Pagina non trovata", "La pagina richiesta non esiste.",
                        settings_.origin + "/login"),
            404);
    }
    if (auto refused = checkPost(ctx, false)) return *refused;
    return postCertificate(ctx);
}

std::optional<HttpResponse> PortalApp::staticAsset(const std::string& p) const
{
    auto asset = [&](std::string_view body, const char* type) {
        HttpResponse r;
        r.body = std::string(body);
        r.set("Content-Type", type);
        return r;
    };
    if (p == "/static/cns-auth.js")
        return asset(assets::cnsAuthJs(), "text/javascript; charset=utf-8");
    if (p == "/static/card-login.js")
        return asset(assets::cardLoginJs(), "text/javascript; charset=utf-8");
    if (p == "/static/portal.css") return asset(assets::portalCss(), "text/css; charset=utf-8");
    if (p == "/healthz") return json(200, R"({"status":"ok"})");
    return std::nullopt;
}

std::optional<HttpResponse> PortalApp::checkPost(Ctx& ctx, bool jsonRoute)
{
    const HttpRequest& req = ctx.req;
    const std::string& p = req.path;
    // Links of the pages answered here lead to the portal's origin (this may be the
    // client-certificate listener).
    const std::string loginUrl = ctx.clientCertListener ? settings_.origin + "/login" : "/login";
    // Defence in depth next to the CSRF token: a POST from another origin is refused.
    const std::string origin = req.header("origin");
    if (!origin.empty() && origin != settings_.origin) {
        store_.audit("csrf-refused", "-", req.remoteAddress,
            "POST " + p + " from origin " + origin.substr(0, 100));
        return jsonRoute
            ? jsonError(403, "FORBIDDEN", "Richiesta non valida.")
            : page(pages::message("Richiesta non valida", "Richiesta non valida.", loginUrl), 403);
    }
    if (!store_.hit("ip:" + req.remoteAddress, 60'000, settings_.ipLimitPerMinute)) {
        store_.audit("rate-limited", "-", req.remoteAddress, "POST " + p);
        HttpResponse r = jsonRoute
            ? jsonError(429, "RATE_LIMITED", "Troppe richieste: riprova tra un minuto.")
            : page(pages::message(
                       "Troppe richieste", "Troppe richieste: riprova tra un minuto.", loginUrl),
                429);
        r.set("Retry-After", "60");
        return r;
    }
    const std::string sent = jsonRoute ? req.header("x-csrf-token") : req.field("csrf");
    if (!ctx.session || sent.empty() || !constantTimeEqual(sent, ctx.session->csrf)) {
        store_.audit("csrf-refused", "-", req.remoteAddress,
            "POST " + p + (ctx.session ? ": token mismatch" : ": no session"));
        if (jsonRoute)
            return jsonError(
                403, "SESSION_EXPIRED", "La sessione e' scaduta: ricomincia l'accesso.");
        return page(
            pages::message("Sessione scaduta",
                "La sessione e' scaduta o la richiesta non e' valida: ricomincia l'accesso.",
                loginUrl),
            403);
    }
    return std::nullopt;
}

HttpResponse PortalApp::getLogin(Ctx& ctx)
{
    if (ctx.session && ctx.session->stage == stage::kAuthenticated) return redirect("/home");
    if (ctx.session) return page(pages::login(ctx.session->csrf, "", ""));
    HttpResponse r;
    // A fresh anonymous session carries the CSRF token of the login form.
    if (!advance(ctx, r, stage::kAnonymous, "", "", "")) return redirect("/login");
    const std::string csrf = store_.sessionByToken(ctx.token)->csrf;
    HttpResponse out = page(pages::login(csrf, "", ""));
    for (auto& h : r.headers)
        out.headers.push_back(h);
    return out;
}

HttpResponse PortalApp::postLogin(Ctx& ctx)
{
    const std::string userId = ctx.req.field("user_id").substr(0, 64);
    const std::string password = ctx.req.field("password");
    const PasswordStep step = flow_.checkPassword(userId, password, ctx.req.remoteAddress);
    switch (step.result) {
    case PasswordStep::Result::NewPasswordRequired:
        return advanceTo(ctx, stage::kNewPassword, step.accountId, step.cardNumber, "pwd",
            "/login/new-password");
    case PasswordStep::Result::SecondFactor:
        return advanceTo(ctx, stage::kSecondFactor, step.accountId, step.cardNumber, "pwd",
            "/login/second-factor");
    case PasswordStep::Result::ProvisionalExpired:
        return page(
            pages::login(ctx.session->csrf,
                "La password provvisoria e' scaduta: chiedine una nuova allo sportello.", userId),
            200);
    case PasswordStep::Result::Throttled:
        return page(pages::login(ctx.session->csrf,
                        "Troppi tentativi non riusciti: riprova tra "
                            + minutesText(step.retryAt - store_.now()) + ".",
                        userId),
            429);
    case PasswordStep::Result::Refused:
        break;
    }
    return page(pages::login(ctx.session->csrf, std::string(kGenericLoginError), userId), 200);
}

HttpResponse PortalApp::getNewPassword(Ctx& ctx)
{
    if (!ctx.session || ctx.session->stage != stage::kNewPassword) return redirect("/login");
    return page(pages::newPassword(ctx.session->csrf, ""));
}

HttpResponse PortalApp::postNewPassword(Ctx& ctx)
{
    if (ctx.session->stage != stage::kNewPassword) return redirect("/login");
    const SessionRecord s = *ctx.session;
    const auto problem = flow_.setNewPassword(s.accountId, userIdOf(s.cardNumber),
        ctx.req.field("new_password"), ctx.req.field("new_password_confirm"));
    if (problem)
        return page(pages::newPassword(s.csrf, "La password non va bene: " + *problem + "."));
    HttpResponse moved
        = advanceTo(ctx, stage::kOtp, s.accountId, s.cardNumber, "pwd", "/login/otp");
    // A login that reached its code limit still lands on the code page, which offers a resend.
    if (moved.header("Location") != "/login/otp") return moved;
    try {
        flow_.sendCode(s.loginId, s.accountId);
    } catch (const Error& e) {
        if (e.code() != Errc::Transport) throw;
        // The password is set and the session moved on: the code page, in the new session
        // (its cookie), says the SMS did not leave and offers a resend.
        HttpResponse r = page(
            pages::otp(store_.sessionByToken(ctx.token)->csrf, std::string(kSmsNotSent), ""), 503);
        for (const auto& [name, value] : moved.headers)
            if (name == "Set-Cookie") r.headers.emplace_back(name, value);
        return r;
    }
    return moved;
}

HttpResponse PortalApp::getSecondFactor(Ctx& ctx)
{
    if (!ctx.session
        || (ctx.session->stage != stage::kSecondFactor && ctx.session->stage != stage::kOtp))
        return redirect(
            ctx.session && ctx.session->stage == stage::kAuthenticated ? "/home" : "/login");
    return page(secondFactorPage(ctx.session->csrf, ""));
}

std::string PortalApp::secondFactorPage(const std::string& csrf, const std::string& error) const
{
    const bool cardOn = flow_.cardLoginEnabled();
    return pages::secondFactor(csrf, error, cardOn,
        cardOn && !settings_.clientCertOrigin.empty()
            ? settings_.clientCertOrigin + "/login/certificate"
            : std::string());
}

HttpResponse PortalApp::postOtpSend(Ctx& ctx)
{
    const SessionRecord s = *ctx.session;
    if (s.stage != stage::kSecondFactor && s.stage != stage::kOtp) return redirect("/login");
    bool sent = false;
    try {
        sent = flow_.sendCode(s.loginId, s.accountId);
    } catch (const Error& e) {
        if (e.code() != Errc::Transport) throw;
        return page(s.stage == stage::kOtp ? pages::otp(s.csrf, std::string(kSmsNotSent), "")
                                           : secondFactorPage(s.csrf, std::string(kSmsNotSent)),
            503);
    }
    if (!sent)
        return page(pages::otp(s.csrf,
                        "Limite di codici SMS raggiunto per questo accesso: ricomincia dall'inizio "
                        "piu' tardi.",
                        ""),
            429);
    return advanceTo(ctx, stage::kOtp, s.accountId, s.cardNumber, "pwd", "/login/otp");
}

HttpResponse PortalApp::getOtp(Ctx& ctx)
{
    if (!ctx.session || ctx.session->stage != stage::kOtp) return redirect("/login");
    return page(pages::otp(ctx.session->csrf, "", "Ti abbiamo inviato un codice via SMS."));
}

HttpResponse PortalApp::postOtp(Ctx& ctx)
{
    const SessionRecord s = *ctx.session;
    if (s.stage != stage::kOtp) return redirect("/login");
    const CodeStep step = flow_.checkCode(s.loginId, s.accountId, ctx.req.field("code"));
    switch (step.result) {
    case CodeStep::Result::Accepted: {
        flow_.completeLogin(s.accountId, s.cardNumber, "pwd+otp", ctx.req.remoteAddress);
        return advanceTo(ctx, stage::kAuthenticated, s.accountId, s.cardNumber, "pwd+otp", "/home");
    }
    case CodeStep::Result::Wrong:
        store_.audit(
            "otp-failed", maskId(userIdOf(s.cardNumber)), ctx.req.remoteAddress, "wrong SMS code");
        return page(pages::otp(s.csrf, "Codice non corretto.", ""));
    case CodeStep::Result::Expired:
        store_.audit("otp-failed", maskId(userIdOf(s.cardNumber)), ctx.req.remoteAddress,
            "no live SMS code (expired, used or 5 tries)");
        return page(pages::otp(s.csrf, "Il codice non e' piu' valido: chiedine uno nuovo.", ""));
    case CodeStep::Result::Throttled:
        return page(pages::otp(s.csrf, "Troppi tentativi: riprova piu' tardi.", ""), 429);
    }
    return redirect("/login");
}

HttpResponse PortalApp::postCardChallenge(Ctx& ctx)
{
    const SessionRecord s = *ctx.session;
    if (s.stage != stage::kSecondFactor && s.stage != stage::kOtp)
        return jsonError(403, "SESSION_EXPIRED", "La sessione e' scaduta: ricomincia l'accesso.");
    if (!flow_.cardLoginEnabled())
        return jsonError(404, "CARD_LOGIN_DISABLED", "L'accesso con la tessera non e' attivo.");
    std::string challenge;
    try {
        challenge = flow_.issueChallenge(s.loginId);
    } catch (const Error& e) {
        if (e.code() != Errc::NotLoggedIn) throw;
        store_.deleteSession(ctx.token);
        HttpResponse r = jsonError(
            403, "SESSION_EXPIRED", "Troppi tentativi con la tessera: ricomincia l'accesso.");
        clearCookie(r);
        return r;
    }
    return json(200,
        nlohmann::json { { "challenge", challenge }, { "context", flow_.settings().context },
            { "origin", settings_.origin }, { "tscnsdPort", settings_.tscnsdPort },
            { "expiresIn", verifier::ChallengeStore::kDefaultTtl.count() } }
            .dump());
}

HttpResponse PortalApp::postCardVerify(Ctx& ctx)
{
    const SessionRecord s = *ctx.session;
    if (s.stage != stage::kSecondFactor && s.stage != stage::kOtp)
        return jsonError(403, "SESSION_EXPIRED", "La sessione e' scaduta: ricomincia l'accesso.");
    std::string tokenJson;
    if (ctx.req.body.size() <= 16 * 1024) {
        const auto body = nlohmann::json::parse(ctx.req.body, nullptr, false);
        if (body.is_object() && body.contains("token")) {
            const auto& t = body["token"];
            tokenJson = t.is_string() ? t.get<std::string>()
                : t.is_object()       ? t.dump()
                                      : std::string();
        }
    }
    if (tokenJson.empty()) return jsonError(400, "BAD_REQUEST", "Richiesta non valida.");
    const CardStep step = flow_.verifyCard(s.loginId, s.accountId, tokenJson);
    const std::string who = maskId(userIdOf(s.cardNumber));
    if (!step.ok) {
        store_.audit("card-failed", who, ctx.req.remoteAddress, step.auditReason);
        HttpResponse r
            = jsonError(401, step.sessionDropped ? "SESSION_EXPIRED" : "CARD_AUTH_FAILED",
                "Accesso con la tessera non riuscito: usa la tessera registrata per questo"
                " utente, oppure il codice via SMS.");
        if (step.sessionDropped) {
            store_.deleteSession(ctx.token);
            clearCookie(r);
        }
        return r;
    }
    store_.audit("card-verified", who, ctx.req.remoteAddress, step.auditReason);
    flow_.completeLogin(s.accountId, step.cardNumber, "pwd+card", ctx.req.remoteAddress);
    HttpResponse r = json(200, R"({"redirect":"/home"})");
    if (!advance(ctx, r, stage::kAuthenticated, s.accountId, step.cardNumber, "pwd+card"))
        return jsonError(403, "SESSION_EXPIRED", "La sessione e' scaduta: ricomincia l'accesso.");
    return r;
}

HttpResponse PortalApp::postCertificate(Ctx& ctx)
{
    const SessionRecord s = *ctx.session;
    const std::string& address = ctx.req.remoteAddress;
    const std::string back = settings_.origin + "/login/second-factor";
    if (s.stage != stage::kSecondFactor && s.stage != stage::kOtp) {
        store_.audit("cert-failed", "-", address, "certificate step in session stage " + s.stage);
        return page(pages::message("Sessione scaduta",
                        "Prima del certificato servono il codice utente e la password: "
                        "ricomincia l'accesso.",
                        settings_.origin + "/login"),
            403);
    }
    const std::string who = maskId(userIdOf(s.cardNumber));
    if (!flow_.cardLoginEnabled())
        return page(pages::message(
                        "Pagina non trovata", "L'accesso con il certificato non e' attivo.", back),
            404);
    if (!ctx.req.clientCertificate) {
        // Not an attempt (the user may have closed the browser's certificate window).
        store_.audit("cert-failed", who, address, "no TLS client certificate sent");
        return page(pages::message("Certificato non ricevuto",
                        "Il browser non ha presentato alcun certificato. Inserisci la tessera nel "
                        "lettore, controlla che il browser usi il modulo PKCS#11 della tessera e "
                        "riprova, oppure accedi con il codice SMS.",
                        back),
            401);
    }
    const CardStep step = flow_.verifyClientCertificate(
        s.loginId, s.accountId, *ctx.req.clientCertificate, ctx.req.clientChain);
    if (!step.ok) {
        store_.audit("cert-failed", who, address, step.auditReason);
        if (step.sessionDropped) {
            store_.deleteSession(ctx.token);
            HttpResponse r = page(pages::message("Troppi tentativi",
                                      "Troppi tentativi con la tessera: ricomincia l'accesso.",
                                      settings_.origin + "/login"),
                403);
            clearCookie(r);
            return r;
        }
        return page(pages::message("Certificato non accettato",
                        "Il certificato presentato non permette di accedere a questo fascicolo: "
                        "deve essere quello della tua Tessera Sanitaria - CNS, valida e non "
                        "revocata. Riprova con la tua tessera oppure accedi con il codice SMS.",
                        back),
            401);
    }
    store_.audit("cert-verified", who, address, step.auditReason);
    flow_.completeLogin(s.accountId, step.cardNumber, "pwd+tls-cert", address);
    return advanceTo(ctx, stage::kAuthenticated, s.accountId, step.cardNumber, "pwd+tls-cert",
        settings_.origin + "/home");
}

HttpResponse PortalApp::getHome(Ctx& ctx)
{
    if (!ctx.session || ctx.session->stage != stage::kAuthenticated) return redirect("/login");
    const auto account = store_.accountById(ctx.session->accountId);
    if (!account) return redirect("/login");
    return page(pages::home(
        ctx.session->csrf, account->givenName + " " + account->surname, amrText(ctx.session->amr)));
}

HttpResponse PortalApp::postLogout(Ctx& ctx)
{
    store_.audit("logout", maskId(userIdOf(ctx.session->cardNumber)), ctx.req.remoteAddress, "");
    store_.deleteSession(ctx.token);
    HttpResponse r = redirect("/login");
    clearCookie(r);
    return r;
}

} // namespace tscns::portal
