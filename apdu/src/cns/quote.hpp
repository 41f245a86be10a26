// SPDX-License-Identifier: LGPL-2.1-or-later
// Internal: quoting untrusted text for error messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tscns::cns::detail {

/// "\"abc\"" with bytes outside 20..7E written as \xNN, cut after 40 characters.
inline std::string quote(std::string_view text)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    static constexpr std::size_t kMax = 40;
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
        const auto b = static_cast<std::uint8_t>(text[i]);
        if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
            out.push_back(text[i]);
        } else {
            out += "\\x";
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0x0F]);
        }
    }
    if (text.size() > kMax) out += "...";
    out.push_back('"');
    return out;
}

} // namespace tscns::cns::detail
