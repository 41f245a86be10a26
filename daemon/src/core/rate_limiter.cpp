// SPDX-License-Identifier: LGPL-2.1-or-later
// RateLimiter.
#include "core/rate_limiter.hpp"

namespace tscns::daemon {

RateLimiter::RateLimiter(unsigned limit, std::chrono::seconds window)
    : limit_(limit)
    , window_(window)
{
}

bool RateLimiter::tryAcquire(
    const std::string& key, TimePoint now, std::chrono::seconds& retryAfter)
{
    if (limit_ == 0) return true;
    const std::lock_guard lock(mutex_);
    // Forget what left the window, for every key (the map stays as small as the active keys).
    for (auto it = events_.begin(); it != events_.end();) {
        auto& q = it->second;
        while (!q.empty() && now - q.front() >= window_)
            q.pop_front();
        it = q.empty() ? events_.erase(it) : std::next(it);
    }
    auto& q = events_[key];
    if (q.size() >= limit_) {
        const auto wait = window_ - (now - q.front());
        retryAfter = std::chrono::ceil<std::chrono::seconds>(wait);
        if (retryAfter.count() < 1) retryAfter = std::chrono::seconds(1);
        return false;
    }
    q.push_back(now);
    return true;
}

} // namespace tscns::daemon
