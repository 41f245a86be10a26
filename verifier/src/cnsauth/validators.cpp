// SPDX-License-Identifier: LGPL-2.1-or-later
// Input checks of cns-auth.md §2 and §3.4.
#include "tscns/cnsauth/validators.hpp"

#include "tscns/apdu/error.hpp"

#include <string>

namespace tscns::cnsauth {

namespace {
    [[noreturn]] void reject(std::string_view what, const std::string& why)
    {
        throw Error(Errc::BadArgument, std::string(what) + ": " + why);
    }

    bool isDigit(char c) noexcept
    {
        return c >= '0' && c <= '9';
    }
    bool isLower(char c) noexcept
    {
        return c >= 'a' && c <= 'z';
    }
    bool isBase64Url(char c) noexcept
    {
        return isDigit(c) || isLower(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    }
    bool isHex(char c) noexcept
    {
        return isDigit(c) || (c >= 'a' && c <= 'f');
    }

    // LDH labels (RFC 1035/5890, lower case), 1-63 characters, no hyphen at either end; or a
    // dotted-quad IPv4 address with decimal parts 0-255 without leading zeros.
    void checkHostName(std::string_view host)
    {
        if (host.empty()) reject("origin", "empty host");
        if (host.size() > 253) reject("origin", "host longer than 253 characters");
        bool allNumeric = true;
        std::size_t start = 0;
        int labels = 0;
        while (start <= host.size()) {
            const std::size_t dot = host.find('.', start);
            const std::string_view label = host.substr(
                start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
            if (label.empty()) reject("origin", "empty label in the host (\"..\" or a final dot)");
            if (label.size() > 63) reject("origin", "host label longer than 63 characters");
            if (label.front() == '-' || label.back() == '-')
                reject("origin", "host label starts or ends with '-'");
            for (char c : label) {
                if (!isLower(c) && !isDigit(c) && c != '-')
                    reject("origin",
                        (c >= 'A' && c <= 'Z') ? std::string("upper-case host (not serialized)")
                                               : std::string("character not allowed in a host"));
                if (!isDigit(c)) allNumeric = false;
            }
            ++labels;
            if (dot == std::string_view::npos) break;
            start = dot + 1;
        }
        if (allNumeric) { // an IPv4 literal then, and it has to be a canonical one
            if (labels != 4) reject("origin", "numeric host is not a dotted-quad IPv4 address");
            start = 0;
            for (int i = 0; i < 4; ++i) {
                const std::size_t dot = host.find('.', start);
                const std::string_view part = host.substr(
                    start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
                if (part.size() > 3 || (part.size() > 1 && part[0] == '0'))
                    reject("origin", "IPv4 address part not in canonical form");
                if (std::stoi(std::string(part)) > 255)
                    reject("origin", "IPv4 address part above 255");
                start = dot + 1;
            }
        }
    }

    // "[...]" with lower-case hex digits, ':' and '.' only (the URL serializer's compressed form
    // is not re-derived here; the daemon compares origins byte for byte anyway).
    void checkIpv6(std::string_view host)
    {
        if (host.size() < 4 || host.back() != ']') reject("origin", "malformed IPv6 host");
        const std::string_view inner = host.substr(1, host.size() - 2);
        if (inner.find(':') == std::string_view::npos) reject("origin", "malformed IPv6 host");
        for (char c : inner)
            if (!isHex(c) && c != ':' && c != '.')
                reject("origin", "IPv6 host holds a character other than lower-case hex, ':', '.'");
    }
} // namespace

void validateChallenge(std::string_view challenge)
{
    if (challenge.size() < kChallengeMinLength || challenge.size() > kChallengeMaxLength)
        reject("challenge",
            "length " + std::to_string(challenge.size()) + " outside 43-128 characters");
    for (std::size_t i = 0; i < challenge.size(); ++i)
        if (!isBase64Url(challenge[i]))
            reject("challenge",
                "character at offset " + std::to_string(i) + " is not unpadded base64url");
}

void validateContext(std::string_view context)
{
    if (context.empty() || context.size() > kContextMaxLength)
        reject("context", "length " + std::to_string(context.size()) + " outside 1-64 characters");
    for (std::size_t i = 0; i < context.size(); ++i)
        if (!isLower(context[i]) && !isDigit(context[i]) && context[i] != '-')
            reject("context", "character at offset " + std::to_string(i) + " is not [a-z0-9-]");
}

void validateCardIdForm(std::string_view cardId)
{
    if (cardId.size() != kCardIdLength)
        reject(
            "card ID", "has " + std::to_string(cardId.size()) + " characters, expected 16 digits");
    for (std::size_t i = 0; i < cardId.size(); ++i)
        if (!isDigit(cardId[i]))
            reject("card ID", "character at offset " + std::to_string(i) + " is not a digit");
}

void validateOrigin(std::string_view origin, bool allowHttp)
{
    if (origin.size() > kOriginMaxLength) reject("origin", "longer than 255 characters");
    for (char c : origin)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E)
            reject("origin", "non-ASCII, space or control character");
    std::string_view defaultPort;
    std::string_view rest;
    if (origin.starts_with("https://")) {
        defaultPort = "443";
        rest = origin.substr(8);
    } else if (origin.starts_with("http://")) {
        if (!allowHttp) reject("origin", "scheme is not https");
        defaultPort = "80";
        rest = origin.substr(7);
    } else {
        reject("origin", "does not start with \"https://\" (lower case)");
    }
    if (rest.find_first_of("/?#@\\") != std::string_view::npos)
        reject("origin", "has a path, trailing slash, query, fragment or user info");
    std::string_view host = rest;
    std::string_view port;
    if (!rest.empty() && rest.front() == '[') {
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos) reject("origin", "malformed IPv6 host");
        host = rest.substr(0, close + 1);
        const std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') reject("origin", "junk after the IPv6 host");
            port = after.substr(1);
            if (port.empty()) reject("origin", "empty port");
        }
        checkIpv6(host);
    } else {
        const std::size_t colon = rest.find(':');
        if (colon != std::string_view::npos) {
            host = rest.substr(0, colon);
            port = rest.substr(colon + 1);
            if (port.empty()) reject("origin", "empty port");
        }
        checkHostName(host);
    }
    if (!port.empty()) {
        if (port.size() > 5 || port[0] == '0')
            reject("origin", "port not in canonical form (1-65535, no leading zero)");
        for (char c : port)
            if (!isDigit(c)) reject("origin", "port is not a number");
        if (std::stoi(std::string(port)) > 65535) reject("origin", "port above 65535");
        if (port == defaultPort) reject("origin", "default port must be omitted");
    }
}

namespace {
    template <typename F> bool noThrow(F&& f) noexcept
    {
        try {
            f();
            return true;
        } catch (...) {
            return false;
        }
    }
} // namespace

bool isValidChallenge(std::string_view challenge) noexcept
{
    return noThrow([&] { validateChallenge(challenge); });
}

bool isValidContext(std::string_view context) noexcept
{
    return noThrow([&] { validateContext(context); });
}

bool isValidCardIdForm(std::string_view cardId) noexcept
{
    return noThrow([&] { validateCardIdForm(cardId); });
}

bool isValidOrigin(std::string_view origin, bool allowHttp) noexcept
{
    return noThrow([&] { validateOrigin(origin, allowHttp); });
}

} // namespace tscns::cnsauth
