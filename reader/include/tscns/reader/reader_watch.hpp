// SPDX-License-Identifier: LGPL-2.1-or-later
// ReaderWatch: reader states without card I/O, and blocking waits for a change, each on a PC/SC
// context of its own (a blocking wait must not hold the context other calls use: PCSC-lite
// serialises calls per context). For callers that poll states under their own lock and wait
// without it (the PKCS#11 module's C_GetSlotInfo and C_WaitForSlotEvent).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tscns::reader {

/// A reader's state as the resource manager reports it.
struct ReaderState {
    bool present = false;
    Bytes atr; ///< empty without a card
    /// Changes with every insertion and removal (the event counter PCSC-lite keeps in the high
    /// word of the reader state): a different value means a different insertion.
    std::uint32_t insertion = 0;
};

class ReaderWatch {
public:
    /// Never throws: without the PC/SC service every reader reads as empty and waits sleep.
    ReaderWatch() noexcept;
    ~ReaderWatch();
    ReaderWatch(const ReaderWatch&) = delete;
    ReaderWatch& operator=(const ReaderWatch&) = delete;

    /// The current state of each reader, in order (timeout 0: no card I/O); a reader that has
    /// gone, or any failure, reads as empty. Not thread-safe with itself.
    [[nodiscard]] std::vector<ReaderState> states(const std::vector<std::string>& readers);
    /// Blocks until the state of one of `readers` may have changed, `timeout` has passed or
    /// cancel() is called; spurious returns are allowed. One waiter at a time; safe to call
    /// concurrently with states(). Never throws.
    void waitForChange(
        const std::vector<std::string>& readers, std::chrono::milliseconds timeout) noexcept;
    /// Wakes a waitForChange() in another thread. Callable from any thread.
    void cancel() noexcept;

private:
    std::intptr_t statusContext_ = 0; ///< states()
    std::mutex waitMutex_;
    std::atomic<std::intptr_t> waitContext_ { 0 }; ///< blocking waits only
    std::map<std::string, std::uint32_t> known_; ///< last states seen by the waiter
};

} // namespace tscns::reader
