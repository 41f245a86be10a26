// SPDX-License-Identifier: LGPL-2.1-or-later
// Daemon log: one line per event on stderr, with sd-daemon level prefixes under journald.
// Nothing logged may contain a PIN; card holder data is kept to the masked forms.
#pragma once

#include "core/config.hpp"

#include <functional>
#include <string_view>

namespace tscns::daemon {

using LogSink = std::function<void(LogLevel, std::string_view)>;

void setLogLevel(LogLevel level) noexcept;
[[nodiscard]] bool logEnabled(LogLevel level) noexcept;
/// Replaces the sink (tests capture the log); an empty sink restores stderr.
void setLogSink(LogSink sink);
/// Writes one line when `level` is enabled. Never throws.
void logLine(LogLevel level, std::string_view message) noexcept;

inline void logError(std::string_view m) noexcept
{
    logLine(LogLevel::Error, m);
}
inline void logWarning(std::string_view m) noexcept
{
    logLine(LogLevel::Warning, m);
}
inline void logInfo(std::string_view m) noexcept
{
    logLine(LogLevel::Info, m);
}
inline void logDebug(std::string_view m) noexcept
{
    logLine(LogLevel::Debug, m);
}

} // namespace tscns::daemon
