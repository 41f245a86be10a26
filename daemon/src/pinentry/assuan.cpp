// SPDX-License-Identifier: LGPL-2.1-or-later
// Pinentry process and Assuan client. Everything read from the pinentry may hold a PIN: the input
// buffer is wiped line by line, data lines are decoded straight into SecureBytes, nothing read is
// logged.
#include "pinentry/assuan.hpp"

#include "core/daemon_error.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace tscns::daemon::assuan {

namespace {
    int hexValue(char c) noexcept
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }

    void closeFd(int& fd) noexcept
    {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }

    bool startsWith(std::string_view s, std::string_view prefix) noexcept
    {
        return s.substr(0, prefix.size()) == prefix;
    }
} // namespace

std::string escape(std::string_view text)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '%' || c < 0x20 || c == 0x7F) {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0F];
        } else {
            out += ch;
        }
    }
    return out;
}

bool unescapeInto(std::string_view data, SecureBytes& out)
{
    for (std::size_t i = 0; i < data.size(); ++i) {
        std::uint8_t byte = static_cast<std::uint8_t>(data[i]);
        if (data[i] == '%') {
            if (i + 2 >= data.size()) return false;
            const int hi = hexValue(data[i + 1]);
            const int lo = hexValue(data[i + 2]);
            if (hi < 0 || lo < 0) return false;
            byte = static_cast<std::uint8_t>(hi * 16 + lo);
            i += 2;
        }
        if (out.size() >= out.capacity()) return false;
        out.push_back(byte);
    }
    return true;
}

LineAction interpretLine(std::string_view line, Reply& reply, SecureBytes* data)
{
    if (line == "OK" || startsWith(line, "OK ")) {
        reply.kind = Reply::Kind::Ok;
        return LineAction::Done;
    }
    if (startsWith(line, "ERR ")) {
        std::string_view rest = line.substr(4);
        unsigned long code = 0;
        std::size_t i = 0;
        while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9' && i < 10)
            code = code * 10 + static_cast<unsigned long>(rest[i++] - '0');
        reply.kind = Reply::Kind::Err;
        reply.code = static_cast<unsigned>(code & 0xFFFFU);
        rest.remove_prefix(std::min(i + 1, rest.size()));
        reply.text = std::string(rest.substr(0, 200));
        return LineAction::Done;
    }
    if (startsWith(line, "D ")) {
        if (data != nullptr && !reply.dataMalformed && !unescapeInto(line.substr(2), *data)) {
            // Too long for the buffer or a bad escape: the caller gets nothing (and asks
            // again), never a truncated secret.
            data->clear();
            reply.dataMalformed = true;
        }
        return LineAction::Continue;
    }
    if (startsWith(line, "INQUIRE ")) return LineAction::Inquire;
    // "S ..." status, "# ..." comments, anything else: skipped.
    return LineAction::Continue;
}

PinentryProcess::PinentryProcess(const std::string& program, const std::vector<std::string>& args)
{
    int in[2] = { -1, -1 };
    int out[2] = { -1, -1 };
    int wake[2] = { -1, -1 };
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0
        || pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        for (int* fd : { &in[0], &in[1], &out[0], &out[1], &wake[0], &wake[1] })
            closeFd(*fd);
        throw DaemonError(Problem::DialogFailed, "cannot create pipes for the pinentry");
    }
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<std::string> argvStore;
    argvStore.push_back(program);
    argvStore.insert(argvStore.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argvStore)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    sigset_t none;
    sigemptyset(&none);

    const pid_t pid = fork();
    if (pid == 0) {
        // The daemon blocks SIGTERM/SIGINT and may ignore SIGPIPE: both would be inherited.
        sigprocmask(SIG_SETMASK, &none, nullptr);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0); // its own group, so that a wrapper's children die with it
        if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0) _exit(127);
        // No connection socket or card handle of the daemon may live on in the dialog.
        if (close_range(3, ~0U, 0) != 0)
            for (int fd = 3; fd < 4096; ++fd)
                ::close(fd);
        execv(argv[0], argv.data());
        _exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    if (pid < 0) {
        ::close(in[1]);
        ::close(out[0]);
        ::close(wake[0]);
        ::close(wake[1]);
        throw DaemonError(Problem::DialogFailed, "cannot start the pinentry");
    }
    setpgid(pid, pid); // also here: whichever runs first
    pid_ = pid;
    toChild_ = in[1];
    fromChild_ = out[0];
    wakeRead_ = wake[0];
    wakeWrite_ = wake[1];
}

