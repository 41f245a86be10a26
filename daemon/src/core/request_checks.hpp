// SPDX-License-Identifier: LGPL-2.1-or-later
// The request checks of cns-auth.md §3.4, one function per step, each throwing DaemonError with
// the Problem it found. The core calls them in the spec's order.
#pragma once

#include "core/config.hpp"
#include "core/dialog_text.hpp"
#include "core/http_types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tscns::daemon {

enum class Endpoint { Status, Authenticate, Identity, Cancel };

/// The endpoint at `path`; nullopt for anything else (no trailing slash, no prefix match).
std::optional<Endpoint> endpointFor(std::string_view path) noexcept;
/// "GET" for /v1/status, "POST" for the others.
std::string_view endpointMethod(Endpoint endpoint) noexcept;

/// Before step 1, on the bytes received (the transport decodes percent-escapes in the target and
/// in header values before the other checks see them): the request line's target has no '%', and
/// neither have Host, Origin, X-CNS-Client, Content-Type, Sec-Fetch-Site, Sec-Fetch-Mode,
/// Access-Control-Request-Method or Access-Control-Request-Headers. `head` is the request line
/// and header lines as received (up to the empty line). Throws DaemonError(NotCanonical), or
/// DaemonError(BodyInvalid) when `head` is not a request head.
void checkRawHead(std::string_view head);

/// Step 1: Host is exactly 127.0.0.1:<port>, [::1]:<port> or localhost:<port>, with the port the
/// request arrived on (DNS rebinding). Throws DaemonError(HostNotAllowed).
void checkHost(const Request& request);
/// Step 2: one Origin, https (http only when the configuration allows it), byte-equal to an
/// allowlist entry. Returns it. Throws DaemonError(OriginNotAllowed).
std::string checkOrigin(const Request& request, const Config& config);
/// Step 3, fetch metadata when present: Sec-Fetch-Site in {cross-site, same-site},
/// Sec-Fetch-Mode = cors. Throws DaemonError(FetchMetadataRejected).
void checkFetchMetadata(const Request& request);
/// Step 3, actual requests: X-CNS-Client: 1. Throws DaemonError(ClientHeaderMissing).
void checkClientHeader(const Request& request);
/// Step 3, POST: Content-Type application/json (a "charset=utf-8" parameter is tolerated).
/// Throws DaemonError(ContentTypeWrong).
void checkContentType(const Request& request);
/// Step 3, preflight: Access-Control-Request-Method is the endpoint's method (GET or POST) and
/// Access-Control-Request-Headers lists only content-type and x-cns-client. Throws
/// DaemonError(PreflightRejected).
void checkPreflight(const Request& request, Endpoint endpoint);

/// Step 4: POST /v1/authenticate.
struct AuthenticateBody {
    std::string challenge; ///< base64url, 43-128 characters (hashed as text)
    std::string context; ///< [a-z0-9-]{1,64}
    Lang lang = Lang::It;
    std::optional<std::string> expectedCardId; ///< 16 digits (EF_IDCarta form)
};
/// Parses and checks the body strictly: one JSON object, no duplicate members, no members
/// outside {challenge, context, lang, expected{cardId}}, the right types and forms. "lang" is
/// optional (default it). Throws DaemonError(BodyTooLarge / BodyInvalid).
AuthenticateBody parseAuthenticateBody(std::string_view body);

/// POST /v1/identity: an empty body or {"lang": "it"|"en"}.
struct IdentityBody {
    Lang lang = Lang::It;
};
IdentityBody parseIdentityBody(std::string_view body);

/// POST /v1/cancel: an empty body or {}.
void parseCancelBody(std::string_view body);

} // namespace tscns::daemon
