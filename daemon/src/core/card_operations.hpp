// SPDX-License-Identifier: LGPL-2.1-or-later
// The card work of cns-auth.md §3.6, run on the card worker thread: authenticate (card check,
// consent + PIN, VERIFY once, raw RSA over the host-built PKCS#1 block of the signed message)
// and identity (consent, then the certificate).
#pragma once

#include "core/card_service.hpp"
#include "core/config.hpp"
#include "core/dialog_text.hpp"
#include "core/operation_control.hpp"
#include "core/request_checks.hpp"
#include "core/user_interface.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace tscns::daemon {

/// What was read from the card last, valid while the card stays in the reader (same
/// Presence::generation). Lets /v1/identity answer from memory. Thread-safe.
class CardCache {
public:
    struct Entry {
        std::uint64_t generation = 0;
        std::string cardId;
        Bytes certificate;
    };
    void store(Entry entry);
    /// The entry when `presence` still shows the card it was read from.
    [[nodiscard]] std::optional<Entry> lookup(const Presence& presence) const;
    void clear();

private:
    mutable std::mutex mutex_;
    std::optional<Entry> entry_;
};

/// Everything an operation needs; the references outlive it.
struct OperationEnv {
    CardService& cards;
    UserInterface& ui;
    OperationControl& control;
    CardCache& cache;
    const Config& config;
    std::uint64_t generation; ///< Presence::generation when the request was accepted
    std::function<std::chrono::system_clock::time_point()> wallClock; ///< certificate expiry
    std::function<std::chrono::steady_clock::time_point()> steadyClock; ///< dialog deadline
};

/// The JSON answer of a successful operation.
struct OperationResult {
    std::string body;
};

/// POST /v1/authenticate after the request checks: {"token": {...}} plus, when the certificate
/// has expired by the local clock, "warnings": [{"code": "CERT_EXPIRED_LOCAL", "message"}].
/// Throws DaemonError / Error (mapped by http_error.cpp).
OperationResult runAuthenticate(
    const OperationEnv& env, const std::string& origin, const AuthenticateBody& request);

/// POST /v1/identity after the request checks: {"certificate": base64 DER} (+ warnings), after
/// the user's consent. Uses the cache when the same card is still inserted (no APDUs then).
OperationResult runIdentity(
    const OperationEnv& env, const std::string& origin, const IdentityBody& request);

/// 5-8 ASCII digits (cns-card.md §5); checked before the PIN reaches the card.
[[nodiscard]] bool pinFormatValid(const SecureBytes& pin) noexcept;

} // namespace tscns::daemon
