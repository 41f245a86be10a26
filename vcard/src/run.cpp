// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns-vcard run`: load a card image, insert it in vpcd and serve until stopped.
#include "run.hpp"

#include "link_apdu_log.hpp"
#include "link_io.hpp"
#include "link_options.hpp"
#include "link_server.hpp"
#include "link_virtual_card.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace tscns::vcard {

namespace {

    /// Write end of the self-pipe, for the signal handler only (-1 when no run is active).
    volatile std::sig_atomic_t stopPipeWriteFd = -1;

    extern "C" void onStopSignal(int /*signal*/)
    {
        const int savedErrno = errno;
        const int fd = stopPipeWriteFd;
        if (fd >= 0) {
            const char byte = 's';
            // Nothing can be done about a failed write here; the pipe is non-blocking and one
            // byte is enough to wake the poll.
            if (::write(fd, &byte, 1) < 0) { }
        }
        errno = savedErrno;
    }

    /// SIGINT/SIGTERM → a readable self-pipe, so that a signal interrupts any blocking wait of
    /// the link (every wait polls the read end). SIGPIPE is ignored meanwhile: socket sends use
    /// MSG_NOSIGNAL anyway, and a closed stderr pipe (--apdu-log -) must not kill the card.
    class StopSignals {
    public:
        StopSignals()
        {
            int fds[2] = { -1, -1 };
            if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
                throw Error(Errc::Internal, std::string("pipe2: ") + std::strerror(errno));
            read_.reset(fds[0]);
            write_.reset(fds[1]);
            stopPipeWriteFd = write_.get();
            struct sigaction action { };
            action.sa_handler = onStopSignal;
            sigemptyset(&action.sa_mask);
            action.sa_flags = 0; // no SA_RESTART: blocking calls see EINTR and re-poll
            ::sigaction(SIGINT, &action, &oldInt_);
            ::sigaction(SIGTERM, &action, &oldTerm_);
            struct sigaction ignore { };
            ignore.sa_handler = SIG_IGN;
            sigemptyset(&ignore.sa_mask);
            ::sigaction(SIGPIPE, &ignore, &oldPipe_);
        }
        ~StopSignals()
        {
            ::sigaction(SIGINT, &oldInt_, nullptr);
            ::sigaction(SIGTERM, &oldTerm_, nullptr);
            ::sigaction(SIGPIPE, &oldPipe_, nullptr);
            stopPipeWriteFd = -1;
        }
        StopSignals(const StopSignals&) = delete;
        StopSignals& operator=(const StopSignals&) = delete;

        [[nodiscard]] int stopFd() const noexcept { return read_.get(); }

    private:
        UniqueFd read_;
        UniqueFd write_;
        struct sigaction oldInt_ { };
        struct sigaction oldTerm_ { };
        struct sigaction oldPipe_ { };
    };

    /// --pid-file: written at start, removed when the run ends.
    class PidFile {
    public:
        explicit PidFile(std::filesystem::path path)
            : path_(std::move(path))
        {
            std::ofstream out(path_, std::ios::trunc);
            out << ::getpid() << '\n';
            out.close();
            if (!out) {
                throw Error(Errc::BadArgument, "cannot write pid file '" + path_.string() + "'");
            }
        }
        ~PidFile()
        {
            std::error_code ignored;
            std::filesystem::remove(path_, ignored);
        }
        PidFile(const PidFile&) = delete;
        PidFile& operator=(const PidFile&) = delete;

    private:
        std::filesystem::path path_;
    };

    int serveImage(const RunOptions& options)
    {
        std::unique_ptr<VirtualCnsCard> card;
        try {
            card = VirtualCnsCard::load(options.cardDir);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tscns-vcard: cannot load card image %s: %s\n",
                options.cardDir.c_str(), e.what());
            return 1;
        }

        std::unique_ptr<ApduLog> log;
        std::optional<PidFile> pidFile;
        try {
            if (options.apduLog) log = ApduLog::open(*options.apduLog);
            if (options.pidFile) pidFile.emplace(*options.pidFile);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tscns-vcard: %s\n", e.what());
            return 1;
        }

        StopSignals signals;
        VirtualCardBackend backend(*card);
        LinkServer server(backend, options, signals.stopFd(), stderr, log.get());
        return server.run();
    }

} // namespace

int runCommand(const std::vector<std::string>& args)
{
    RunOptions options;
    try {
        options = parseRunOptions(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tscns-vcard run: %s\nTry 'tscns-vcard run --help'.\n", e.what());
        return 2;
    }
    if (options.help) {
        std::fputs(runUsage().c_str(), stdout);
        return 0;
    }
    try {
        return serveImage(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tscns-vcard: %s\n", e.what());
        return 1;
    }
}

} // namespace tscns::vcard
