// SPDX-License-Identifier: LGPL-2.1-or-later
// tscns-test-sms-gateway: a fake SMS gateway for the portal's end-to-end tests. Listens on
// 127.0.0.1 (a free port, or --port), prints "listening PORT" once it accepts, and records every
// POST as one JSON line in --record FILE:
//   {"seq", "path", "contentType", "authorization", "status", "body"}
// where body is the parsed JSON (or the raw text when it is not JSON) and status what it answered.
// It answers 200, except: 401 when --token T is given and the request lacks "Bearer T"; 503 to the
// first N requests (--fail N, or later GET /_fail/N, which is not recorded). SIGTERM stops it.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>

namespace {

constexpr const char* kUsage
    = "Usage: tscns-test-sms-gateway --record FILE [--fail N] [--token T] [--port N]\n";

std::atomic<httplib::Server*> gServer { nullptr };

extern "C" void onSignal(int)
{
    if (httplib::Server* s = gServer.load()) s->stop();
}

int number(const std::string& s, const char* what)
{
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 0 || v > 65535) {
        std::cerr << "tscns-test-sms-gateway: " << what << " needs a number, not \"" << s << "\"\n";
        std::exit(2);
    }
    return static_cast<int>(v);
}

} // namespace

int main(int argc, char** argv)
{
    std::string record;
    std::string token;
    int port = 0;
    std::atomic<int> failuresLeft { 0 };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--record" && hasValue) {
            record = argv[++i];
        } else if (arg == "--token" && hasValue) {
            token = argv[++i];
        } else if (arg == "--fail" && hasValue) {
            failuresLeft = number(argv[++i], "--fail");
        } else if (arg == "--port" && hasValue) {
            port = number(argv[++i], "--port");
        } else {
            std::cerr << kUsage;
            return 2;
        }
    }
    if (record.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    std::ofstream out(record, std::ios::app);
    if (!out) {
        std::cerr << "tscns-test-sms-gateway: cannot write " << record << "\n";
        return 1;
    }
    std::mutex mutex;
    long seq = 0;

    httplib::Server server;
    server.Get(R"(/_fail/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        failuresLeft = number(req.matches[1].str(), "/_fail/");
        res.set_content("ok\n", "text/plain");
    });
    server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
        int status = 200;
        if (!token.empty() && req.get_header_value("Authorization") != "Bearer " + token) {
            status = 401;
        } else {
            int left = failuresLeft.load();
            while (left > 0 && !failuresLeft.compare_exchange_weak(left, left - 1)) { }
            if (left > 0) status = 503;
        }
        nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
        if (body.is_discarded()) body = req.body;
        {
            const std::lock_guard<std::mutex> lock(mutex);
            const nlohmann::json line = { { "seq", ++seq }, { "path", req.path },
                { "contentType", req.get_header_value("Content-Type") },
                { "authorization", req.get_header_value("Authorization") }, { "status", status },
                { "body", body } };
            out << line.dump() << std::endl;
        }
        res.status = status;
        res.set_content(
            status == 200 ? R"({"status":"queued"})" : R"({"status":"error"})", "application/json");
    });

    if (port == 0) {
        port = server.bind_to_any_port("127.0.0.1");
        if (port <= 0) {
            std::cerr << "tscns-test-sms-gateway: cannot listen on 127.0.0.1\n";
            return 3;
        }
    } else if (!server.bind_to_port("127.0.0.1", port)) {
        std::cerr << "tscns-test-sms-gateway: cannot listen on 127.0.0.1:" << port << "\n";
        return 3;
    }
    gServer = &server;
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::cout << "listening " << port << std::endl;
    server.listen_after_bind();
    gServer = nullptr;
    return 0;
}
