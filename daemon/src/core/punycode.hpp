// SPDX-License-Identifier: LGPL-2.1-or-later
// Punycode decoding (RFC 3492) of host labels, to show the user the Unicode form of an origin
// when it differs from the ASCII serialization the daemon matches (cns-auth.md §3.6).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tscns::daemon {

/// Decodes one Punycode string (the part after "xn--") to UTF-8; nullopt when it is malformed.
std::optional<std::string> punycodeDecode(std::string_view encoded);

/// The host (or whole origin) with each "xn--" label decoded to UTF-8; nullopt when a label is
/// malformed. Other text is copied unchanged.
std::optional<std::string> unicodeHost(std::string_view asciiHost);

} // namespace tscns::daemon
