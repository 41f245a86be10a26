// SPDX-License-Identifier: LGPL-2.1-or-later
// tscnsd's command line and configuration files.
#pragma once

#include "core/config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tscns::daemon {

struct CommandLine {
    std::optional<std::string> configFile;
    std::optional<std::uint16_t> port;
    std::vector<std::string> allowOrigins;
    std::optional<std::string> pinentry;
    std::optional<unsigned> rateLimit;
    std::optional<std::string> reader;
    std::optional<LogLevel> logLevel;
    std::optional<unsigned> uiTimeout;
    bool devAllowHttpOrigins = false;
    bool help = false;
    bool version = false;
};

/// Parses the flags ("--flag value" or "--flag=value"). Throws Error(BadArgument).
CommandLine parseCommandLine(int argc, char** argv);

/// The configuration: defaults, then /etc/tscns/tscnsd.json, then
/// $XDG_CONFIG_HOME/tscns/tscnsd.json (default ~/.config) — or only --config FILE — then the
/// flags. Missing default files are skipped; a file that exists must be valid. Validated.
/// Throws Error(BadArgument) naming the file or flag.
Config loadConfig(const CommandLine& commandLine, std::vector<std::string>& filesRead);

std::string usage();

} // namespace tscns::daemon
