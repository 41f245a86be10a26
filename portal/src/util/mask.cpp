// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/mask.hpp"

#include <string_view>

namespace tscns::portal {

namespace {
    bool letter(char c) noexcept
    {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
    bool digitPlace(char c) noexcept
    {
        // A digit, or the letter omocodia puts in its place (L M N P Q R S T U V).
        return (c >= '0' && c <= '9')
            || std::string_view("LMNPQRSTUVlmnpqrstuv").find(c) != std::string_view::npos;
    }
    bool alnum(char c) noexcept
    {
        return letter(c) || (c >= '0' && c <= '9');
    }

    bool looksLikeCf(std::string_view s) noexcept
    {
        constexpr std::string_view kShape = "LLLLLLDDLDDLDDDL"; // L letter, D digit place
        if (s.size() != kShape.size()) return false;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (kShape[i] == 'L' ? !letter(s[i]) : !digitPlace(s[i])) return false;
        return true;
    }
} // namespace

std::string maskId(const std::string& id)
{
    if (id.size() <= 4) return std::string(id.size(), '*');
    return std::string(id.size() - 4, '*') + id.substr(id.size() - 4);
}

std::string maskCf(const std::string& cf)
{
    if (cf.size() != 16) return maskId(cf);
    return cf.substr(0, 3) + "*********" + cf.substr(12);
}

std::string maskMobile(const std::string& mobile)
{
    if (mobile.size() <= 3) return "***";
    return std::string(mobile.size() - 3, '*') + mobile.substr(mobile.size() - 3);
}

std::string maskCodiciFiscali(std::string text)
{
    for (std::size_t i = 0; i + 16 <= text.size(); ++i) {
        if (i > 0 && alnum(text[i - 1])) continue;
        if (i + 16 < text.size() && alnum(text[i + 16])) continue;
        if (!looksLikeCf(std::string_view(text).substr(i, 16))) continue;
        text.replace(i + 3, 9, 9, '*');
        i += 15;
    }
    return text;
}

} // namespace tscns::portal
