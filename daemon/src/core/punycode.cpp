// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 3492 §6.2 decoding procedure, with its overflow checks (§6.4).
#include "core/punycode.hpp"

#include <cstdint>
#include <vector>

namespace tscns::daemon {

namespace {
    constexpr std::uint32_t kBase = 36;
    constexpr std::uint32_t kTMin = 1;
    constexpr std::uint32_t kTMax = 26;
    constexpr std::uint32_t kSkew = 38;
    constexpr std::uint32_t kDamp = 700;
    constexpr std::uint32_t kInitialBias = 72;
    constexpr std::uint32_t kInitialN = 128;
    constexpr std::uint32_t kMaxInt = 0xFFFFFFFFU;

    std::uint32_t adapt(std::uint32_t delta, std::uint32_t numPoints, bool first)
    {
        delta = first ? delta / kDamp : delta / 2;
        delta += delta / numPoints;
        std::uint32_t k = 0;
        while (delta > ((kBase - kTMin) * kTMax) / 2) {
            delta /= kBase - kTMin;
            k += kBase;
        }
        return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
    }

    std::uint32_t digitValue(char c)
    {
        if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0') + 26;
        if (c >= 'a' && c <= 'z') return static_cast<std::uint32_t>(c - 'a');
        if (c >= 'A' && c <= 'Z') return static_cast<std::uint32_t>(c - 'A');
        return kBase; // invalid
    }

    void appendUtf8(std::string& out, std::uint32_t cp)
    {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
} // namespace

std::optional<std::string> punycodeDecode(std::string_view input)
{
    std::vector<std::uint32_t> output;
    std::size_t start = 0;
    if (const auto b = input.rfind('-'); b != std::string_view::npos) {
        for (std::size_t j = 0; j < b; ++j) {
            const auto c = static_cast<unsigned char>(input[j]);
            if (c >= 0x80) return std::nullopt;
            output.push_back(c);
        }
        start = b + 1;
    }
    std::uint32_t n = kInitialN;
    std::uint32_t i = 0;
    std::uint32_t bias = kInitialBias;
    for (std::size_t in = start; in < input.size();) {
        const std::uint32_t oldi = i;
        std::uint32_t w = 1;
        for (std::uint32_t k = kBase;; k += kBase) {
            if (in >= input.size()) return std::nullopt;
            const std::uint32_t digit = digitValue(input[in++]);
            if (digit >= kBase) return std::nullopt;
            if (digit > (kMaxInt - i) / w) return std::nullopt;
            i += digit * w;
            const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
            if (digit < t) break;
            if (w > kMaxInt / (kBase - t)) return std::nullopt;
            w *= kBase - t;
        }
        const auto count = static_cast<std::uint32_t>(output.size() + 1);
        bias = adapt(i - oldi, count, oldi == 0);
        if (i / count > kMaxInt - n) return std::nullopt;
        n += i / count;
        i %= count;
        if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || n < 0x80) return std::nullopt;
        output.insert(output.begin() + static_cast<std::ptrdiff_t>(i), n);
        ++i;
    }
    std::string utf8;
    for (const auto cp : output)
        appendUtf8(utf8, cp);
    return utf8;
}

std::optional<std::string> unicodeHost(std::string_view host)
{
    std::string out;
    std::size_t pos = 0;
    while (true) {
        // Labels end at '.', and an origin's host ends at ':' (port) too.
        const std::size_t end = host.find_first_of(".:/", pos);
        const std::string_view label
            = host.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (label.size() > 4 && (label.substr(0, 4) == "xn--" || label.substr(0, 4) == "XN--")) {
            const auto decoded = punycodeDecode(label.substr(4));
            if (!decoded) return std::nullopt;
            out += *decoded;
        } else {
            out += label;
        }
        if (end == std::string_view::npos) break;
        out += host[end];
        pos = end + 1;
    }
    return out;
}

} // namespace tscns::daemon
