// SPDX-License-Identifier: LGPL-2.1-or-later
// How the portal sends SMS: the outbox (demo, tests) or an HTTP gateway.
#pragma once

#include "store/portal_store.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace tscns::portal {

struct SmsMessage {
    std::string to; ///< the mobile number as registered
    std::string kind; ///< provisional-password, otp, notification
    std::string text;
    std::string code; ///< the code or password half it carries ("" for notifications)
};

class SmsSender {
public:
    virtual ~SmsSender() = default;
    /// Sends or queues the message. Throws Error(Transport) when it could not be delivered.
    virtual void send(const SmsMessage& message) = 0;
};

/// Writes every message to the sms_outbox table (`tscns-portal sms list` reads it).
std::unique_ptr<SmsSender> makeOutboxSender(PortalStore& store);

struct HttpGatewayOptions {
    std::string url; ///< http(s)://host[:port]/path; the message is POSTed there as JSON
    std::string bearerToken; ///< sent as Authorization: Bearer when not empty
    std::chrono::milliseconds timeout { 5000 }; ///< connect and read timeout, each attempt
    int attempts = 3; ///< tries before giving up (5xx, timeouts and connection errors retry)
    std::chrono::milliseconds backoff { 200 }; ///< before the second try; doubles after
};

/// POSTs `{"to", "text", "kind"}` (Content-Type: application/json) and expects a 2xx answer; a
/// 4xx answer is final (no retry). The message text never reaches a log.
std::unique_ptr<SmsSender> makeHttpGatewaySender(HttpGatewayOptions options);

} // namespace tscns::portal
