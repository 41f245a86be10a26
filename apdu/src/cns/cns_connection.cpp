// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsConnection and its uses.
#include "tscns/cns/cns_connection.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::cns {

CnsConnection::CnsConnection(std::unique_ptr<CardLink> link)
    : link_(std::move(link))
{
    auto tx = link_->beginTransaction();
    id_ = CnsCard::identify(*tx, link_->atr());
}

CnsConnection::Use::Use(CnsConnection& owner, PinRule rule)
    : owner_(&owner)
    , rule_(rule)
    , tx_(owner.link_->beginTransaction())
{
    card_.emplace(*tx_, owner.id_.profile, tx_->pinPad());
}

CnsConnection::Use::~Use()
{
    if (!tx_) return;
    owner_->id_.profile = card_->profile();
    if (rule_ == PinRule::ResetAfterPin && card_->pinSent()) {
        try {
            tx_->endWithReset();
        } catch (...) {
            // Destructors never throw; the error already on its way is the one reported.
        }
    }
}

void CnsConnection::Use::finish()
{
    if (!tx_) return;
    owner_->id_.profile = card_->profile();
    const bool reset = rule_ == PinRule::ResetAfterPin && card_->pinSent();
    card_.reset();
    auto tx = std::move(tx_);
    if (!reset) return;
    try {
        tx->endWithReset();
    } catch (const Error& e) {
        throw Error(Errc::Transport,
            "the card could not be reset after the PIN was sent, so a verified PIN may remain "
            "on it; remove the card ("
                + e.message() + ")");
    }
}

CnsConnection::Use CnsConnection::begin(PinRule rule)
{
    return Use(*this, rule);
}

void CnsConnection::resetCard()
{
    auto tx = link_->beginTransaction();
    try {
        tx->endWithReset();
    } catch (const Error& e) {
        throw Error(Errc::Transport,
            "the card could not be reset, so a verified PIN may remain on it; remove the card ("
                + e.message() + ")");
    }
}

} // namespace tscns::cns
