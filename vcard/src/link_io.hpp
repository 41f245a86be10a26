// SPDX-License-Identifier: LGPL-2.1-or-later
// POSIX helpers for the vpcd link: an owning file descriptor and waits that a stop fd can cut
// short.
#pragma once

#include <chrono>
#include <utility>

namespace tscns::vcard {

/// Owns one file descriptor and closes it on destruction. Move-only.
class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept
        : fd_(fd)
    {
    }
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept
        : fd_(std::exchange(other.fd_, -1))
    {
    }
    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }
    /// Closes the current descriptor (errors ignored: nothing useful can be done) and adopts `fd`.
    void reset(int fd = -1) noexcept;
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

private:
    int fd_ = -1;
};

enum class WaitResult { Ready, Stopped, TimedOut };

/// Waits until `fd` is readable (or has an error/hang-up pending), `stopFd` is readable, or the
/// timeout expires (negative: no timeout). A negative `stopFd` is ignored. EINTR is retried with
/// the remaining time. Throws Error(Transport) when poll fails.
WaitResult waitReadable(int fd, int stopFd, std::chrono::milliseconds timeout);

/// Same for writability (used by the non-blocking connect).
WaitResult waitWritable(int fd, int stopFd, std::chrono::milliseconds timeout);

/// Sleeps for `duration` unless `stopFd` becomes readable first. Returns false when stopped.
bool sleepUnlessStopped(std::chrono::microseconds duration, int stopFd);

/// True when `stopFd` is valid and readable right now.
bool stopRequested(int stopFd);

} // namespace tscns::vcard
