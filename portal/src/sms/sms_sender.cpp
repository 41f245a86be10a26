// SPDX-License-Identifier: LGPL-2.1-or-later
// The outbox and the HTTP gateway adapter (cpp-httplib client).
#include "sms/sms_sender.hpp"

#include "tscns/apdu/error.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace tscns::portal {

namespace {
    class OutboxSender final : public SmsSender {
    public:
        explicit OutboxSender(PortalStore& store)
            : store_(store)
        {
        }
        void send(const SmsMessage& m) override
        {
            store_.outboxAdd({ m.to, m.kind, m.text, m.code, 0 });
        }

    private:
        PortalStore& store_;
    };

    class HttpGatewaySender final : public SmsSender {
    public:
        explicit HttpGatewaySender(HttpGatewayOptions o)
            : o_(std::move(o))
        {
            const auto scheme = o_.url.find("://");
            if (scheme == std::string::npos
                || (o_.url.compare(0, scheme, "http") != 0
                    && o_.url.compare(0, scheme, "https") != 0))
                throw Error(
                    Errc::BadArgument, "SMS gateway URL must be http(s)://host[:port]/path");
            const auto slash = o_.url.find('/', scheme + 3);
            base_ = o_.url.substr(0, slash);
            path_ = slash == std::string::npos ? "/" : o_.url.substr(slash);
            if (o_.attempts < 1) o_.attempts = 1;
        }

        void send(const SmsMessage& m) override
        {
            const std::string body
                = nlohmann::json { { "to", m.to }, { "text", m.text }, { "kind", m.kind } }.dump();
            httplib::Headers headers;
            if (!o_.bearerToken.empty())
                headers.emplace("Authorization", "Bearer " + o_.bearerToken);
            std::string last;
            auto wait = o_.backoff;
            for (int attempt = 1; attempt <= o_.attempts; ++attempt) {
                if (attempt > 1) {
                    std::this_thread::sleep_for(wait);
                    wait *= 2;
                }
                httplib::Client client(base_);
                const auto secs = std::chrono::duration_cast<std::chrono::seconds>(o_.timeout);
                const auto usecs
                    = std::chrono::duration_cast<std::chrono::microseconds>(o_.timeout - secs);
                client.set_connection_timeout(secs.count(), usecs.count());
                client.set_read_timeout(secs.count(), usecs.count());
                client.set_write_timeout(secs.count(), usecs.count());
                const auto res = client.Post(path_, headers, body, "application/json");
                if (!res) {
                    last = "no answer (" + httplib::to_string(res.error()) + ")";
                    continue;
                }
                if (res->status >= 200 && res->status < 300) return;
                last = "HTTP " + std::to_string(res->status);
                if (res->status >= 400 && res->status < 500) break;
            }
            throw Error(Errc::Transport, "SMS gateway " + base_ + path_ + ": " + last);
        }

    private:
        HttpGatewayOptions o_;
        std::string base_;
        std::string path_;
    };
} // namespace

std::unique_ptr<SmsSender> makeOutboxSender(PortalStore& store)
{
    return std::make_unique<OutboxSender>(store);
}

std::unique_ptr<SmsSender> makeHttpGatewaySender(HttpGatewayOptions options)
{
    return std::make_unique<HttpGatewaySender>(std::move(options));
}

} // namespace tscns::portal
