// SPDX-License-Identifier: LGPL-2.1-or-later
// Strict base64 (RFC 4648 §4) and unpadded base64url (§5) for the cns-auth:1 protocol.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <string>
#include <string_view>

namespace tscns::cnsauth {

/// Base64 with '=' padding, no line breaks (RFC 4648 §4).
std::string base64Encode(ByteView data);

/// Decodes canonical base64 (RFC 4648 §4, §3.5): length a multiple of 4, only A-Z a-z 0-9 + /,
/// zero to two '=' only at the end, and the unused bits of the last character zero. Whitespace,
/// line breaks, the URL-safe alphabet and an empty string are all refused with
/// Error(BadArgument) (the message says what is wrong, never echoes the input).
Bytes base64Decode(std::string_view text);

/// Base64url without padding (RFC 4648 §5), as used for challenges.
std::string base64UrlEncode(ByteView data);

} // namespace tscns::cnsauth
