// SPDX-License-Identifier: LGPL-2.1-or-later
// Input checks of cns-auth.md §2 and §3.4 step 4: challenge, context, card ID and origin forms.
#pragma once

#include <cstddef>
#include <string_view>

namespace tscns::cnsauth {

inline constexpr std::size_t kChallengeMinLength = 43; ///< 32 bytes in unpadded base64url
inline constexpr std::size_t kChallengeMaxLength = 128;
inline constexpr std::size_t kContextMaxLength = 64;
inline constexpr std::size_t kOriginMaxLength = 255; ///< as web-eid-app
inline constexpr std::size_t kCardIdLength = 16;

/// Challenge: base64url alphabet (A-Z a-z 0-9 - _), no padding, 43 to 128 characters.
/// Throws Error(BadArgument) naming the problem.
void validateChallenge(std::string_view challenge);
/// Context: [a-z0-9-]{1,64}.
void validateContext(std::string_view context);
/// Card ID in the EF_IDCarta form: exactly 16 ASCII digits (no Luhn check here: the typed or
/// unsigned value is only compared, the certified one is parsed by cns::CardId).
void validateCardIdForm(std::string_view cardId);
/// Origin in ASCII serialization (cns-auth.md §2): lower-case scheme "https" (or "http" when
/// allowHttp, development builds only), "://", a lower-case host (DNS name of LDH labels, IDNs
/// in punycode; a dotted IPv4 address; or a bracketed IPv6 address), an optional ":port" that
/// is 1-65535 without leading zeros and not the scheme's default, and nothing after it: no
/// path, "/", query, fragment or user info. At most 255 characters, ASCII only.
void validateOrigin(std::string_view origin, bool allowHttp = false);

/// The same checks without exceptions.
[[nodiscard]] bool isValidChallenge(std::string_view challenge) noexcept;
[[nodiscard]] bool isValidContext(std::string_view context) noexcept;
[[nodiscard]] bool isValidCardIdForm(std::string_view cardId) noexcept;
[[nodiscard]] bool isValidOrigin(std::string_view origin, bool allowHttp = false) noexcept;

} // namespace tscns::cnsauth
