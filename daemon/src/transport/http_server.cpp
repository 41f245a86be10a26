// SPDX-License-Identifier: LGPL-2.1-or-later
// cpp-httplib adapter. cpp-httplib 0.11 has no Request::is_connection_closed(), so the socket of
// a request is found once (by its address pair, in /proc/self/fd) and polled while the Core
// waits for an operation: a closed connection (the page aborted the fetch) cancels it.
#include "transport/http_server.hpp"

#include "core/log.hpp"

#include "tscns/apdu/error.hpp"

#include <httplib.h>

#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace tscns::daemon {

namespace {
    /// cpp-httplib's ceiling; the Core itself answers BAD_REQUEST above 8 KiB (§3.1).
    constexpr std::size_t kTransportMaxBody = 64 * 1024;
    constexpr std::size_t kThreadsPerListener = 8;

    bool addressOf(const sockaddr_storage& sa, socklen_t len, std::string& host, int& port)
    {
        char h[NI_MAXHOST];
        char p[NI_MAXSERV];
        if (getnameinfo(reinterpret_cast<const sockaddr*>(&sa), len, h, sizeof h, p, sizeof p,
                NI_NUMERICHOST | NI_NUMERICSERV)
            != 0)
            return false;
        host = h;
        port = std::atoi(p);
        return true;
    }

    /// The connected socket whose local port and peer address are the request's.
    int findConnection(const httplib::Request& req)
    {
        DIR* dir = opendir("/proc/self/fd");
        if (dir == nullptr) return -1;
        int found = -1;
        while (const dirent* e = readdir(dir)) {
            char* end = nullptr;
            const long fd = std::strtol(e->d_name, &end, 10);
            if (end == e->d_name || *end != '\0' || fd == dirfd(dir)) continue;
            struct stat st { };
            if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
            sockaddr_storage local {};
            sockaddr_storage peer {};
            socklen_t localLen = sizeof local;
            socklen_t peerLen = sizeof peer;
            if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &localLen)
                    != 0
                || getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peerLen)
                    != 0)
                continue;
            std::string localHost;
            std::string peerHost;
            int localPort = 0;
            int peerPort = 0;
            if (!addressOf(local, localLen, localHost, localPort)
                || !addressOf(peer, peerLen, peerHost, peerPort))
                continue;
            if (localPort == req.local_port && peerPort == req.remote_port
                && peerHost == req.remote_addr) {
                found = static_cast<int>(fd);
                break;
            }
        }
        closedir(dir);
        return found;
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
        // Looked up on first use only: status requests never pay for it.
        r.clientGone = [&req, fd = -2]() mutable {
            if (fd == -2) fd = findConnection(req);
            return fd >= 0 && peerClosed(fd);
        };
        return r;
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
        l.server = std::make_unique<httplib::Server>();
        httplib::Server& s = *l.server;
        s.new_task_queue = [] { return new httplib::ThreadPool(kThreadsPerListener); };
        s.set_payload_max_length(kTransportMaxBody);
        s.set_keep_alive_timeout(2);
        // cpp-httplib writes headers and body separately: without TCP_NODELAY, Nagle's algorithm
        // holds the body until the client's delayed ACK, 40 ms per keep-alive answer.
        s.set_tcp_nodelay(true);
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
