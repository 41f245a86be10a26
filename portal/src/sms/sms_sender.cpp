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

    /// How long a timeout is, for messages: "300 ms", "5 s".
    std::string durationText(std::chrono::milliseconds d)
    {
        return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s"
                                     : std::to_string(d.count()) + " ms";
    }

    class HttpGatewaySender final : public SmsSender {
    public:
        explicit HttpGatewaySender(HttpGatewayOptions o)
            : o_(std::move(o))
        {
            const auto scheme = o_.url.find("://");
            const std::string name = scheme == std::string::npos ? "" : o_.url.substr(0, scheme);
            if ((name != "http" && name != "https") || o_.url.size() == scheme + 3)
                throw Error(
                    Errc::BadArgument, "SMS gateway URL must be http(s)://host[:port]/path");
            const auto slash = o_.url.find_first_of("/?", scheme + 3);
            base_ = o_.url.substr(0, slash);
            path_ = slash == std::string::npos ? "/" : o_.url.substr(slash);
            if (path_.front() == '?') path_.insert(0, "/");
            // For messages: never the query, which may carry a key.
            where_ = base_ + path_.substr(0, path_.find('?'));
            if (o_.attempts < 1) o_.attempts = 1;
            if (o_.timeout < std::chrono::milliseconds(1))
                o_.timeout = std::chrono::milliseconds(1);
        }

        void send(const SmsMessage& m) override
        {
            const std::string body
                = nlohmann::json { { "to", m.to }, { "text", m.text }, { "kind", m.kind } }.dump();
            httplib::Headers headers;
            if (!o_.bearerToken.empty())
                headers.emplace("Authorization", "Bearer " + o_.bearerToken);
            const auto secs = std::chrono::duration_cast<std::chrono::seconds>(o_.timeout);
            const auto usecs
                = std::chrono::duration_cast<std::chrono::microseconds>(o_.timeout - secs);
            std::string last;
            auto wait = o_.backoff;
            int attempt = 1;
            for (;; ++attempt) {
                httplib::Client client(base_);
                client.set_connection_timeout(secs.count(), usecs.count());
                client.set_read_timeout(secs.count(), usecs.count());
                client.set_write_timeout(secs.count(), usecs.count());
                const auto res = client.Post(path_, headers, body, "application/json");
                bool retry = true;
                if (!res) {
                    const auto e = res.error();
                    last = e == httplib::Error::Connection ? "cannot connect"
                        : e == httplib::Error::Read ? "no answer within " + durationText(o_.timeout)
                                                    : "no answer (" + httplib::to_string(e) + ")";
                } else {
                    if (res->status >= 200 && res->status < 300) return;
                    last = "HTTP " + std::to_string(res->status);
                    // Only a server error may be gone at the next try; any other answer is final.
                    retry = res->status >= 500;
                }
                if (!retry || attempt >= o_.attempts) break;
                std::this_thread::sleep_for(wait);
                wait *= 2;
            }
            throw Error(Errc::Transport,
                "SMS gateway " + where_ + ": " + last + " ("
                    + (attempt == 1 ? std::string("1 try") : std::to_string(attempt) + " tries")
                    + ")");
        }

    private:
        HttpGatewayOptions o_;
        std::string base_;
        std::string path_;
        std::string where_;
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
