// SPDX-License-Identifier: LGPL-2.1-or-later
// Core: routing, the §3.4 checks in order, CORS/LNA headers (§3.5), one operation in flight.
#include "core/daemon_core.hpp"

#include "core/daemon_error.hpp"
#include "core/log.hpp"
#include "core/request_checks.hpp"

#include "tscns/cnsauth/signed_message.hpp"

#include <nlohmann/json.hpp>

#ifndef TSCNS_VERSION
#define TSCNS_VERSION "0.0.0"
#endif

namespace tscns::daemon {

namespace {
    /// Request text on its way to the journal: shortened, printable ASCII only.
    std::string printable(std::string s, std::size_t max)
    {
        if (s.size() > max) s = s.substr(0, max) + "...";
        for (char& c : s)
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
                c = '?';
        return s;
    }

    std::string requestLine(const Request& request)
    {
        return printable(request.method, 16) + " " + printable(request.path, 64);
    }
} // namespace

struct Core::Operation {
    explicit Operation(std::string o)
        : origin(std::move(o))
    {
    }
    const std::string origin;
    OperationControl control;

    std::mutex mutex;
    std::condition_variable cv;
    bool finished = false;
    std::optional<OperationResult> result;
    std::optional<HttpError> error;

    /// Waits up to `timeout`; true when the operation has finished.
    bool waitFor(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [this] { return finished; });
    }
};

Core::Core(Config config, CardService& cards, UserInterface& ui, Clocks clocks)
    : config_(std::move(config))
    , cards_(cards)
    , ui_(ui)
    , clocks_(std::move(clocks))
    , limiter_(config_.rateLimitPerMinute, std::chrono::seconds(60))
    , logLimiter_(10, std::chrono::seconds(60))
{
    if (!clocks_.steady) clocks_.steady = [] { return std::chrono::steady_clock::now(); };
    if (!clocks_.wall) clocks_.wall = [] { return std::chrono::system_clock::now(); };
    worker_ = std::thread([this] { workerLoop(); });
}

Core::~Core()
{
    shutdown();
    {
        const std::lock_guard lock(jobMutex_);
        stopWorker_ = true;
    }
    jobCv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void Core::shutdown() noexcept
{
    std::shared_ptr<Operation> op;
    {
        const std::lock_guard lock(opMutex_);
        shuttingDown_ = true;
        op = inflight_;
    }
    if (op) op->control.cancel(CancelReason::Shutdown);
}

bool Core::busy() const
{
    const std::lock_guard lock(opMutex_);
    return inflight_ != nullptr;
}

void Core::workerLoop()
{
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(jobMutex_);
            jobCv_.wait(lock, [this] { return stopWorker_ || !jobs_.empty(); });
            if (jobs_.empty()) return; // stopping, nothing left
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job(); // never throws: the job catches everything (the thread edge)
    }
}

Response Core::handle(const Request& request) noexcept
{
    std::optional<std::string> allowedOrigin;
    try {
        Response r = dispatch(request, allowedOrigin);
        logDebug(requestLine(request) + " -> " + std::to_string(r.status));
        return r;
    } catch (...) {
        try {
            const HttpError e = toHttpError(std::current_exception());
            const std::string line = requestLine(request) + " -> " + std::to_string(e.status) + " "
                + std::string(apiCodeName(e.code))
                + (e.logDetail.empty() ? "" : " (" + e.logDetail + ")");
            if (e.code == ApiCode::Internal)
                logWarning(line);
            else
                logDebug(line);
            return failure(e, allowedOrigin);
        } catch (...) {
            Response r;
            r.status = 500;
            return r;
        }
    }
}

