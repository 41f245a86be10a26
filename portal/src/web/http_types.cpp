// SPDX-License-Identifier: LGPL-2.1-or-later
// Request helpers, form parsing and HTML escaping.
#include "web/http_types.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace tscns::portal {

std::string HttpRequest::header(const std::string& lowerName) const
{
    const auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::field(const std::string& name) const
{
    const auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
}

std::string HttpRequest::cookie(const std::string& name) const
{
    const std::string all = header("cookie");
    std::size_t pos = 0;
    while (pos < all.size()) {
        std::size_t end = all.find(';', pos);
        if (end == std::string::npos) end = all.size();
        std::string part = all.substr(pos, end - pos);
        const auto b = part.find_first_not_of(' ');
        part = b == std::string::npos ? std::string() : part.substr(b);
        const auto eq = part.find('=');
        if (eq != std::string::npos && part.compare(0, eq, name) == 0 && eq == name.size())
            return part.substr(eq + 1);
        pos = end + 1;
    }
    return {};
}

void HttpResponse::set(const std::string& name, const std::string& value)
{
    headers.emplace_back(name, value);
}

std::string HttpResponse::header(const std::string& name) const
{
    for (const auto& [k, v] : headers) {
        if (k.size() == name.size()
            && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a))
                       == std::tolower(static_cast<unsigned char>(b));
               }))
            return v;
    }
    return {};
}

std::map<std::string, std::string> parseForm(const std::string& body)
{
    httplib::Params params;
    httplib::detail::parse_query_text(body, params);
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : params)
        out.emplace(k, v);
    return out;
}

std::string htmlEscape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

} // namespace tscns::portal
