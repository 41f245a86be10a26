// SPDX-License-Identifier: LGPL-2.1-or-later
// Strict JSON for the cns-auth:1 token (cns-auth.md §4.1).
#include "tscns/cnsauth/token.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cnsauth/strict_json.hpp"
#include "tscns/cnsauth/validators.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <set>
#include <vector>

namespace tscns::cnsauth {

namespace {
    using Json = nlohmann::json;

    constexpr std::size_t kMaxIntermediates = 8;
    constexpr std::array<std::string_view, 7> kMembers { "format", "algorithm",
        "unverifiedCertificate", "unverifiedIntermediates", "cardId", "signature", "appVersion" };

    [[noreturn]] void reject(const std::string& why)
    {
        throw Error(Errc::BadArgument, "malformed token: " + why);
    }

    std::string requiredString(const Json& j, const char* name)
    {
        const auto it = j.find(name);
        if (it == j.end()) reject(std::string("member \"") + name + "\" is missing");
        if (!it->is_string()) reject(std::string("member \"") + name + "\" is not a string");
        std::string s = it->get<std::string>();
        if (s.empty()) reject(std::string("member \"") + name + "\" is empty");
        return s;
    }

    std::optional<std::string> optionalString(const Json& j, const char* name)
    {
        const auto it = j.find(name);
        if (it == j.end()) return std::nullopt;
        if (!it->is_string()) reject(std::string("member \"") + name + "\" is not a string");
        std::string s = it->get<std::string>();
        if (s.empty()) reject(std::string("member \"") + name + "\" is empty");
        return s;
    }
} // namespace

void from_json(const Json& j, Token& token)
{
    if (!j.is_object()) reject("not a JSON object");
    for (const auto& item : j.items()) {
        bool known = false;
        for (std::string_view m : kMembers)
            known = known || item.key() == m;
        // §4.1 is a closed list: see token.hpp for why unknown members are refused.
        if (!known) reject("unknown member (protocol cns-auth:1 has a closed member list)");
    }
    Token t;
    t.format = requiredString(j, "format");
    t.algorithm = requiredString(j, "algorithm");
    t.unverifiedCertificate = requiredString(j, "unverifiedCertificate");
    t.signature = requiredString(j, "signature");
    if (const auto it = j.find("unverifiedIntermediates"); it != j.end()) {
        if (!it->is_array()) reject("member \"unverifiedIntermediates\" is not an array");
        if (it->size() > kMaxIntermediates) reject("more than 8 intermediate certificates");
        for (const Json& e : *it) {
            if (!e.is_string() || e.get_ref<const std::string&>().empty())
                reject("an unverifiedIntermediates entry is not a non-empty string");
            t.unverifiedIntermediates.push_back(e.get<std::string>());
        }
    }
    t.cardId = optionalString(j, "cardId");
    if (t.cardId && !isValidCardIdForm(*t.cardId)) reject("cardId is not 16 digits");
    t.appVersion = optionalString(j, "appVersion");
    token = std::move(t);
}

namespace {
    template <typename J> void fill(J& j, const Token& token)
    {
        j = J::object();
        j["format"] = token.format;
        j["algorithm"] = token.algorithm;
        j["unverifiedCertificate"] = token.unverifiedCertificate;
        if (!token.unverifiedIntermediates.empty())
            j["unverifiedIntermediates"] = token.unverifiedIntermediates;
        if (token.cardId) j["cardId"] = *token.cardId;
        j["signature"] = token.signature;
        if (token.appVersion) j["appVersion"] = *token.appVersion;
    }
} // namespace

void to_json(Json& j, const Token& token)
{
    fill(j, token);
}

Token parseToken(std::string_view text)
{
    if (text.size() > kMaxTokenSize)
        reject("size " + std::to_string(text.size()) + " bytes exceeds "
            + std::to_string(kMaxTokenSize));
    StrictJson parsed;
    try {
        parsed = parseStrictJson(text);
    } catch (const Json::exception&) {
        reject("not valid JSON (or invalid UTF-8, or data after the object)");
    }
    if (parsed.duplicateMember) reject("duplicated member name");
    const Json& j = parsed.value;
    Token t;
    from_json(j, t);
    return t;
}

std::string toJson(const Token& token)
{
    nlohmann::ordered_json j;
    fill(j, token);
    return j.dump();
}

} // namespace tscns::cnsauth