Response Core::dispatch(const Request& request, std::optional<std::string>& allowedOrigin)
{
    // §3.4 step 1 and 2: Host, then Origin. Failures carry no CORS header (failure() adds them
    // only once allowedOrigin is set), so a foreign page cannot even read the answer.
    checkHost(request);
    try {
        allowedOrigin = checkOrigin(request, config_);
    } catch (const DaemonError& e) {
        logRejectedOrigin(request, e.message());
        throw;
    }
    const std::string& origin = *allowedOrigin;

    const auto endpoint = endpointFor(request.path);
    if (request.method == "OPTIONS") {
        checkFetchMetadata(request);
        if (!endpoint) throw DaemonError(Problem::NotFound, "No such endpoint");
        checkPreflight(request, *endpoint);
        return preflight(request, origin);
    }

    // §3.4 step 3.
    checkFetchMetadata(request);
    checkClientHeader(request);
    if (request.method == "POST") checkContentType(request);

    if (!endpoint) throw DaemonError(Problem::NotFound, "No such endpoint");
    if (request.method != endpointMethod(*endpoint))
        throw DaemonError(Problem::MethodNotAllowed, "Method not allowed for this endpoint");
    if (request.body.size() > kMaxBodySize)
        throw DaemonError(Problem::BodyTooLarge, "The request body exceeds 8 KiB");

    switch (*endpoint) {
    case Endpoint::Status:
        if (!request.body.empty()) throw DaemonError(Problem::BodyInvalid, "GET takes no body");
        return status(origin); // no state change on GET (§3.5)
    case Endpoint::Cancel:
        parseCancelBody(request.body);
        return cancel(request, origin);
    case Endpoint::Authenticate: {
        // §3.4 step 4, then step 5 in runOperation, then step 6 on the worker.
        const AuthenticateBody body = parseAuthenticateBody(request.body);
        return runOperation(request, origin,
            [origin, body](const OperationEnv& env) { return runAuthenticate(env, origin, body); });
    }
    case Endpoint::Identity: {
        const IdentityBody body = parseIdentityBody(request.body);
        return runOperation(request, origin,
            [origin, body](const OperationEnv& env) { return runIdentity(env, origin, body); });
    }
    }
    throw DaemonError(Problem::NotFound, "No such endpoint");
}

Response Core::preflight(const Request& /*request*/, const std::string& origin)
{
    Response r = success(204, origin, {});
    r.setHeader("Access-Control-Allow-Methods", "GET, POST");
    r.setHeader("Access-Control-Allow-Headers", "Content-Type, X-CNS-Client");
    // Legacy Private Network Access: harmless, older Chromium builds need it (§3.5).
    r.setHeader("Access-Control-Allow-Private-Network", "true");
    r.setHeader("Access-Control-Max-Age", std::to_string(config_.preflightMaxAge.count()));
    return r;
}

Response Core::status(const std::string& origin)
{
    // Nothing personal: no names, CF, card ID or certificate (§3.2).
    const Presence p = cards_.presence();
    nlohmann::ordered_json j;
    j["protocol"] = std::string(cnsauth::kFormat);
    j["version"] = TSCNS_VERSION;
    j["readers"] = p.readers;
    j["cardPresent"] = p.cardPresent;
    return success(200, origin, j.dump());
}

Response Core::cancel(const Request& /*request*/, const std::string& origin)
{
    std::shared_ptr<Operation> op;
    {
        const std::lock_guard lock(opMutex_);
        op = inflight_;
    }
    // Only the origin that started it may cancel it; for any other the answer is the same, so
    // a page learns nothing about other origins' operations.
    if (op && op->origin == origin) {
        logInfo("operation of " + origin + " cancelled by the page");
        op->control.cancel(CancelReason::PageCancelled);
    }
    return success(204, origin, {});
}

