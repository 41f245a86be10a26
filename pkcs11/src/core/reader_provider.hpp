// SPDX-License-Identifier: LGPL-2.1-or-later
// ReaderProvider: what the module core needs from the reader layer (PC/SC in the module, virtual
// cards in tests): reader states without card I/O, connections, transactions, and waiting.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/cns/card_link.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tscns::pkcs11 {

/// A reader's state as the resource manager reports it; reading it sends no APDU.
struct ReaderStatus {
    bool present = false;
    Bytes atr; ///< empty without a card
    /// Changes with every insertion and removal (PC/SC: the event counter in the high word of the
    /// reader state). A different value means a different insertion, even of the same card.
    std::uint32_t insertion = 0;
};

class ReaderProvider {
public:
    virtual ~ReaderProvider() = default;
    ReaderProvider(const ReaderProvider&) = delete;
    ReaderProvider& operator=(const ReaderProvider&) = delete;

    /// The readers now (the module reads this once, at C_Initialize: its slot list is fixed).
    [[nodiscard]] virtual std::vector<std::string> readerNames() = 0;
    /// The state of each reader named, in order; a reader that has gone reads as empty.
    [[nodiscard]] virtual std::vector<ReaderStatus> status(const std::vector<std::string>& readers)
        = 0;
    /// Connects to the card in `reader` (the connection keeps the card's security state, a
    /// verified PIN, from one transaction to the next). Throws Error(CardAbsent / NoReader / ...).
    [[nodiscard]] virtual std::unique_ptr<cns::CardLink> connect(const std::string& reader) = 0;

    /// Blocks until the state of one of `readers` may have changed, `timeout` has passed or
    /// cancelWait() is called; spurious returns are allowed. It is called WITHOUT the module lock,
    /// concurrently with the members above, so implementations keep separate state for it.
    /// Never throws.
    virtual void waitForChange(
        const std::vector<std::string>& readers, std::chrono::milliseconds timeout) noexcept = 0;
    /// Wakes a waitForChange() in another thread. Callable from any thread.
    virtual void cancelWait() noexcept = 0;

protected:
    ReaderProvider() = default;
};

} // namespace tscns::pkcs11
