// SPDX-License-Identifier: LGPL-2.1-or-later
// PC/SC access through PCSC-lite: readers, cards, transactions (every APDU passes through one),
// and card/reader events.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/reader/pin_pad.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tscns::reader {

struct ReaderInfo {
    std::string name;
    bool cardPresent = false;
    bool inUse = false; ///< another application has the card open (shared)
    bool exclusive = false; ///< another application holds it exclusively
    bool mute = false; ///< a card is there but does not answer
    Bytes atr; ///< empty without a card
};

enum class EventKind { ReaderAdded, ReaderRemoved, CardInserted, CardRemoved };
const char* eventKindName(EventKind kind) noexcept;

struct Event {
    EventKind kind;
    std::string reader;
    Bytes atr; ///< CardInserted only
};

class Transaction;

/// A connection to the card in one reader (shared mode, T=1 or T=0). The Context that made it
/// must outlive it.
class Card final : public ControlPort {
public:
    ~Card() override;
    Card(const Card&) = delete;
    Card& operator=(const Card&) = delete;

    [[nodiscard]] const std::string& readerName() const noexcept { return reader_; }
    [[nodiscard]] const Bytes& atr() const noexcept { return atr_; }
    /// How many times a reset by another application was seen (and the card reconnected):
    /// callers that keep card state (verified PIN, selected file) compare it to know it is gone.
    [[nodiscard]] unsigned resetCount() const noexcept { return resets_; }
    /// Begins a PC/SC transaction (exclusive use of the card for its lifetime). After a reset by
    /// another application the card is reconnected once and the transaction begun again.
    /// Throws Error(CardRemoved / CardAbsent / NoService / Transport).
    [[nodiscard]] Transaction beginTransaction();

    /// SCardControl on this connection. Throws Error from the PC/SC table when it fails.
    Bytes control(std::uint32_t code, ByteView input) override;
    /// The reader's part 10 features, asked once (CM_IOCTL_GET_FEATURE_REQUEST); none when the
    /// reader or its driver does not answer the request.
    const ReaderFeatures& features();

private:
    friend class Context;
    friend class Transaction;
    Card(std::intptr_t context, std::intptr_t handle, std::uint32_t protocol, std::string reader,
        Bytes atr);
    void reconnect();
    /// After a failed exchange: true when the card has left the reader (waits briefly, since the
    /// reader driver may notice the removal a little after the failure).
    bool cardWasRemoved() const noexcept;

    std::intptr_t context_;
    std::intptr_t handle_;
    std::uint32_t protocol_;
    std::string reader_;
    Bytes atr_;
    unsigned resets_ = 0;
    std::optional<ReaderFeatures> features_;
};

/// The one way to send APDUs: a PC/SC transaction, ended on destruction (RAII).
class Transaction final : public apdu::CardChannel {
public:
    ~Transaction() override;
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    /// Raw exchange: status words are returned, not interpreted (wrap in GetResponseChannel for
    /// 61xx/6Cxx handling). Throws Error(CardRemoved, CardReset, Transport, ...).
    apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override;

    /// How many APDUs went through this transaction.
    [[nodiscard]] unsigned apduCount() const noexcept { return count_; }

    /// Ends the transaction with a card reset (SCardEndTransaction(SCARD_RESET_CARD)) instead of
    /// leaving the card as it is, so that no verified PIN outlives the transaction (cns-auth.md
    /// §3.6: "PIN every time"). Other applications see the reset (SCARD_W_RESET_CARD).
    void resetCardOnEnd() noexcept { reset_ = true; }
    /// Ends the transaction now with a card reset (SCardEndTransaction(SCARD_RESET_CARD)). A card
    /// that has left the reader took its state with it: that counts as done. Any other failure
    /// throws (Errc from the PC/SC table): the caller must not assume the PIN is gone. The
    /// transaction is over afterwards, whatever happened.
    void endWithReset();

private:
    friend class Card;
    explicit Transaction(Card& card)
        : card_(&card)
    {
    }
    Card* card_;
    unsigned count_ = 0;
    bool reset_ = false;
};

/// A PC/SC context. Not thread-safe, except cancel(), which may be called from any thread.
class Context {
public:
    /// Throws Error(NoService) when pcscd is not reachable.
    Context();
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    /// Reader names; empty when there are none.
    [[nodiscard]] std::vector<std::string> listReaders() const;
    /// Readers with their current state (card present, ATR, in use).
    [[nodiscard]] std::vector<ReaderInfo> readers() const;
    /// Connects to the card in `reader` in shared mode.
    /// Throws Error(NoReader) for an unknown reader, Error(CardAbsent) without a card.
    [[nodiscard]] std::unique_ptr<Card> connect(const std::string& reader) const;

    /// Waits until readers appear or disappear or cards are inserted or removed, and returns what
    /// changed since the previous call (the first call reports the cards already present as
    /// CardInserted and all readers as ReaderAdded). Returns an empty list on timeout or cancel().
    /// A negative timeout waits forever.
    std::vector<Event> waitForEvents(std::chrono::milliseconds timeout);
    /// Wakes a waitForEvents() blocked in another thread.
    void cancel() noexcept;

private:
    std::intptr_t context_;
    bool primed_ = false;
    std::map<std::string, std::uint32_t> known_; ///< reader → last event state
};

} // namespace tscns::reader