Response Core::runOperation(const Request& request, const std::string& origin, Work work)
{
    // §3.4 step 5: one operation in flight, then the per-origin rate. A BUSY answer does not use
    // up the origin's allowance.
    std::shared_ptr<Operation> op;
    const Presence presence = cards_.presence();
    {
        const std::lock_guard lock(opMutex_);
        if (shuttingDown_) throw DaemonError(Problem::ShuttingDown, "The daemon is stopping");
        if (inflight_) throw DaemonError(Problem::Busy, "Another operation is in progress");
        std::chrono::seconds retryAfter { 0 };
        if (!limiter_.tryAcquire(origin, clocks_.steady(), retryAfter)) {
            HttpError e = toHttpError(
                DaemonError(Problem::RateLimited, "Too many requests from this origin"));
            e.retryAfterSeconds = static_cast<int>(retryAfter.count());
            logInfo("rate limit reached for " + origin);
            return failure(e, origin);
        }
        op = std::make_shared<Operation>(origin);
        inflight_ = op;
    }

    auto job = [this, op, work = std::move(work), generation = presence.generation] {
        std::optional<OperationResult> result;
        std::optional<HttpError> error;
        try {
            const OperationEnv env { cards_, ui_, op->control, cache_, config_, generation,
                clocks_.wall, clocks_.steady };
            result = work(env);
        } catch (...) {
            // The thread edge: whatever happened becomes an answer (docs/development.md §5).
            error = toHttpError(std::current_exception());
        }
        {
            const std::lock_guard lock(opMutex_);
            if (inflight_ == op) inflight_.reset();
        }
        {
            const std::lock_guard lock(op->mutex);
            op->result = std::move(result);
            op->error = std::move(error);
            op->finished = true;
        }
        op->cv.notify_all();
    };
    {
        const std::lock_guard lock(jobMutex_);
        jobs_.push_back(std::move(job));
    }
    jobCv_.notify_one();

    // Wait, watching for the page leaving, the card leaving and the deadline.
    const auto deadline = clocks_.steady() + config_.uiTimeout + kCardSlack;
    std::optional<std::chrono::steady_clock::time_point> cancelledAt;
    while (!op->waitFor(kPollInterval)) {
        const auto now = clocks_.steady();
        if (!op->control.cancelled()) {
            const Presence p = cards_.presence();
            if (request.clientGone && request.clientGone()) {
                logInfo("the page of " + origin + " closed the connection: cancelling");
                op->control.cancel(CancelReason::ClientGone);
            } else if (p.generation != presence.generation && !p.cardPresent) {
                logInfo("the card was removed: cancelling the operation");
                op->control.cancel(CancelReason::CardRemoved);
            } else if (now > deadline) {
                op->control.cancel(CancelReason::Deadline);
            }
        }
        if (op->control.cancelled()) {
            if (!cancelledAt) cancelledAt = now;
            if (now - *cancelledAt > kStopGrace) {
                // The worker is stuck in the card layer: answer now; the operation stays in
                // flight (BUSY) until it returns.
                logWarning("the cancelled operation does not stop; answering without it");
                try {
                    op->control.throwIfCancelled();
                } catch (...) {
                    return failure(toHttpError(std::current_exception()), origin);
                }
            }
        }
    }
    const std::lock_guard lock(op->mutex);
    if (op->result) return success(200, origin, std::move(op->result->body));
    const HttpError e = op->error.value_or(HttpError {});
    logLine(e.code == ApiCode::Internal ? LogLevel::Warning : LogLevel::Info,
        request.path + " for " + origin + ": " + std::string(apiCodeName(e.code))
            + (e.logDetail.empty() ? "" : " (" + e.logDetail + ")"));
    return failure(e, origin);
}

Response Core::success(int status, const std::string& origin, std::string body) const
{
    Response r;
    r.status = status;
    r.setHeader("Access-Control-Allow-Origin", origin); // never "*" (§3.5)
    r.setHeader("Vary", "Origin");
    r.setHeader("Cache-Control", "no-store");
    r.setHeader("X-Content-Type-Options", "nosniff");
    r.setHeader("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

Response Core::failure(const HttpError& error, const std::optional<std::string>& origin) const
{
    Response r;
    r.status = error.status;
    if (origin) {
        r.setHeader("Access-Control-Allow-Origin", *origin);
        r.setHeader("Vary", "Origin");
    }
    r.setHeader("Cache-Control", "no-store");
    r.setHeader("X-Content-Type-Options", "nosniff");
    r.setHeader("Content-Type", "application/json");
    if (error.retryAfterSeconds) {
        r.setHeader("Retry-After", std::to_string(*error.retryAfterSeconds));
        if (origin) r.setHeader("Access-Control-Expose-Headers", "Retry-After");
    }
    r.body = errorBody(error);
    return r;
}

void Core::logRejectedOrigin(const Request& request, const std::string& why)
{
    // Rate-limited (§3.4 step 2): a hostile page could otherwise flood the journal.
    std::chrono::seconds ignored { 0 };
    if (!logLimiter_.tryAcquire("rejected-origin", clocks_.steady(), ignored)) return;
    logInfo("rejected " + requestLine(request) + " from origin "
        + printable(request.uniqueHeader("Origin").value_or("(none)"), 100) + ": " + why);
}

} // namespace tscns::daemon
