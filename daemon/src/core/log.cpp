// SPDX-License-Identifier: LGPL-2.1-or-later
// Log sink: stderr by default ("<3>message" under journald, "tscnsd: error: message" on a
// terminal), replaceable for tests.
#include "core/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace tscns::daemon {

namespace {
    std::atomic<int> gLevel { static_cast<int>(LogLevel::Info) };

    struct SinkState {
        std::mutex mutex;
        LogSink sink;
    };
    SinkState& state()
    {
        static SinkState* s = new SinkState(); // never destroyed: logging works until exit
        return *s;
    }

    int syslogPriority(LogLevel level) noexcept
    {
        switch (level) {
        case LogLevel::Error:
            return 3;
        case LogLevel::Warning:
            return 4;
        case LogLevel::Info:
            return 6;
        case LogLevel::Debug:
            return 7;
        }
        return 6;
    }

    void toStderr(LogLevel level, std::string_view message) noexcept
    {
        static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
        // One fprintf per line keeps concurrent lines whole.
        if (journal)
            std::fprintf(stderr, "<%d>%.*s\n", syslogPriority(level),
                static_cast<int>(message.size()), message.data());
        else
            std::fprintf(stderr, "tscnsd: %s: %.*s\n", logLevelName(level).data(),
                static_cast<int>(message.size()), message.data());
    }
} // namespace

void setLogLevel(LogLevel level) noexcept
{
    gLevel = static_cast<int>(level);
}

bool logEnabled(LogLevel level) noexcept
{
    return static_cast<int>(level) <= gLevel.load();
}

void setLogSink(LogSink sink)
{
    auto& s = state();
    const std::lock_guard lock(s.mutex);
    s.sink = std::move(sink);
}

void logLine(LogLevel level, std::string_view message) noexcept
{
    if (!logEnabled(level)) return;
    try {
        auto& s = state();
        const std::lock_guard lock(s.mutex);
        if (s.sink)
            s.sink(level, message);
        else
            toStderr(level, message);
    } catch (...) {
        // Logging never takes the daemon down.
    }
}

} // namespace tscns::daemon
