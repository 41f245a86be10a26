// SPDX-License-Identifier: LGPL-2.1-or-later
// cpp-httplib adapter. Each connection is served by GuardedServer, which overrides cpp-httplib's
// per-connection entry point (process_and_close_socket; process_request and the keep-alive
// settings are protected members for this purpose, as SSLServer uses them):
// - before a byte is read, the peer's socket is looked up in /proc/net/tcp{,6} and the connection
//   is closed unless its owner is the daemon's user (other local users cannot use the card);
// - the requests are read through RecordingStream, which keeps the bytes of each request head, so
//   the percent-escapes that cpp-httplib decodes in the target and in header values are checked
//   on what was received (checkRawHead);
// - the socket is known, so a closed connection (the page aborted the fetch) cancels the
//   operation the Core waits for.
#include "transport/http_server.hpp"

#include "core/daemon_error.hpp"
#include "core/http_error.hpp"
#include "core/log.hpp"
#include "core/peer_owner.hpp"
#include "core/rate_limiter.hpp"
#include "core/request_checks.hpp"

#include "tscns/apdu/error.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <fstream>
#include <optional>
#include <poll.h>
#include <span>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace tscns::daemon {

namespace {
    /// cpp-httplib's ceiling; the Core itself answers BAD_REQUEST above 8 KiB (§3.1).
    constexpr std::size_t kTransportMaxBody = 64 * 1024;
    constexpr std::size_t kThreadsPerListener = 8;
    /// More than cpp-httplib accepts for a request head (CPPHTTPLIB_HEADER_MAX_LENGTH is 8 KiB
    /// per line, 100 header fields): a longer head is refused before the Core sees it.
    constexpr std::size_t kMaxRawHead = 64 * 1024;
    constexpr int kReadBuffer = 4096;

    /// The address text of /proc/net/tcp{,6} for a socket address (see procNetAddress).
    std::string procText(const sockaddr_storage& sa)
    {
        if (sa.ss_family == AF_INET) {
            const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
            const auto* bytes = reinterpret_cast<const std::uint8_t*>(&in.sin_addr);
            return procNetAddress(std::span(bytes, 4), ntohs(in.sin_port));
        }
        if (sa.ss_family == AF_INET6) {
            const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
            return procNetAddress(std::span(in6.sin6_addr.s6_addr, 16), ntohs(in6.sin6_port));
        }
        return {};
    }

