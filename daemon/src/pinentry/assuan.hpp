// SPDX-License-Identifier: LGPL-2.1-or-later
// A pinentry child process and the client side of the Assuan protocol it speaks on its
// stdin/stdout (GnuPG's pinentry: OK/ERR/D/S/#/INQUIRE lines of at most 1000 bytes, data
// percent-escaped).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace tscns::daemon::assuan {

/// GnuPG error codes (libgpg-error) seen in pinentry answers; the source (high byte) is ignored.
inline constexpr unsigned kErrTimeout = 62;
inline constexpr unsigned kErrCanceled = 99;
inline constexpr unsigned kErrNotConfirmed = 114;
inline constexpr unsigned kErrFullyCanceled = 198;
/// Longest line either side may send (Assuan: 1000 bytes, LF included).
inline constexpr std::size_t kMaxLine = 1000;

/// Escapes '%', CR, LF and other control characters as %XX for a command argument.
std::string escape(std::string_view text);
/// Decodes %XX escapes into `out`; false when an escape is malformed or `out` is too small.
bool unescapeInto(std::string_view data, SecureBytes& out);

struct Reply {
    enum class Kind {
        Ok, ///< OK
        Err, ///< ERR <code> <text>
        Eof, ///< the process closed its output (it ended or crashed)
        Timeout, ///< no answer before the deadline
        Interrupted, ///< wake() was called
    };
    Kind kind = Kind::Eof;
    unsigned code = 0; ///< ERR code, low 16 bits (the GnuPG error code)
    std::string text; ///< ERR description (no secrets)
    bool dataMalformed = false; ///< a D line could not be decoded (the data was cleared)
};

/// What one reply line means for the transaction in progress.
enum class LineAction {
    Done, ///< OK or ERR: `reply` is complete
    Continue, ///< a D line (decoded into `data`, if given), status, comment or unknown: read on
    Inquire, ///< INQUIRE: the caller answers CAN and reads on
};
/// Interprets one line (without its LF) of a transaction: sets `reply` for OK and ERR, and
/// decodes D lines into `data` (when `data` is not null). Exposed for the fuzz harness.
LineAction interpretLine(std::string_view line, Reply& reply, SecureBytes* data);

/// The pinentry program, started with `program args...` and its stdin/stdout on pipes. The
/// destructor ends it (SIGTERM, then SIGKILL) and reaps it.
class PinentryProcess {
public:
    /// Starts the program. Throws DaemonError(DialogFailed) when the pipes or fork fail (an exec
    /// failure shows as Eof on the first read).
    PinentryProcess(const std::string& program, const std::vector<std::string>& args);
    ~PinentryProcess();
    PinentryProcess(const PinentryProcess&) = delete;
    PinentryProcess& operator=(const PinentryProcess&) = delete;

    /// Reads the greeting ("OK Pleased to meet you").
    Reply greeting(std::chrono::steady_clock::time_point deadline);
    /// Sends one command line and reads lines until OK or ERR. "D" data lines are decoded into
    /// `data` when given (and otherwise dropped); status and comment lines are skipped; an
    /// INQUIRE is answered with CAN. Data lines never reach a log.
    Reply transact(std::string_view command, std::chrono::steady_clock::time_point deadline,
        SecureBytes* data = nullptr);
    /// Makes a pending (or the next) read return Interrupted. Async-signal-safe, any thread.
    void wake() noexcept;
    /// Ends the process now (SIGTERM to its process group, SIGKILL after a short grace).
    void terminate() noexcept;
    /// Sends BYE and waits briefly for a clean exit; terminates it otherwise.
    void finish() noexcept;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }

private:
    enum class ReadResult { Line, Eof, Timeout, Interrupted };
    ReadResult readLine(std::chrono::steady_clock::time_point deadline);
    bool writeAll(std::string_view data) noexcept;
    void reap(std::chrono::milliseconds grace) noexcept;

    pid_t pid_ = -1;
    int toChild_ = -1;
    int fromChild_ = -1;
    int wakeRead_ = -1;
    int wakeWrite_ = -1;
    /// Input buffer and the current line. May hold a PIN: wiped after each line and on exit.
    std::array<char, 2 * kMaxLine> buf_ {};
    std::size_t len_ = 0;
    std::size_t lineLen_ = 0;
    bool haveLine_ = false; ///< buf_[0, lineLen_] is the current line (dropped by the next read)
};

} // namespace tscns::daemon::assuan
