// SPDX-License-Identifier: LGPL-2.1-or-later
// The HTTP transport of tscnsd: cpp-httplib listeners on 127.0.0.1 and [::1] only (never the
// wildcard addresses, cns-auth.md §3.1), on an exclusive port (no SO_REUSEPORT). Connections
// from other local users are closed unread; requests whose target or checked headers carry
// percent-escapes are refused on the bytes received (400); the rest go to the Core as is.
#pragma once

#include "core/daemon_core.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace tscns::daemon {

class HttpServer {
public:
    HttpServer(Core& core, std::uint16_t port);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds 127.0.0.1:<port> (required) and [::1]:<port> (skipped with a warning when IPv6 is
    /// off) and starts serving on background threads. Throws Error(BadArgument) when the IPv4
    /// loopback port cannot be bound (in use, also by another tscnsd: the port is exclusive).
    void start();
    /// Stops accepting, waits for the requests in progress (the Core must have been shut down
    /// first, so that none waits for a dialog). Idempotent.
    void stop() noexcept;
    /// "127.0.0.1:47123 and [::1]:47123"
    [[nodiscard]] std::string describe() const;

private:
    struct Listener {
        std::string host;
        std::unique_ptr<httplib::Server> server;
        std::thread thread;
    };
    Core& core_;
    std::uint16_t port_;
    std::vector<Listener> listeners_;
};

} // namespace tscns::daemon
