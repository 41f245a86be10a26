// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's HTTP core: routes, sessions and CSRF over LoginFlow, request -> response.
#pragma once

#include "auth/login_flow.hpp"
#include "web/http_types.hpp"

#include <optional>
#include <string>

namespace tscns::portal {

struct AppSettings {
    std::string origin; ///< https://host[:port] the portal is reached at
    int tscnsdPort = 47123; ///< where the page finds tscnsd
    std::int64_t preAuthIdleMs = 10 * 60'000; ///< a login in progress
    std::int64_t sessionIdleMs = 15 * 60'000; ///< ASVS V7.3: idle timeout after login
    std::int64_t sessionMaxMs = 12 * 3600'000; ///< and the absolute lifetime
    std::int64_t ipLimitPerMinute = 60; ///< authentication POSTs per client address
    /// https://host:port of the listener that asks for a TLS client certificate (the form of
    /// the second-factor page posts there); "" when TLS client-certificate login is off.
    std::string clientCertOrigin;
};

inline constexpr std::string_view kSessionCookie = "__Host-tscns-portal";

class PortalApp {
public:
    PortalApp(LoginFlow& flow, PortalStore& store, AppSettings settings);

    /// Never throws: unexpected errors become a 500 page without details.
    HttpResponse handle(const HttpRequest& request) noexcept;
    /// A request on the client-certificate listener (request.clientCertificate is the TLS
    /// client certificate, when one was sent): POST /login/certificate, the stylesheet; any
    /// other GET is sent to the portal's origin. Never throws.
    HttpResponse handleClientCertListener(const HttpRequest& request) noexcept;

private:
    struct Ctx;
    HttpResponse dispatch(const HttpRequest& request, bool clientCertListener) noexcept;
    HttpResponse route(Ctx& ctx);
    HttpResponse routeClientCert(Ctx& ctx);
    /// The checks every POST passes first: Origin equal to the portal's (the forms are all
    /// there), the per-address limit, the session's CSRF token. nullopt when they pass.
    std::optional<HttpResponse> checkPost(Ctx& ctx, bool jsonRoute);
    /// A compiled-in static file, or nullopt.
    std::optional<HttpResponse> staticAsset(const std::string& path) const;
    HttpResponse postCertificate(Ctx& ctx);
    HttpResponse getLogin(Ctx& ctx);
    HttpResponse postLogin(Ctx& ctx);
    HttpResponse getNewPassword(Ctx& ctx);
    HttpResponse postNewPassword(Ctx& ctx);
    HttpResponse getSecondFactor(Ctx& ctx);
    /// The second-factor page: SMS, the card when on, the certificate when its listener is.
    [[nodiscard]] std::string secondFactorPage(
        const std::string& csrf, const std::string& error) const;
    HttpResponse postOtpSend(Ctx& ctx);
    HttpResponse getOtp(Ctx& ctx);
    HttpResponse postOtp(Ctx& ctx);
    HttpResponse postCardChallenge(Ctx& ctx);
    HttpResponse postCardVerify(Ctx& ctx);
    HttpResponse getHome(Ctx& ctx);
    HttpResponse postLogout(Ctx& ctx);

    HttpResponse page(const std::string& html, int status = 200) const;
    HttpResponse redirect(const std::string& to) const;
    HttpResponse json(int status, const std::string& body) const;
    HttpResponse jsonError(int status, const std::string& code, const std::string& message) const;
    /// Replaces the session by a new ID in `stage` and sets the cookie on `response`.
    bool advance(Ctx& ctx, HttpResponse& response, std::string_view stage,
        const std::string& accountId, const std::string& cardNumber, const std::string& amr);
    /// advance(), then 303 to `location` (to /login when the session was already gone).
    HttpResponse advanceTo(Ctx& ctx, std::string_view stage, const std::string& accountId,
        const std::string& cardNumber, const std::string& amr, const std::string& location);
    void setCookie(HttpResponse& response, const std::string& token) const;
    void clearCookie(HttpResponse& response) const;
    void secure(HttpResponse& response) const;

    LoginFlow& flow_;
    PortalStore& store_;
    AppSettings settings_;
    std::string csp_;
};

} // namespace tscns::portal
