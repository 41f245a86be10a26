// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsCardSession: CnsCard behind the CardSession interface.
#include "core/card_service.hpp"

namespace tscns::daemon {

CnsCardSession::CnsCardSession(
    apdu::CardChannel& channel, ByteView atr, std::function<void()> resetOnEnd)
    : resetOnEnd_(std::move(resetOnEnd))
{
    // The probe reads EF_IDCarta: the ATR is only a hint (cns-card.md §8).
    const cns::Identification id = cns::CnsCard::identify(channel, atr);
    cardId_ = id.cardId.digits;
    card_ = std::make_unique<cns::CnsCard>(channel, id.profile);
}

CnsCardSession::~CnsCardSession()
{
    if (pinSent_ && resetOnEnd_) {
        try {
            resetOnEnd_();
        } catch (...) {
            // Destructors never throw (house-style §3); the reset callbacks do not either.
        }
    }
}

const Bytes& CnsCardSession::certificate()
{
    if (certificate_.empty()) certificate_ = card_->readCertificate();
    return certificate_;
}

cns::PinStatus CnsCardSession::pinStatus()
{
    return card_->pinStatus();
}

void CnsCardSession::verifyPin(const SecureBytes& pin)
{
    pinSent_ = true; // even a failed VERIFY ends with a reset: the state is then known
    card_->verifyPin(pin);
}

Bytes CnsCardSession::rsaRaw(ByteView block)
{
    return card_->rsaRaw(block);
}

} // namespace tscns::daemon
