// SPDX-License-Identifier: LGPL-2.1-or-later
// Request/Response helpers.
#include "core/http_types.hpp"

#include <algorithm>

namespace tscns::daemon {

namespace {
    char lowerAscii(char c) noexcept
    {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }

    bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept
    {
        return a.size() == b.size()
            && std::equal(a.begin(), a.end(), b.begin(),
                [](char x, char y) { return lowerAscii(x) == lowerAscii(y); });
    }
} // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const noexcept
{
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
        [](char x, char y) { return lowerAscii(x) < lowerAscii(y); });
}

std::size_t Request::headerCount(std::string_view name) const
{
    const auto [first, last] = headers.equal_range(name);
    return static_cast<std::size_t>(std::distance(first, last));
}

std::optional<std::string> Request::uniqueHeader(std::string_view name) const
{
    const auto [first, last] = headers.equal_range(name);
    if (first == last || std::next(first) != last) return std::nullopt;
    return first->second;
}

std::optional<std::string> Response::header(std::string_view name) const
{
    for (const auto& [k, v] : headers)
        if (equalsIgnoreCase(k, name)) return v;
    return std::nullopt;
}

void Response::setHeader(std::string name, std::string value)
{
    for (auto& [k, v] : headers) {
        if (equalsIgnoreCase(k, name)) {
            v = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

} // namespace tscns::daemon
