// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's settings: what the core needs (port, allowlist, limits, timeouts) and what main
// needs (pinentry, reader, log level). Loaded from JSON files, then overridden by flags (main).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::daemon {

/// The registered loopback port (cns-auth.md §3.1): not vpcd's 35963/35964. P+1 is kept free for
/// a future HTTPS twin. There are no automatic fallbacks: --port picks another one.
inline constexpr std::uint16_t kDefaultPort = 47123;
inline constexpr std::size_t kMaxBodySize = 8 * 1024; ///< §3.1
inline constexpr const char* kDefaultPinentry = "/usr/bin/pinentry";

enum class LogLevel { Error, Warning, Info, Debug };
/// "error", "warning" (or "warn"), "info", "debug"; throws Error(BadArgument) otherwise.
LogLevel parseLogLevel(std::string_view text);
std::string_view logLevelName(LogLevel level) noexcept;

/// The settings that widen what the daemon accepts. The user's file may set them only when the
/// administrator's file lists them in "allowUserOverrides" (all false by default).
struct UserOverrides {
    bool allowedOrigins = false; ///< add origins to the allowlist
    bool rateLimitPerMinute = false; ///< any value (without it: only a lower, non-zero one)
    bool pinentry = false; ///< another dialog program
    bool allowHttpOrigins = false; ///< development builds only
};

/// Where a configuration file comes from, which decides what it may set.
enum class ConfigSource {
    Explicit, ///< --config FILE: everything ("allowUserOverrides" is accepted and has no effect)
    System, ///< /etc/tscns/tscnsd.json: everything, including "allowUserOverrides"
    User, ///< $XDG_CONFIG_HOME/tscns/tscnsd.json: restricted by the system file
};

struct Config {
    std::uint16_t port = kDefaultPort;
    /// Exact origins in ASCII serialization (cns-auth.md §2, §3.4 step 2). No wildcards.
    std::vector<std::string> allowedOrigins;
    /// Accept http:// origins (development only: main refuses it unless the build allows it).
    bool allowHttpOrigins = false;
    /// UI operations (authenticate, identity) per origin per minute; 0 = no limit.
    unsigned rateLimitPerMinute = 5;
    /// How long the user has to answer a dialog (§3.6: 120 s).
    std::chrono::seconds uiTimeout { 120 };
    /// Access-Control-Max-Age of preflight answers (short, §3.5).
    std::chrono::seconds preflightMaxAge { 600 };
    /// Reader to use: exact name or a unique case-insensitive part; empty = first with a card.
    std::string reader;
    std::string pinentry = kDefaultPinentry;
    LogLevel logLevel = LogLevel::Info;
    /// Token `appVersion` (§4.1): URL of this release.
    std::string appVersion;
    /// What the administrator's file lets the user's file set ("allowUserOverrides").
    UserOverrides userOverrides;
};

/// Applies one JSON configuration file's text to `config`: members present replace the
/// current values, except "allowedOrigins", which is added to the list (a later file extends the
/// allowlist, it cannot shrink it). `source` names the file in error messages.
/// Members: port, allowedOrigins, allowHttpOrigins, rateLimitPerMinute, uiTimeoutSeconds,
/// preflightMaxAgeSeconds, reader, pinentry, logLevel, appVersion, and allowUserOverrides (an
/// array of "allowedOrigins", "rateLimitPerMinute", "pinentry", "allowHttpOrigins"; System and
/// Explicit files only). A User file may set allowedOrigins, pinentry and allowHttpOrigins only
/// when config.userOverrides allows it, and rateLimitPerMinute without permission only to a lower
/// non-zero value. Unknown members, wrong types, out-of-range values and members the file may not
/// set throw Error(BadArgument), and then `config` is unchanged.
void applyConfigJson(Config& config, std::string_view json, const std::string& source,
    ConfigSource kind = ConfigSource::Explicit);

/// Checks the whole configuration (origins in ASCII serialization, https unless allowHttpOrigins,
/// port not 0 nor a vpcd port, timeouts in range). Throws Error(BadArgument) naming the problem.
void validateConfig(const Config& config);

} // namespace tscns::daemon
