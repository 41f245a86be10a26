// SPDX-License-Identifier: LGPL-2.1-or-later
// The message a card signs in protocol cns-auth:1 (cns-auth.md §4.2).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <string_view>

namespace tscns::cnsauth {

/// Token `format` value and domain tag of the signed message (cns-auth.md §4.1, §4.2).
inline constexpr std::string_view kFormat = "cns-auth:1";
/// The JWA name of today's TS-CNS signature: RSASSA-PKCS1-v1_5 with SHA-256.
inline constexpr std::string_view kAlgorithmRs256 = "RS256";
/// 10 + 1 + 3 * 32.
inline constexpr std::size_t kSignedMessageSize = 107;

/// M = "cns-auth:1" || 0x00 || SHA-256(origin) || SHA-256(challenge) || SHA-256(context).
/// Each field is hashed as the exact bytes given (the challenge as its base64url text, never
/// decoded). The function does not validate its inputs: the daemon and the verifier check them
/// first (validators.hpp), and the verifier rebuilds M from its own session state only.
Bytes signedMessage(std::string_view origin, std::string_view challenge, std::string_view context);

} // namespace tscns::cnsauth
