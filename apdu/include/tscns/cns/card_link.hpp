// SPDX-License-Identifier: LGPL-2.1-or-later
// CardLink: what the card-access layer needs of a connection to one card (PC/SC in production,
// an in-process virtual card or a fake in tests). Every APDU passes through a LinkTransaction.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/cns/pin_pad.hpp"

#include <memory>

namespace tscns::cns {

/// One exclusive use of the card (a PC/SC transaction), ended when destroyed.
class LinkTransaction : public apdu::CardChannel {
public:
    /// Ends the transaction with a card reset, so that no verified PIN stays on the card. The
    /// transaction is over afterwards. Throws Error(Transport / CardRemoved ...) when the reset
    /// cannot be done: the caller must then report that a verified PIN may remain.
    virtual void endWithReset() = 0;
    /// The reader's PIN pad for this transaction; nullptr (the default) without one.
    [[nodiscard]] virtual PinPad* pinPad() noexcept { return nullptr; }
};

class CardLink {
public:
    virtual ~CardLink() = default;
    CardLink(const CardLink&) = delete;
    CardLink& operator=(const CardLink&) = delete;

    [[nodiscard]] virtual const Bytes& atr() const = 0;
    /// Grows each time another application reset the card: its security state is gone then.
    [[nodiscard]] virtual unsigned resetCount() const = 0;
    /// Begins a transaction. Throws Error(CardRemoved / CardAbsent / NoService / Transport).
    [[nodiscard]] virtual std::unique_ptr<LinkTransaction> beginTransaction() = 0;
    /// True when the reader has a PIN pad that can send the VERIFY (PC/SC
    /// FEATURE_VERIFY_PIN_DIRECT). False (the default) for every other link.
    [[nodiscard]] virtual bool hasPinPad() const { return false; }

protected:
    CardLink() = default;
};

} // namespace tscns::cns
