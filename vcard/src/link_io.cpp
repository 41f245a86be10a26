// SPDX-License-Identifier: LGPL-2.1-or-later
// POSIX helpers for the vpcd link.
#include "link_io.hpp"

#include "tscns/apdu/error.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <poll.h>
#include <unistd.h>

namespace tscns::vcard {

namespace {

    using Clock = std::chrono::steady_clock;

    WaitResult waitFor(int fd, short events, int stopFd, std::chrono::milliseconds timeout)
    {
        const bool forever = timeout.count() < 0;
        const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
        for (;;) {
            int waitMs = -1;
            if (!forever) {
                const auto left
                    = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
                waitMs = left.count() > 0 ? static_cast<int>(left.count()) : 0;
            }
            std::array<pollfd, 2> fds {};
            nfds_t count = 0;
            if (fd >= 0) fds[count++] = pollfd { fd, events, 0 };
            const nfds_t stopIndex = count;
            if (stopFd >= 0) fds[count++] = pollfd { stopFd, POLLIN, 0 };
            const int rc = ::poll(fds.data(), count, waitMs);
            if (rc < 0) {
                if (errno == EINTR) continue;
                throw Error(Errc::Transport, std::string("poll: ") + std::strerror(errno));
            }
            // The stop request wins over data: a signal must end the card even under load.
            if (stopFd >= 0 && fds[stopIndex].revents != 0) return WaitResult::Stopped;
            if (fd >= 0 && fds[0].revents != 0) return WaitResult::Ready;
            if (!forever && Clock::now() >= deadline) return WaitResult::TimedOut;
        }
    }

} // namespace

void UniqueFd::reset(int fd) noexcept
{
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

WaitResult waitReadable(int fd, int stopFd, std::chrono::milliseconds timeout)
{
    return waitFor(fd, POLLIN, stopFd, timeout);
}

WaitResult waitWritable(int fd, int stopFd, std::chrono::milliseconds timeout)
{
    return waitFor(fd, POLLOUT, stopFd, timeout);
}

bool sleepUnlessStopped(std::chrono::microseconds duration, int stopFd)
{
    if (duration.count() <= 0) return !stopRequested(stopFd);
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(duration);
    return waitFor(-1, 0, stopFd, ms) != WaitResult::Stopped;
}

bool stopRequested(int stopFd)
{
    if (stopFd < 0) return false;
    return waitFor(-1, 0, stopFd, std::chrono::milliseconds(0)) == WaitResult::Stopped;
}

} // namespace tscns::vcard
