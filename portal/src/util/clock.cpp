// SPDX-License-Identifier: LGPL-2.1-or-later
// systemNowMs, utcDate and utcTimestamp.
#include "util/clock.hpp"

#include <chrono>
#include <ctime>

namespace tscns::portal {

std::int64_t systemNowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {
    std::tm utc(std::int64_t ms)
    {
        const auto t = static_cast<std::time_t>(ms / 1000);
        std::tm tm {};
        gmtime_r(&t, &tm);
        return tm;
    }
} // namespace

std::string utcDate(std::int64_t ms)
{
    const std::tm tm = utc(ms);
    char buf[16];
    return std::string(buf, std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm));
}

std::string utcTimestamp(std::int64_t ms)
{
    const std::tm tm = utc(ms);
    char buf[32];
    return std::string(buf, std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm));
}

} // namespace tscns::portal
