// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_punycode: RFC 3492 decoding and the A-label to U-label host conversion used to show an
// origin in the PIN dialog. What the decoder returns must be well-formed UTF-8 (no surrogates,
// nothing above U+10FFFF), since the dialog shows it.
#include "fuzz_support.hpp"

#include "core/punycode.hpp"

#include <string_view>

namespace {
bool wellFormedUtf8(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1FU;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0FU;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return false;
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3FU);
        }
        static constexpr std::uint32_t kMin[] = { 0, 0x80, 0x800, 0x10000 };
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    tscns::fuzz::refusalsAllowed([&] {
        if (const auto label = tscns::daemon::punycodeDecode(text))
            if (!wellFormedUtf8(*label)) __builtin_trap();
        // Input that is itself not UTF-8 is copied unchanged, so only the decoder is checked.
        (void)tscns::daemon::unicodeHost(text);
    });
    return 0;
}
