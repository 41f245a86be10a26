// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon core: HTTP request in, HTTP response out, no sockets (docs/development.md §5). It runs
// the checks of cns-auth.md §3.4 in order, answers preflights and status from memory, and runs the
// card work of §3.6 on its own worker thread while the calling (I/O) thread waits, watching for
// the page leaving, the card leaving and the deadline.
#pragma once

#include "core/card_operations.hpp"
#include "core/card_service.hpp"
#include "core/config.hpp"
#include "core/http_error.hpp"
#include "core/http_types.hpp"
#include "core/rate_limiter.hpp"
#include "core/user_interface.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace tscns::daemon {

/// Time sources (tests move time; production uses the clocks).
struct Clocks {
    std::function<std::chrono::steady_clock::time_point()> steady;
    std::function<std::chrono::system_clock::time_point()> wall;
};

class Core {
public:
    /// `config` must have passed validateConfig(). `cards` and `ui` must outlive the Core.
    Core(Config config, CardService& cards, UserInterface& ui, Clocks clocks = {});
    /// Cancels the operation in flight and joins the worker.
    ~Core();
    Core(const Core&) = delete;
    Core& operator=(const Core&) = delete;

    /// Answers one request. Thread-safe (the transport calls it from its I/O threads); blocks
    /// while an operation it started runs. Never throws.
    Response handle(const Request& request) noexcept;

    /// Cancels the operation in flight (its dialog closes) and refuses new ones. Thread-safe.
    void shutdown() noexcept;

    /// True while an operation runs (tests).
    [[nodiscard]] bool busy() const;

    /// How often a waiting request checks on the page, the card and the deadline.
    static constexpr std::chrono::milliseconds kPollInterval { 50 };
    /// Card work allowed on top of the dialog timeout before the operation is cancelled.
    static constexpr std::chrono::seconds kCardSlack { 30 };
    /// How long a cancelled operation may take to stop before its request is answered anyway.
    static constexpr std::chrono::seconds kStopGrace { 10 };

private:
    struct Operation;
    using Work = std::function<OperationResult(const OperationEnv&)>;

    Response dispatch(const Request& request, std::optional<std::string>& allowedOrigin);
    Response preflight(const Request& request, const std::string& origin);
    Response status(const std::string& origin);
    Response cancel(const Request& request, const std::string& origin);
    Response runOperation(const Request& request, const std::string& origin, Work work);
    Response success(int status, const std::string& origin, std::string body) const;
    Response failure(const HttpError& error, const std::optional<std::string>& origin) const;
    void logRejectedOrigin(const Request& request, const std::string& why);
    void workerLoop();

    Config config_;
    CardService& cards_;
    UserInterface& ui_;
    Clocks clocks_;
    RateLimiter limiter_;
    RateLimiter logLimiter_; ///< rejected origins are logged at a limited rate (§3.4 step 2)
    CardCache cache_;

    mutable std::mutex opMutex_;
    std::shared_ptr<Operation> inflight_;
    bool shuttingDown_ = false;

    std::mutex jobMutex_;
    std::condition_variable jobCv_;
    std::deque<std::function<void()>> jobs_;
    bool stopWorker_ = false;
    std::thread worker_;
};

} // namespace tscns::daemon
