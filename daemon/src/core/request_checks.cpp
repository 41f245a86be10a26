// SPDX-License-Identifier: LGPL-2.1-or-later
// Request checks (cns-auth.md §3.4) and strict body parsing.
#include "core/request_checks.hpp"

#include "core/daemon_error.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cnsauth/strict_json.hpp"
#include "tscns/cnsauth/validators.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <vector>

namespace tscns::daemon {

namespace {
    using Json = nlohmann::json;

    std::string lower(std::string_view s)
    {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(),
            [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
        return out;
    }

    std::string_view trim(std::string_view s)
    {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    }

    [[noreturn]] void invalidBody(const std::string& what)
    {
        throw DaemonError(Problem::BodyInvalid, what);
    }

    /// One JSON object, strictly: valid UTF-8 (nlohmann checks), no duplicate member names at
    /// any depth (nlohmann keeps the last one silently, which would let two parsers disagree).
    Json parseObject(std::string_view body)
    {
        if (body.size() > kMaxBodySize)
            throw DaemonError(Problem::BodyTooLarge, "The request body exceeds 8 KiB");
        cnsauth::StrictJson parsed;
        try {
            parsed = cnsauth::parseStrictJson(body);
        } catch (const Json::exception&) {
            invalidBody("The request body is not valid JSON");
        }
        if (parsed.duplicateMember) invalidBody("The request body repeats a member");
        Json& j = parsed.value;
        if (!j.is_object()) invalidBody("The request body must be a JSON object");
        return std::move(j);
    }

    const std::string& stringField(const Json& j, const char* name)
    {
        if (!j.is_string()) invalidBody(std::string("\"") + name + "\" must be a string");
        return j.get_ref<const std::string&>();
    }

    Lang langField(const Json& j)
    {
        const auto lang = parseLang(stringField(j, "lang"));
        if (!lang) invalidBody("\"lang\" must be one of: it, en");
        return *lang;
    }
} // namespace

std::optional<Endpoint> endpointFor(std::string_view path) noexcept
{
    if (path == "/v1/status") return Endpoint::Status;
    if (path == "/v1/authenticate") return Endpoint::Authenticate;
    if (path == "/v1/identity") return Endpoint::Identity;
    if (path == "/v1/cancel") return Endpoint::Cancel;
    return std::nullopt;
}

std::string_view endpointMethod(Endpoint endpoint) noexcept
{
    return endpoint == Endpoint::Status ? "GET" : "POST";
}

void checkRawHead(std::string_view head)
{
    static constexpr std::string_view kChecked[]
        = { "host", "origin", "x-cns-client", "content-type", "sec-fetch-site", "sec-fetch-mode",
              "access-control-request-method", "access-control-request-headers" };
    bool first = true;
    std::size_t pos = 0;
    while (pos < head.size()) {
        std::size_t eol = head.find('\n', pos);
        if (eol == std::string_view::npos) eol = head.size();
        std::string_view line = head.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break; // the end of the head
        if (first) {
            first = false;
            const auto sp1 = line.find(' ');
            const auto sp2 = line.rfind(' ');
            if (sp1 == std::string_view::npos || sp2 == sp1)
                throw DaemonError(Problem::BodyInvalid, "malformed request line");
            if (line.substr(sp1 + 1, sp2 - sp1 - 1).find('%') != std::string_view::npos)
                throw DaemonError(Problem::NotCanonical, "percent-encoded request target");
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue; // the parser refuses or ignores it
        const std::string name = lower(trim(line.substr(0, colon)));
        if (std::find(std::begin(kChecked), std::end(kChecked), name) != std::end(kChecked)
            && line.substr(colon + 1).find('%') != std::string_view::npos)
            throw DaemonError(Problem::NotCanonical, "percent-encoded " + name + " header");
    }
    if (first) throw DaemonError(Problem::BodyInvalid, "empty request head");
}

void checkHost(const Request& request)
{
    const auto host = request.uniqueHeader("Host");
    const std::string port = std::to_string(request.localPort);
    if (!host
        || (*host != "127.0.0.1:" + port && *host != "[::1]:" + port
            && *host != "localhost:" + port))
        throw DaemonError(Problem::HostNotAllowed, "Host header not allowed");
}

std::string checkOrigin(const Request& request, const Config& config)
{
    const auto origin = request.uniqueHeader("Origin");
    if (!origin) throw DaemonError(Problem::OriginNotAllowed, "no single Origin header");
    const bool https = origin->rfind("https://", 0) == 0;
    const bool http = origin->rfind("http://", 0) == 0;
    if (!https && !(http && config.allowHttpOrigins))
        throw DaemonError(Problem::OriginNotAllowed, "origin scheme not allowed");
    if (std::find(config.allowedOrigins.begin(), config.allowedOrigins.end(), *origin)
        == config.allowedOrigins.end())
        throw DaemonError(Problem::OriginNotAllowed, "origin not on the allowlist");
    return *origin;
}

void checkFetchMetadata(const Request& request)
{
    if (request.headerCount("Sec-Fetch-Site") > 0) {
        const auto site = request.uniqueHeader("Sec-Fetch-Site");
        if (!site || (*site != "cross-site" && *site != "same-site"))
            throw DaemonError(
                Problem::FetchMetadataRejected, "Sec-Fetch-Site must be cross-site or same-site");
    }
    if (request.headerCount("Sec-Fetch-Mode") > 0) {
        const auto mode = request.uniqueHeader("Sec-Fetch-Mode");
        if (!mode || *mode != "cors")
            throw DaemonError(Problem::FetchMetadataRejected, "Sec-Fetch-Mode must be cors");
    }
}

void checkClientHeader(const Request& request)
{
    const auto v = request.uniqueHeader("X-CNS-Client");
    if (!v || *v != "1")
        throw DaemonError(Problem::ClientHeaderMissing, "The X-CNS-Client: 1 header is required");
}

void checkContentType(const Request& request)
{
    const auto v = request.uniqueHeader("Content-Type");
    bool ok = false;
    if (v) {
        const std::string ct = lower(*v);
        const auto semi = ct.find(';');
        const std::string_view type = trim(std::string_view(ct).substr(0, semi));
        if (type == "application/json") {
            if (semi == std::string::npos) {
                ok = true;
            } else {
                std::string_view params = trim(std::string_view(ct).substr(semi + 1));
                ok = params == "charset=utf-8" || params == "charset=\"utf-8\"";
            }
        }
    }
    if (!ok)
        throw DaemonError(Problem::ContentTypeWrong, "The Content-Type must be application/json");
}

void checkPreflight(const Request& request, Endpoint endpoint)
{
    const auto method = request.uniqueHeader("Access-Control-Request-Method");
    if (!method || (*method != "GET" && *method != "POST"))
        throw DaemonError(Problem::PreflightRejected, "Requested method not allowed");
    if (*method != endpointMethod(endpoint))
        throw DaemonError(Problem::PreflightRejected, "Requested method not allowed here");
    if (request.headerCount("Access-Control-Request-Headers") > 1)
        throw DaemonError(Problem::PreflightRejected, "Repeated Access-Control-Request-Headers");
    const auto headers = request.uniqueHeader("Access-Control-Request-Headers");
    if (!headers) return;
    const std::string list = lower(*headers);
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const std::size_t comma = list.find(',', pos);
        const std::string_view item = trim(std::string_view(list).substr(
            pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (!item.empty() && item != "content-type" && item != "x-cns-client")
            throw DaemonError(Problem::PreflightRejected, "Requested header not allowed");
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
}

AuthenticateBody parseAuthenticateBody(std::string_view body)
{
    const Json j = parseObject(body);
    AuthenticateBody out;
    bool haveChallenge = false;
    bool haveContext = false;
    for (const auto& [key, value] : j.items()) {
        if (key == "challenge") {
            out.challenge = stringField(value, "challenge");
            if (!cnsauth::isValidChallenge(out.challenge))
                invalidBody("\"challenge\" must be base64url without padding, 43-128 characters");
            haveChallenge = true;
        } else if (key == "context") {
            out.context = stringField(value, "context");
            if (!cnsauth::isValidContext(out.context))
                invalidBody("\"context\" must match [a-z0-9-]{1,64}");
            haveContext = true;
        } else if (key == "lang") {
            out.lang = langField(value);
        } else if (key == "expected") {
            if (!value.is_object()) invalidBody("\"expected\" must be an object");
            for (const auto& [k, v] : value.items()) {
                if (k != "cardId") invalidBody("unknown member in \"expected\"");
                const std::string& id = stringField(v, "expected.cardId");
                if (!cnsauth::isValidCardIdForm(id))
                    invalidBody("\"expected.cardId\" must be 16 digits");
                out.expectedCardId = id;
            }
        } else {
            invalidBody("unknown member in the request body");
        }
    }
    if (!haveChallenge) invalidBody("\"challenge\" is required");
    if (!haveContext) invalidBody("\"context\" is required");
    return out;
}

IdentityBody parseIdentityBody(std::string_view body)
{
    IdentityBody out;
    if (body.empty()) return out;
    const Json j = parseObject(body);
    for (const auto& [key, value] : j.items()) {
        if (key != "lang") invalidBody("unknown member in the request body");
        out.lang = langField(value);
    }
    return out;
}

void parseCancelBody(std::string_view body)
{
    if (body.empty()) return;
    const Json j = parseObject(body);
    if (!j.empty()) invalidBody("the cancel request takes no members");
}

} // namespace tscns::daemon
