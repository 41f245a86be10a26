// SPDX-License-Identifier: LGPL-2.1-or-later
// The core's seam to the card (docs/development.md §1: the core depends on an interface; only main
// builds the PC/SC one). A CardService reports presence from memory and opens card sessions;
// a CardSession is one exclusive use of one card (a PC/SC transaction).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/cns_connection.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tscns::daemon {

/// What the daemon knows about readers and cards without talking to a card.
struct Presence {
    bool serviceAvailable = true; ///< pcscd reachable
    std::size_t readers = 0;
    bool cardPresent = false; ///< a card in the reader the daemon would use
    /// Changes whenever a card is inserted or removed (or a reader comes or goes): while it stays
    /// the same, so does the card, and what was read from it may be reused.
    std::uint64_t generation = 0;
};

class CardSession {
public:
    virtual ~CardSession() = default; ///< ends the session; after verifyPin(), with a card reset
    CardSession() = default;
    CardSession(const CardSession&) = delete;
    CardSession& operator=(const CardSession&) = delete;

    /// EF_IDCarta (16 digits), read by the identification probe when the session was opened.
    [[nodiscard]] virtual const std::string& cardId() const = 0;
    /// The DER authentication certificate (read on first use).
    virtual const Bytes& certificate() = 0;
    /// The PIN state as the card tells it (an empty VERIFY: no try is spent).
    virtual cns::PinStatus pinStatus() = 0;
    /// VERIFY with the user PIN, once. From then on the session ends with a card reset, so no
    /// verified PIN outlives it (cns-auth.md §3.6). Throws Error(PinIncorrect) with retries(),
    /// Error(PinLocked), Error(PinLength).
    virtual void verifyPin(const SecureBytes& pin) = 0;
    /// The raw RSA private-key operation with the authentication key over a modulus-sized block.
    /// Only the core's own EMSA-PKCS1-v1_5 block of the signed message ever gets here.
    virtual Bytes rsaRaw(ByteView block) = 0;
    /// Ends the session. After verifyPin() the card is reset, and a reset that fails throws
    /// Error(Transport): the operation must then fail, since a verified PIN may remain. Without
    /// finish() (an error on its way) the destructor still resets, silently.
    virtual void finish() = 0;
};

class CardService {
public:
    virtual ~CardService() = default;
    CardService() = default;
    CardService(const CardService&) = delete;
    CardService& operator=(const CardService&) = delete;

    /// From memory (a background event watch): never sends an APDU. Thread-safe.
    [[nodiscard]] virtual Presence presence() const = 0;
    /// Opens the card the daemon uses and identifies it as a CNS by probing (cns-card.md §8).
    /// Called on the card worker thread only. Throws Error(NoService, NoReader, CardAbsent,
    /// NotCnsCard, Transport, ...).
    virtual std::unique_ptr<CardSession> open() = 0;
};

/// A CardSession over any card link (PC/SC, an in-process virtual card) through the shared
/// card-access layer (cns::CnsConnection): identification and layout discovery in the
/// constructor, one transaction for the session, and the reset after a PIN (PinRule::
/// ResetAfterPin).
class CnsCardSession final : public CardSession {
public:
    explicit CnsCardSession(std::unique_ptr<cns::CardLink> link);

    [[nodiscard]] const std::string& cardId() const override { return cardId_; }
    const Bytes& certificate() override;
    cns::PinStatus pinStatus() override;
    void verifyPin(const SecureBytes& pin) override;
    Bytes rsaRaw(ByteView block) override;
    void finish() override;

private:
    std::unique_ptr<cns::CnsConnection> connection_;
    std::optional<cns::CnsConnection::Use> use_;
    std::string cardId_;
    Bytes certificate_;
};

} // namespace tscns::daemon