PinentryProcess::~PinentryProcess()
{
    terminate();
    closeFd(toChild_);
    closeFd(fromChild_);
    closeFd(wakeRead_);
    closeFd(wakeWrite_);
    secureWipe(buf_.data(), buf_.size());
}

void PinentryProcess::wake() noexcept
{
    if (wakeWrite_ >= 0) {
        const char b = 1;
        [[maybe_unused]] const auto n = ::write(wakeWrite_, &b, 1);
    }
}

bool PinentryProcess::writeAll(std::string_view data) noexcept
{
    if (toChild_ < 0) return false;
    // A pinentry that died must not kill the daemon with SIGPIPE: block it on this thread and
    // swallow the one a failed write raises.
    sigset_t pipeSet;
    sigset_t old;
    sigemptyset(&pipeSet);
    sigaddset(&pipeSet, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipeSet, &old);
    bool ok = true;
    while (!data.empty()) {
        const ssize_t n = ::write(toChild_, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = false;
            if (errno == EPIPE) {
                const timespec zero {};
                sigtimedwait(&pipeSet, nullptr, &zero);
            }
            break;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return ok;
}

PinentryProcess::ReadResult PinentryProcess::readLine(
    std::chrono::steady_clock::time_point deadline)
{
    // Drop the previous line and wipe the bytes it leaves behind.
    if (haveLine_) {
        const std::size_t used = std::min(lineLen_ + 1, len_);
        std::memmove(buf_.data(), buf_.data() + used, len_ - used);
        secureWipe(buf_.data() + (len_ - used), used);
        len_ -= used;
        lineLen_ = 0;
        haveLine_ = false;
    }
    while (true) {
        const auto nl
            = std::find(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(len_), '\n');
        if (nl != buf_.begin() + static_cast<std::ptrdiff_t>(len_)) {
            lineLen_ = static_cast<std::size_t>(nl - buf_.begin());
            haveLine_ = true;
            return ReadResult::Line;
        }
        if (len_ == buf_.size()) return ReadResult::Eof; // a line longer than Assuan allows
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return ReadResult::Timeout;
        pollfd fds[2] = { { fromChild_, POLLIN, 0 }, { wakeRead_, POLLIN, 0 } };
        const int rc = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 60000)));
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return ReadResult::Eof;
        if ((fds[1].revents & POLLIN) != 0) return ReadResult::Interrupted; // stays signalled
        if (rc == 0) continue; // re-check the deadline
        const ssize_t n = ::read(fromChild_, buf_.data() + len_, buf_.size() - len_);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return ReadResult::Eof;
        len_ += static_cast<std::size_t>(n);
    }
}

Reply PinentryProcess::greeting(std::chrono::steady_clock::time_point deadline)
{
    return transact({}, deadline);
}

Reply PinentryProcess::transact(
    std::string_view command, std::chrono::steady_clock::time_point deadline, SecureBytes* data)
{
    Reply reply;
    if (!command.empty()) {
        if (command.size() + 1 > kMaxLine || !writeAll(std::string(command) + "\n")) {
            reply.kind = Reply::Kind::Eof;
            return reply;
        }
    }
    while (true) {
        switch (readLine(deadline)) {
        case ReadResult::Line:
            break;
        case ReadResult::Eof:
            reply.kind = Reply::Kind::Eof;
            return reply;
        case ReadResult::Timeout:
            reply.kind = Reply::Kind::Timeout;
            return reply;
        case ReadResult::Interrupted:
            reply.kind = Reply::Kind::Interrupted;
            return reply;
        }
        switch (interpretLine(std::string_view(buf_.data(), lineLen_), reply, data)) {
        case LineAction::Done:
            return reply;
        case LineAction::Inquire:
            if (!writeAll("CAN\n")) {
                reply.kind = Reply::Kind::Eof;
                return reply;
            }
            break;
        case LineAction::Continue:
            break;
        }
    }
}

void PinentryProcess::reap(std::chrono::milliseconds grace) noexcept
{
    if (pid_ <= 0) return;
    const auto until = std::chrono::steady_clock::now() + grace;
    while (true) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno != EINTR)) {
            pid_ = -1;
            return;
        }
        if (std::chrono::steady_clock::now() >= until) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) { }
    pid_ = -1;
}

void PinentryProcess::terminate() noexcept
{
    if (pid_ <= 0) return;
    closeFd(toChild_);
    if (::kill(-pid_, SIGTERM) != 0) ::kill(pid_, SIGTERM);
    reap(std::chrono::milliseconds(500));
}

void PinentryProcess::finish() noexcept
{
    if (pid_ <= 0) return;
    writeAll("BYE\n");
    closeFd(toChild_);
    reap(std::chrono::milliseconds(1000));
}

} // namespace tscns::daemon::assuan
