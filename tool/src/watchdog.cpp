// SPDX-License-Identifier: LGPL-2.1-or-later
// Watchdog: cancel, then give up with a clear message and exit code.
#include "watchdog.hpp"

#include "exit_codes.hpp"

#include "tscns/reader/pcsc.hpp"

#include <cstdio>
#include <cstdlib>

namespace tscns::tool {

Watchdog::Watchdog(std::chrono::seconds limit, bool json, std::chrono::milliseconds grace)
    : limit_(limit)
    , json_(json)
    , grace_(grace)
    , deadline_(std::chrono::steady_clock::now() + limit)
{
    if (limit_.count() > 0) thread_ = std::thread([this] { run(); });
}

Watchdog::~Watchdog()
{
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool Watchdog::fired() const
{
    const std::lock_guard lock(mutex_);
    return fired_;
}

void Watchdog::run()
{
    std::unique_lock lock(mutex_);
    while (!stop_) {
        if (paused_ > 0) {
            wake_.wait(lock);
            continue;
        }
        if (wake_.wait_until(lock, deadline_) != std::cv_status::timeout) continue;
        if (stop_ || paused_ > 0 || std::chrono::steady_clock::now() < deadline_) continue;
        fired_ = true;
        // Ends a blocked SCardGetStatusChange (the wait for a removal after a failed transmit);
        // the main thread then reports the timeout.
        if (context_ != nullptr) context_->cancel();
        if (wake_.wait_for(lock, grace_, [this] { return stop_; })) return;
        // Still blocked (in SCardTransmit, which pcsc-lite does not cancel): give up. Nothing
        // else can unblock that thread, and the kernel releases our PC/SC connection on exit.
        if (json_) {
            std::printf("{\n  \"error\": {\n    \"code\": \"Timeout\",\n    \"message\": \"the "
                        "card did not answer within %lld s\",\n    \"exitCode\": %d\n  }\n}\n",
                static_cast<long long>(limit_.count()), static_cast<int>(kTimeout));
            std::fflush(stdout);
        }
        std::fprintf(stderr,
            "tscns: the card did not answer within %lld s (--timeout); giving up. Remove and "
            "reinsert the card.\n",
            static_cast<long long>(limit_.count()));
        std::fflush(stderr);
        std::_Exit(kTimeout);
    }
}

Watchdog::Watch::Watch(Watchdog* dog, reader::Context& ctx)
    : dog_(dog)
{
    if (dog_ == nullptr) return;
    const std::lock_guard lock(dog_->mutex_);
    dog_->context_ = &ctx;
}

Watchdog::Watch::~Watch()
{
    if (dog_ == nullptr) return;
    const std::lock_guard lock(dog_->mutex_);
    dog_->context_ = nullptr;
}

Watchdog::Pause::Pause(Watchdog* dog)
    : dog_(dog)
{
    if (dog_ == nullptr) return;
    const std::lock_guard lock(dog_->mutex_);
    ++dog_->paused_;
}

Watchdog::Pause::~Pause()
{
    if (dog_ == nullptr) return;
    {
        const std::lock_guard lock(dog_->mutex_);
        if (--dog_->paused_ == 0) dog_->deadline_ = std::chrono::steady_clock::now() + dog_->limit_;
    }
    dog_->wake_.notify_all();
}

} // namespace tscns::tool
