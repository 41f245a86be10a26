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
};

/// Applies one JSON configuration file's text to `config`: members present replace the
/// current values, except "allowedOrigins", which is added to the list (a user file extends the
/// system allowlist, it cannot shrink it). `source` names the file in error messages.
/// Members: port, allowedOrigins, allowHttpOrigins, rateLimitPerMinute, uiTimeoutSeconds,
/// preflightMaxAgeSeconds, reader, pinentry, logLevel, appVersion. Unknown members, wrong types
/// and out-of-range values throw Error(BadArgument).
void applyConfigJson(Config& config, std::string_view json, const std::string& source);

/// Checks the whole configuration (origins in ASCII serialization, https unless allowHttpOrigins,
/// port not 0 nor a vpcd port, timeouts in range). Throws Error(BadArgument) naming the problem.
void validateConfig(const Config& config);

} // namespace tscns::daemon
