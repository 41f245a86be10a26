// SPDX-License-Identifier: LGPL-2.1-or-later
// The cns-auth:1 token (cns-auth.md §4.1) and its strict JSON form.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::cnsauth {

/// Largest token text the verifier reads (cns-auth.md §5.3 step 2: "≤ 10 KB").
inline constexpr std::size_t kMaxTokenSize = 10 * 1024;

/// The token as the daemon returns it. Nothing in it is trusted before verification; the
/// `unverified` prefix and the `cardId` hint say so. Base64 fields are kept as text here; the
/// verifier decodes them strictly.
struct Token {
    std::string format; ///< "cns-auth:1"
    std::string algorithm; ///< JWA name, "RS256"
    std::string unverifiedCertificate; ///< base64 (RFC 4648 §4) DER authentication certificate
    std::vector<std::string> unverifiedIntermediates; ///< optional; base64 DER; hints only
    std::optional<std::string> cardId; ///< EF_IDCarta as read; unsigned UX hint, never trusted
    std::string signature; ///< base64 RSASSA-PKCS1-v1_5 signature over signedMessage()
    std::optional<std::string> appVersion; ///< URL of the daemon release; informative

    friend bool operator==(const Token&, const Token&) = default;
};

/// Parses token JSON strictly. Throws Error(BadArgument) naming the problem when:
/// - the text is longer than kMaxTokenSize, is not one JSON object (nothing but whitespace may
///   follow it), or holds a duplicated member name;
/// - a required member (format, algorithm, unverifiedCertificate, signature) is missing;
/// - any member has the wrong JSON type (strings are strings, unverifiedIntermediates an array
///   of strings; null is never accepted, not even for optional members);
/// - a member outside the table of cns-auth.md §4.1 is present. Unknown members are REJECTED,
///   unlike Web eID's validator: a new version of the protocol gets a new `format` value
///   (§4.1), so cns-auth:1 has nothing to extend, and §5.2 asks to fail closed;
/// - cardId is present but not 16 digits, or there are more than 8 intermediates, or a
///   string is empty.
/// It does not check `format` or `algorithm` values, nor decode base64: the verifier does that in
/// the order of §5.3 step 2.
Token parseToken(std::string_view json);

/// Compact JSON in the member order of §4.1; optional members only when present.
std::string toJson(const Token& token);

/// nlohmann adapters (same rules as parseToken/toJson, without the size limit and the duplicate
/// member check, which need the text).
void to_json(nlohmann::json& j, const Token& token);
void from_json(const nlohmann::json& j, Token& token);

} // namespace tscns::cnsauth
