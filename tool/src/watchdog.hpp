// SPDX-License-Identifier: LGPL-2.1-or-later
// Watchdog: the `tscns --timeout` limit on card work, so that a mute card cannot hang the tool.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tscns::reader {
class Context;
}

namespace tscns::tool {

/// A thread that waits for `limit` of card work. When the time is up it cancels the PC/SC
/// context being watched (SCardCancel, which ends a wait for a card event) and gives the main
/// thread `grace` to end; if the main thread is still blocked then (pcsc-lite cannot cancel
/// SCardTransmit: vpcd and some reader drivers wait for a mute card forever), it prints a clear
/// message and ends the process with kTimeout. Time spent at a PIN prompt does not count: each
/// stretch of card work between prompts gets the whole limit.
class Watchdog {
public:
    /// A zero limit disables the watchdog (no thread).
    explicit Watchdog(std::chrono::seconds limit, bool json,
        std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    /// True once the limit was reached: the error the main thread then sees is the timeout's.
    [[nodiscard]] bool fired() const;
    [[nodiscard]] std::chrono::seconds limit() const noexcept { return limit_; }

    /// While alive, `ctx` is cancelled when the time is up. Unregisters itself before the context
    /// is destroyed (declare it after the context).
    class Watch {
    public:
        Watch(Watchdog* dog, reader::Context& ctx);
        ~Watch();
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;

    private:
        Watchdog* dog_;
    };

    /// While alive, the clock is stopped (a PIN prompt); it restarts in full afterwards.
    class Pause {
    public:
        explicit Pause(Watchdog* dog);
        ~Pause();
        Pause(const Pause&) = delete;
        Pause& operator=(const Pause&) = delete;

    private:
        Watchdog* dog_;
    };

private:
    void run();

    std::chrono::seconds limit_;
    bool json_;
    std::chrono::milliseconds grace_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::chrono::steady_clock::time_point deadline_;
    reader::Context* context_ = nullptr;
    int paused_ = 0;
    bool stop_ = false;
    bool fired_ = false;
    std::thread thread_;
};

} // namespace tscns::tool