    /// The owner of the other end of the accepted loopback connection `fd`; nullopt when the
    /// kernel's table does not tell (then the connection is refused).
    std::optional<unsigned> peerOwner(int fd)
    {
        sockaddr_storage self {};
        sockaddr_storage peer {};
        socklen_t selfLen = sizeof self;
        socklen_t peerLen = sizeof peer;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&self), &selfLen) != 0
            || getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLen) != 0
            || self.ss_family != peer.ss_family)
            return std::nullopt;
        const char* table = self.ss_family == AF_INET6 ? "/proc/net/tcp6" : "/proc/net/tcp";
        std::ifstream in(table, std::ios::binary);
        if (!in) return std::nullopt;
        std::ostringstream text;
        text << in.rdbuf();
        return socketOwner(text.str(), procText(peer), procText(self));
    }

    /// True once the peer has closed (or reset) the connection. Pipelined data does not count.
    bool peerClosed(int fd)
    {
        pollfd p { fd, POLLIN | POLLRDHUP, 0 };
        if (::poll(&p, 1, 0) <= 0) return false;
        if ((p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) != 0) return true;
        if ((p.revents & POLLIN) != 0) {
            char c = 0;
            const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
            return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        }
        return false;
    }

    /// poll() for `events` up to `timeout`; false on timeout or error.
    bool waitFor(int fd, short events, std::chrono::microseconds timeout)
    {
        pollfd p { fd, events, 0 };
        const auto ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
        while (true) {
            const int n = ::poll(&p, 1, ms);
            if (n < 0 && errno == EINTR) continue;
            return n > 0;
        }
    }

    /// A buffered socket stream for cpp-httplib's request parser that also records the bytes of
    /// the current request head (startRequest() to the first empty line).
    class RecordingStream final : public httplib::Stream {
    public:
        RecordingStream(
            int fd, std::chrono::microseconds readTimeout, std::chrono::microseconds writeTimeout)
            : fd_(fd)
            , readTimeout_(readTimeout)
            , writeTimeout_(writeTimeout)
        {
        }

        void startRequest()
        {
            checked_ = false;
            refusal_.reset();
            closeAfter_ = false;
            head_.clear();
            headDone_ = false;
            overflow_ = false;
        }
        [[nodiscard]] const std::string& head() const noexcept { return head_; }
        [[nodiscard]] bool headComplete() const noexcept { return headDone_; }
        [[nodiscard]] bool headOverflow() const noexcept { return overflow_; }
        [[nodiscard]] bool buffered() const noexcept { return pos_ < end_; }
        /// checkRawHead on the recorded head, once per request; the refusal, if any.
        const std::optional<DaemonError>& rawRefusal()
        {
            if (!checked_) {
                checked_ = true;
                try {
                    if (!headDone_ || overflow_)
                        throw DaemonError(
                            Problem::BodyInvalid, "the request head was not recorded");
                    checkRawHead(head_);
                } catch (const DaemonError& e) {
                    refusal_ = e;
                }
            }
            return refusal_;
        }
        /// After a refused request: its body was not read, so the connection cannot go on.
        void closeAfterThisRequest() noexcept { closeAfter_ = true; }
        [[nodiscard]] bool closeAfter() const noexcept { return closeAfter_; }

        bool is_readable() const override
        {
            return pos_ < end_ || waitFor(fd_, POLLIN, readTimeout_);
        }
        bool is_writable() const override { return waitFor(fd_, POLLOUT, writeTimeout_); }

        ssize_t read(char* ptr, size_t size) override
        {
            if (pos_ >= end_) {
                if (!waitFor(fd_, POLLIN, readTimeout_)) return -1;
                ssize_t n = 0;
                do {
                    n = ::recv(fd_, buffer_, sizeof buffer_, 0);
                } while (n < 0 && errno == EINTR);
                if (n <= 0) return n;
                pos_ = 0;
                end_ = static_cast<std::size_t>(n);
            }
            const std::size_t n = std::min(size, end_ - pos_);
            std::memcpy(ptr, buffer_ + pos_, n);
            record(ptr, n);
            pos_ += n;
            return static_cast<ssize_t>(n);
        }

        ssize_t write(const char* ptr, size_t size) override
        {
            if (!is_writable()) return -1;
            ssize_t n = 0;
            do {
                n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
            } while (n < 0 && errno == EINTR);
            return n;
        }

        void get_remote_ip_and_port(std::string& ip, int& port) const override
        {
            address(false, ip, port);
        }
        void get_local_ip_and_port(std::string& ip, int& port) const override
        {
            address(true, ip, port);
        }
        socket_t socket() const override { return fd_; }

    private:
        void record(const char* ptr, std::size_t n)
        {
            if (headDone_ || overflow_) return;
            for (std::size_t i = 0; i < n; ++i) {
                head_.push_back(ptr[i]);
                const std::size_t len = head_.size();
                if ((len >= 2 && head_.compare(len - 2, 2, "\n\n") == 0)
                    || (len >= 4 && head_.compare(len - 4, 4, "\r\n\r\n") == 0)) {
                    headDone_ = true;
                    return;
                }
                if (len > kMaxRawHead) {
                    overflow_ = true;
                    return;
                }
            }
        }

        void address(bool local, std::string& ip, int& port) const
        {
            sockaddr_storage sa {};
            socklen_t len = sizeof sa;
            const int rc = local ? getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len)
                                 : getpeername(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
            ip.clear();
            port = -1;
            if (rc != 0) return;
            char host[INET6_ADDRSTRLEN] = {};
            if (sa.ss_family == AF_INET) {
                const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
                inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
                port = ntohs(in.sin_port);
            } else if (sa.ss_family == AF_INET6) {
                const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
                inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
                port = ntohs(in6.sin6_port);
            }
            ip = host;
        }

        int fd_;
        std::chrono::microseconds readTimeout_;
        std::chrono::microseconds writeTimeout_;
        char buffer_[kReadBuffer] = {};
        std::size_t pos_ = 0;
        std::size_t end_ = 0;
        std::string head_;
        bool headDone_ = false;
        bool overflow_ = false;
        bool closeAfter_ = false;
        bool checked_ = false;
        std::optional<DaemonError> refusal_;
    };

    /// The connection the current thread serves (set by GuardedServer for its handlers).
    thread_local RecordingStream* tCurrent = nullptr;

    /// cpp-httplib's Server with the checks of the file comment on every connection.
    class GuardedServer final : public httplib::Server {
    public:
        GuardedServer()
            : uid_(static_cast<unsigned>(::getuid()))
        {
        }

        /// Logs a refusal, at most 10 a minute per kind (a flood must not flood the journal).
        void logRefusal(const std::string& kind, const std::string& line)
        {
            std::chrono::seconds ignored {};
            if (logLimiter_.tryAcquire(kind, std::chrono::steady_clock::now(), ignored))
                logWarning(line);
        }

    private:
        /// cpp-httplib's per-connection entry point (virtual, called by the listener's task).
        /// Exceptions stop here: they must not end a worker thread of the pool.
        bool process_and_close_socket(socket_t sock) override
        {
            bool ok = false;
            try {
                ok = serve(sock);
            } catch (const std::exception& e) {
                logError(std::string("connection failed: ") + e.what());
            } catch (...) {
                logError("connection failed");
            }
            tCurrent = nullptr;
            ::shutdown(sock, SHUT_RDWR);
            ::close(sock);
            return ok;
        }

        /// The peer check, then cpp-httplib's keep-alive loop (process_server_socket_core) over
        /// a RecordingStream. The caller closes the socket.
        bool serve(socket_t sock)
        {
            const auto owner = peerOwner(sock);
            if (!owner || *owner != uid_) {
                logRefusal("peer",
                    "refused a loopback connection from "
                        + (owner ? "local user " + std::to_string(*owner)
                                 : std::string("an unknown local user"))
                        + ": only user " + std::to_string(uid_) + " may use this daemon");
                return true;
            }
            RecordingStream stream(sock,
                std::chrono::seconds(read_timeout_sec_)
                    + std::chrono::microseconds(read_timeout_usec_),
                std::chrono::seconds(write_timeout_sec_)
                    + std::chrono::microseconds(write_timeout_usec_));
            tCurrent = &stream;
            bool ok = false;
            std::size_t count = keep_alive_max_count_;
            while (svr_sock_ != INVALID_SOCKET && count > 0 && keepAlive(stream)) {
                bool connectionClosed = false;
                stream.startRequest();
                // Before routing: a refused request is answered with "Connection: close".
                const auto setup = [&stream](httplib::Request& req) {
                    if (stream.rawRefusal()) {
                        req.headers.erase("Connection");
                        req.headers.emplace("Connection", "close");
                    }
                };
                ok = process_request(stream, count == 1, connectionClosed, setup);
                if (!ok || connectionClosed || stream.closeAfter()) break;
                --count;
            }
            tCurrent = nullptr;
            return ok;
        }

        /// Waits for the next request on a kept-alive connection (cpp-httplib's keep_alive()),
        /// in slices, so that stop() does not wait for idle connections.
        bool keepAlive(const RecordingStream& stream) const
        {
            if (stream.buffered()) return true;
            const auto deadline
                = std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
            while (svr_sock_ != INVALID_SOCKET) {
                if (waitFor(stream.socket(), POLLIN, std::chrono::milliseconds(50))) return true;
                if (std::chrono::steady_clock::now() >= deadline) return false;
            }
            return false;
        }

        unsigned uid_;
        RateLimiter logLimiter_ { 10, std::chrono::seconds(60) };
    };

    /// cpp-httplib 0.11 reads a body for POST, PUT, PATCH and DELETE only: one announced on
    /// another method (a GET with Content-Length) stays unread, and the Core would never see it.
    bool unreadBody(const httplib::Request& req)
    {
        if (!req.body.empty()) return false;
        if (req.has_header("Transfer-Encoding")) return true;
        const std::string length = req.get_header_value("Content-Length");
        return length.find_first_not_of('0') != std::string::npos;
    }

    Request toCore(const httplib::Request& req)
    {
        Request r;
        r.method = req.method;
        r.path = req.path;
        for (const auto& [k, v] : req.headers)
            r.headers.emplace(k, v);
        r.body = req.body;
        // A stand-in, so that the Core refuses it as it refuses any body on a GET (§3.5).
        if (unreadBody(req)) r.body = "(unread body)";
        r.localPort = static_cast<std::uint16_t>(req.local_port > 0 ? req.local_port : 0);
        if (tCurrent != nullptr)
            r.clientGone = [fd = tCurrent->socket()] { return peerClosed(fd); };
        return r;
    }

    /// The checks on the bytes received: pre-routing, before any body is read. A refusal is a
    /// DaemonError's JSON error, and the connection is closed after it.
    httplib::Server::HandlerResponse checkRaw(GuardedServer& server, httplib::Response& res)
    {
        if (tCurrent == nullptr) return httplib::Server::HandlerResponse::Unhandled;
        const auto& refusal = tCurrent->rawRefusal();
        if (!refusal) return httplib::Server::HandlerResponse::Unhandled;
        tCurrent->closeAfterThisRequest();
        const HttpError e = toHttpError(*refusal);
        server.logRefusal("raw", "refused a request: " + refusal->message());
        res.status = e.status;
        res.set_header("Cache-Control", "no-store");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_content(errorBody(e), "application/json");
        return httplib::Server::HandlerResponse::Handled;
    }
} // namespace

