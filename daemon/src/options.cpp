// SPDX-License-Identifier: LGPL-2.1-or-later
// Flags and configuration files of tscnsd.
#include "options.hpp"

#include "tscns/apdu/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef TSCNS_RELEASE_URL
#define TSCNS_RELEASE_URL ""
#endif

namespace tscns::daemon {

namespace {
    constexpr const char* kSystemConfig = "/etc/tscns/tscnsd.json";

    unsigned long number(const std::string& flag, const std::string& value, unsigned long max)
    {
        char* end = nullptr;
        errno = 0;
        const unsigned long v = std::strtoul(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno != 0 || v > max || value[0] == '-')
            throw Error(Errc::BadArgument,
                flag + " needs a number from 0 to " + std::to_string(max) + ", not \"" + value
                    + "\"");
        return v;
    }

    std::optional<std::string> userConfigPath()
    {
        if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/')
            return std::string(xdg) + "/tscns/tscnsd.json";
        if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
            return std::string(home) + "/.config/tscns/tscnsd.json";
        return std::nullopt;
    }

    /// Applies `path`; false when it does not exist and `required` is false.
    bool applyFile(Config& config, const std::string& path, bool required, ConfigSource kind)
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            if (!required) return false;
            throw Error(Errc::BadArgument, path + ": cannot read the file");
        }
        std::ostringstream text;
        text << in.rdbuf();
        applyConfigJson(config, text.str(), path, kind);
        return true;
    }
} // namespace

std::string usage()
{
    return "Usage: tscnsd [options]\n"
           "The TS-CNS daemon: lets allowlisted web portals use the card as a second factor\n"
           "(protocol cns-auth:1) over http://127.0.0.1:PORT and http://[::1]:PORT.\n"
           "\n"
           "  --config FILE         read only FILE (default: /etc/tscns/tscnsd.json, then\n"
           "                        $XDG_CONFIG_HOME/tscns/tscnsd.json or\n"
           "                        ~/.config/tscns/tscnsd.json)\n"
           "  --port N              loopback port (default "
        + std::to_string(kDefaultPort)
        + ")\n"
          "  --allow-origin ORIGIN allow a portal origin, e.g. https://fse.example.it\n"
          "                        (repeatable; exact ASCII serialization, https only)\n"
          "  --pinentry PATH       pinentry program for the PIN and consent dialogs\n"
          "                        (default /usr/bin/pinentry)\n"
          "  --rate-limit N        operations per origin per minute (default 5, 0 = no limit)\n"
          "  --reader NAME         use this reader (exact name or a unique part of it)\n"
          "  --ui-timeout SECONDS  time to answer a dialog (default 120)\n"
          "  --log-level LEVEL     error, warning, info (default) or debug\n"
#ifdef TSCNS_DEV_HTTP_ORIGINS
          "  --dev-allow-http-origins  accept http:// origins (development build only)\n"
#endif
          "  --help                this text\n"
          "  --version             the version\n"
          "\n"
          "Configuration file members: port, allowedOrigins, rateLimitPerMinute,\n"
          "uiTimeoutSeconds, preflightMaxAgeSeconds, reader, pinentry, logLevel, appVersion,\n"
          "allowUserOverrides"
#ifdef TSCNS_DEV_HTTP_ORIGINS
          ", allowHttpOrigins"
#endif
          ".\nOnly the administrator's /etc/tscns/tscnsd.json may add allowed origins, change\n"
          "the pinentry program, or raise or switch off the rate limit (the user's file may\n"
          "lower it). It lets the user's file do so by listing those members in\n"
          "\"allowUserOverrides\": [\"allowedOrigins\", \"rateLimitPerMinute\", \"pinentry\"].\n"
          "A user's origins are added to the administrator's. A user file that sets a member\n"
          "it may not set is an error. --config FILE and flags are not restricted; flags\n"
          "override files.\n";
}

CommandLine parseCommandLine(int argc, char** argv)
{
    CommandLine c;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::optional<std::string> inlineValue;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            inlineValue = arg.substr(eq + 1);
            arg.resize(eq);
        }
        const auto value = [&]() -> std::string {
            if (inlineValue) return *inlineValue;
            if (i + 1 >= argc) throw Error(Errc::BadArgument, arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            c.help = true;
        } else if (arg == "--version") {
            c.version = true;
        } else if (arg == "--config") {
            c.configFile = value();
        } else if (arg == "--port") {
            c.port = static_cast<std::uint16_t>(number(arg, value(), 65535));
        } else if (arg == "--allow-origin") {
            c.allowOrigins.push_back(value());
        } else if (arg == "--pinentry") {
            c.pinentry = value();
        } else if (arg == "--rate-limit") {
            c.rateLimit = static_cast<unsigned>(number(arg, value(), 1000));
        } else if (arg == "--reader") {
            c.reader = value();
        } else if (arg == "--ui-timeout") {
            c.uiTimeout = static_cast<unsigned>(number(arg, value(), 300));
        } else if (arg == "--log-level") {
            c.logLevel = parseLogLevel(value());
#ifdef TSCNS_DEV_HTTP_ORIGINS
        } else if (arg == "--dev-allow-http-origins") {
            c.devAllowHttpOrigins = true;
#endif
        } else {
            throw Error(Errc::BadArgument, "unknown option \"" + arg + "\" (see --help)");
        }
        if (inlineValue && (arg == "--help" || arg == "--version"))
            throw Error(Errc::BadArgument, arg + " takes no value");
    }
    return c;
}

Config loadConfig(const CommandLine& cl, std::vector<std::string>& filesRead)
{
    Config config;
    config.appVersion = TSCNS_RELEASE_URL;
    if (cl.configFile) {
        applyFile(config, *cl.configFile, true, ConfigSource::Explicit);
        filesRead.push_back(*cl.configFile);
    } else {
        if (applyFile(config, kSystemConfig, false, ConfigSource::System))
            filesRead.emplace_back(kSystemConfig);
        if (const auto user = userConfigPath();
            user && applyFile(config, *user, false, ConfigSource::User))
            filesRead.push_back(*user);
    }
#ifndef TSCNS_DEV_HTTP_ORIGINS
    if (config.allowHttpOrigins)
        throw Error(Errc::BadArgument,
            "\"allowHttpOrigins\" needs a development build (TSCNS_DAEMON_DEV_HTTP_ORIGINS)");
#endif
    if (cl.port) config.port = *cl.port;
    for (const auto& o : cl.allowOrigins)
        config.allowedOrigins.push_back(o);
    if (cl.pinentry) config.pinentry = *cl.pinentry;
    if (cl.rateLimit) config.rateLimitPerMinute = *cl.rateLimit;
    if (cl.reader) config.reader = *cl.reader;
    if (cl.logLevel) config.logLevel = *cl.logLevel;
    if (cl.uiTimeout) config.uiTimeout = std::chrono::seconds(*cl.uiTimeout);
    if (cl.devAllowHttpOrigins) config.allowHttpOrigins = true;
    validateConfig(config);
    return config;
}

} // namespace tscns::daemon
