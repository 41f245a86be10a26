// SPDX-License-Identifier: LGPL-2.1-or-later
// Configuration files and their checks.
#include "core/config.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cnsauth/validators.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tscns::daemon {

namespace {
    using Json = nlohmann::json;

    constexpr std::uint16_t kVpcdPorts[] = { 35963, 35964 };

    [[noreturn]] void bad(const std::string& source, const std::string& what)
    {
        throw Error(Errc::BadArgument, source + ": " + what);
    }

    std::uint64_t unsignedMember(
        const Json& j, const char* name, std::uint64_t max, const std::string& source)
    {
        if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0))
            bad(source, std::string("\"") + name + "\" must be a non-negative integer");
        const auto v = j.get<std::uint64_t>();
        if (v > max)
            bad(source, std::string("\"") + name + "\" must be at most " + std::to_string(max));
        return v;
    }

    std::string stringMember(const Json& j, const char* name, const std::string& source)
    {
        if (!j.is_string()) bad(source, std::string("\"") + name + "\" must be a string");
        return j.get<std::string>();
    }
} // namespace

LogLevel parseLogLevel(std::string_view text)
{
    if (text == "error") return LogLevel::Error;
    if (text == "warning" || text == "warn") return LogLevel::Warning;
    if (text == "info") return LogLevel::Info;
    if (text == "debug") return LogLevel::Debug;
    throw Error(Errc::BadArgument,
        "unknown log level \"" + std::string(text) + "\" (error, warning, info, debug)");
}

std::string_view logLevelName(LogLevel level) noexcept
{
    switch (level) {
    case LogLevel::Error:
        return "error";
    case LogLevel::Warning:
        return "warning";
    case LogLevel::Info:
        return "info";
    case LogLevel::Debug:
        return "debug";
    }
    return "info";
}

namespace {
    [[noreturn]] void notForUser(const std::string& source, const char* name)
    {
        bad(source,
            std::string("\"") + name
                + "\" can only be set by the administrator (/etc/tscns/tscnsd.json), unless its "
                  "\"allowUserOverrides\" lists it");
    }

    UserOverrides overridesMember(const Json& j, const std::string& source)
    {
        if (!j.is_array()) bad(source, "\"allowUserOverrides\" must be an array of strings");
        UserOverrides o;
        for (const auto& item : j) {
            const std::string name = stringMember(item, "allowUserOverrides", source);
            if (name == "allowedOrigins") {
                o.allowedOrigins = true;
            } else if (name == "rateLimitPerMinute") {
                o.rateLimitPerMinute = true;
            } else if (name == "pinentry") {
                o.pinentry = true;
            } else if (name == "allowHttpOrigins") {
                o.allowHttpOrigins = true;
            } else {
                bad(source,
                    "\"allowUserOverrides\": \"" + name
                        + "\" is not one of allowedOrigins, rateLimitPerMinute, pinentry, "
                          "allowHttpOrigins");
            }
        }
        return o;
    }
} // namespace

void applyConfigJson(
    Config& config, std::string_view json, const std::string& source, ConfigSource kind)
{
    const bool user = kind == ConfigSource::User;
    const UserOverrides& may = config.userOverrides;
    Json j;
    try {
        j = Json::parse(json);
    } catch (const Json::exception& e) { // parse_error, or out_of_range for a huge number
        bad(source, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) bad(source, "must be a JSON object");
    Config c = config; // applied as a whole or not at all
    for (const auto& [key, value] : j.items()) {
        if (key == "port") {
            c.port = static_cast<std::uint16_t>(unsignedMember(value, "port", 65535, source));
        } else if (key == "allowedOrigins") {
            if (user && !may.allowedOrigins) notForUser(source, "allowedOrigins");
            if (!value.is_array()) bad(source, "\"allowedOrigins\" must be an array of strings");
            for (const auto& o : value)
                c.allowedOrigins.push_back(stringMember(o, "allowedOrigins", source));
        } else if (key == "allowHttpOrigins") {
            if (user && !may.allowHttpOrigins) notForUser(source, "allowHttpOrigins");
            if (!value.is_boolean()) bad(source, "\"allowHttpOrigins\" must be true or false");
            c.allowHttpOrigins = value.get<bool>();
        } else if (key == "rateLimitPerMinute") {
            const auto rate
                = static_cast<unsigned>(unsignedMember(value, "rateLimitPerMinute", 1000, source));
            // Without permission a user may only tighten the limit (0 means no limit at all).
            if (user && !may.rateLimitPerMinute
                && (rate == 0
                    || (config.rateLimitPerMinute != 0 && rate > config.rateLimitPerMinute)))
                notForUser(source, "rateLimitPerMinute");
            c.rateLimitPerMinute = rate;
        } else if (key == "uiTimeoutSeconds") {
            c.uiTimeout
                = std::chrono::seconds(unsignedMember(value, "uiTimeoutSeconds", 300, source));
        } else if (key == "preflightMaxAgeSeconds") {
            c.preflightMaxAge = std::chrono::seconds(
                unsignedMember(value, "preflightMaxAgeSeconds", 7200, source));
        } else if (key == "reader") {
            c.reader = stringMember(value, "reader", source);
        } else if (key == "pinentry") {
            if (user && !may.pinentry) notForUser(source, "pinentry");
            c.pinentry = stringMember(value, "pinentry", source);
        } else if (key == "logLevel") {
            try {
                c.logLevel = parseLogLevel(stringMember(value, "logLevel", source));
            } catch (const Error& e) {
                bad(source, e.message());
            }
        } else if (key == "appVersion") {
            c.appVersion = stringMember(value, "appVersion", source);
        } else if (key == "allowUserOverrides") {
            if (user) notForUser(source, "allowUserOverrides");
            const UserOverrides o = overridesMember(value, source);
            if (kind == ConfigSource::System) c.userOverrides = o;
        } else {
            bad(source, "unknown setting \"" + key + "\"");
        }
    }
    config = std::move(c);
}

void validateConfig(const Config& config)
{
    if (config.port == 0) throw Error(Errc::BadArgument, "the port must not be 0");
    if (std::find(std::begin(kVpcdPorts), std::end(kVpcdPorts), config.port)
        != std::end(kVpcdPorts))
        throw Error(Errc::BadArgument,
            "port " + std::to_string(config.port) + " belongs to vpcd (cns-auth.md §3.1)");
    for (const auto& origin : config.allowedOrigins) {
        try {
            cnsauth::validateOrigin(origin, config.allowHttpOrigins);
        } catch (const Error& e) {
            throw Error(Errc::BadArgument,
                "allowed origin \"" + origin + "\": " + e.message()
                    + (config.allowHttpOrigins || origin.rfind("http://", 0) != 0
                            ? ""
                            : " (http origins need the development option)"));
        }
    }
    if (config.uiTimeout.count() < 1 || config.uiTimeout.count() > 300)
        throw Error(Errc::BadArgument, "the dialog timeout must be 1-300 seconds");
    if (config.pinentry.empty()) throw Error(Errc::BadArgument, "no pinentry program configured");
}

} // namespace tscns::daemon
