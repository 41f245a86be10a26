// SPDX-License-Identifier: LGPL-2.1-or-later
// A sliding-window limit per key (cns-auth.md §3.4 step 5: per origin; also used to limit the
// logging of rejected origins).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace tscns::daemon {

class RateLimiter {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    /// At most `limit` events per `window` for each key; a limit of 0 allows everything.
    RateLimiter(unsigned limit, std::chrono::seconds window);

    /// Counts an event for `key` when it is within the limit and returns true; otherwise
    /// returns false and sets `retryAfter` to when the oldest counted event leaves the window.
    /// Thread-safe.
    bool tryAcquire(const std::string& key, TimePoint now, std::chrono::seconds& retryAfter);

private:
    std::mutex mutex_;
    unsigned limit_;
    std::chrono::seconds window_;
    std::map<std::string, std::deque<TimePoint>> events_;
};

} // namespace tscns::daemon
