// SPDX-License-Identifier: LGPL-2.1-or-later
// No-echo terminal prompt and PIN files, into wiped buffers only.
#include "secret_input.hpp"

#include "watchdog.hpp"

#include "tscns/apdu/error.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tscns::tool {

namespace {
    constexpr std::size_t kMaxSecret = 64;
    constexpr std::size_t kMaxFile = 4096;

    class Fd {
    public:
        explicit Fd(int fd)
            : fd_(fd)
        {
        }
        ~Fd()
        {
            if (fd_ > 2) ::close(fd_);
        }
        Fd(const Fd&) = delete;
        Fd& operator=(const Fd&) = delete;
        int get() const { return fd_; }

    private:
        int fd_;
    };

    // Reads up to `max` bytes into a wiped buffer.
    SecureBytes readAll(int fd, std::size_t max)
    {
        SecureBytes out(max);
        std::uint8_t buf[256];
        for (;;) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                secureWipe(buf, sizeof buf);
                throw Error(Errc::BadArgument,
                    std::string("reading the PIN file: ") + std::strerror(errno));
            }
            if (n == 0) break;
            if (out.size() + static_cast<std::size_t>(n) > max) {
                secureWipe(buf, sizeof buf);
                throw Error(Errc::BadArgument, "the PIN file is too large");
            }
            out.append(ByteView(buf, static_cast<std::size_t>(n)));
        }
        secureWipe(buf, sizeof buf);
        return out;
    }
} // namespace

SecretSource::SecretSource(std::optional<std::string> pinFile, Watchdog* watchdog)
    : file_(std::move(pinFile))
    , watchdog_(watchdog)
{
}

SecureBytes SecretSource::next(const char* prompt)
{
    if (file_) {
        if (!loaded_) {
            loaded_ = true;
            SecureBytes all(kMaxFile);
            if (*file_ == "-") {
                all = readAll(STDIN_FILENO, kMaxFile);
            } else {
                Fd fd(::open(file_->c_str(), O_RDONLY | O_CLOEXEC));
                if (fd.get() < 0)
                    throw Error(Errc::BadArgument,
                        "cannot open the PIN file " + *file_ + ": " + std::strerror(errno));
                all = readAll(fd.get(), kMaxFile);
            }
            SecureBytes line(kMaxSecret);
            const ByteView v = all.view();
            for (std::size_t i = 0; i <= v.size(); ++i) {
                if (i == v.size() || v[i] == '\n') {
                    if (i < v.size() || !line.empty()) lines_.push_back(std::move(line));
                    line = SecureBytes(kMaxSecret);
                } else if (v[i] != '\r') {
                    if (line.size() == kMaxSecret)
                        throw Error(Errc::BadArgument, "a line of the PIN file is too long");
                    line.push_back(v[i]);
                }
            }
        }
        if (used_ >= lines_.size())
            throw Error(Errc::BadArgument,
                "the PIN file has " + std::to_string(lines_.size()) + " line(s), "
                    + std::to_string(used_ + 1) + " needed");
        return std::move(lines_[used_++]);
    }

    // Typing a PIN is not card work: the --timeout clock stops meanwhile.
    const Watchdog::Pause paused(watchdog_);
    Fd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (tty.get() < 0)
        throw Error(Errc::BadArgument,
            "no terminal to ask for the PIN: use --pin-file FILE (or - for standard input)");
    termios old {};
    const bool isTty = ::tcgetattr(tty.get(), &old) == 0;
    if (isTty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
    }
    (void)!::write(tty.get(), prompt, std::strlen(prompt));
    SecureBytes out(kMaxSecret);
    bool tooLong = false;
    for (;;) {
        std::uint8_t c = 0;
        const ssize_t n = ::read(tty.get(), &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n') break;
        if (c == '\r') continue;
        if (out.size() == kMaxSecret)
            tooLong = true;
        else
            out.push_back(c);
        c = 0;
    }
    if (isTty) ::tcsetattr(tty.get(), TCSAFLUSH, &old);
    if (tooLong) throw Error(Errc::PinLength, "the code typed is too long");
    return out;
}

} // namespace tscns::tool