HttpServer::HttpServer(Core& core, std::uint16_t port)
    : core_(core)
    , port_(port)
{
}

HttpServer::~HttpServer()
{
    stop();
}

void HttpServer::start()
{
    for (const char* host : { "127.0.0.1", "::1" }) {
        Listener l;
        l.host = host;
        auto guarded = std::make_unique<GuardedServer>();
        GuardedServer& g = *guarded;
        l.server = std::move(guarded);
        httplib::Server& s = *l.server;
        s.new_task_queue = [] { return new httplib::ThreadPool(kThreadsPerListener); };
        s.set_payload_max_length(kTransportMaxBody);
        s.set_keep_alive_timeout(2);
        // cpp-httplib writes headers and body separately: without TCP_NODELAY, Nagle's algorithm
        // holds the body until the client's delayed ACK, 40 ms per keep-alive answer.
        s.set_tcp_nodelay(true);
        // cpp-httplib's default options set SO_REUSEPORT, which lets a second process of the
        // same user bind the same port and take a share of the connections. The port is
        // exclusive: SO_REUSEADDR only (a restart need not wait for TIME_WAIT), so a second
        // tscnsd fails to bind and exits.
        s.set_socket_options([](socket_t sock) {
            int yes = 1;
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        s.set_pre_routing_handler(
            [&g](const httplib::Request&, httplib::Response& res) { return checkRaw(g, res); });
        s.set_read_timeout(5, 0);
        s.set_write_timeout(5, 0);
        const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
            const Response r = core_.handle(toCore(req));
            res.status = r.status;
            for (const auto& [k, v] : r.headers)
                res.set_header(k.c_str(), v);
            res.body = r.body;
        };
        // Every method and path goes to the Core, which answers 404/405 itself.
        s.Get(".*", handler);
        s.Post(".*", handler);
        s.Options(".*", handler);
        s.Put(".*", handler);
        s.Patch(".*", handler);
        s.Delete(".*", handler);
        if (!s.bind_to_port(host, port_)) {
            if (l.host == "::1") {
                logWarning("cannot listen on [::1]:" + std::to_string(port_)
                    + " (IPv6 off?): IPv4 loopback only");
                continue;
            }
            stop();
            throw Error(Errc::BadArgument,
                "cannot listen on " + l.host + ":" + std::to_string(port_)
                    + " (is another tscnsd running? choose another one with --port)");
        }
        l.thread = std::thread([&s] { s.listen_after_bind(); });
        listeners_.push_back(std::move(l));
    }
}

void HttpServer::stop() noexcept
{
    for (auto& l : listeners_)
        if (l.server) l.server->stop();
    for (auto& l : listeners_)
        if (l.thread.joinable()) l.thread.join();
    listeners_.clear();
}

std::string HttpServer::describe() const
{
    std::string out;
    for (const auto& l : listeners_) {
        if (!out.empty()) out += " and ";
        out += (l.host == "::1" ? "[::1]" : l.host) + ":" + std::to_string(port_);
    }
    return out;
}

} // namespace tscns::daemon
