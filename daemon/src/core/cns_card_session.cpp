// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsCardSession: the shared card-access layer behind the CardSession interface.
#include "core/card_service.hpp"

namespace tscns::daemon {

CnsCardSession::CnsCardSession(std::unique_ptr<cns::CardLink> link)
    : connection_(std::make_unique<cns::CnsConnection>(std::move(link)))
{
    cardId_ = connection_->identification().cardId.digits;
    use_.emplace(connection_->begin(cns::PinRule::ResetAfterPin));
}

const Bytes& CnsCardSession::certificate()
{
    if (certificate_.empty()) certificate_ = use_->card().readCertificate();
    return certificate_;
}

cns::PinStatus CnsCardSession::pinStatus()
{
    return use_->card().pinStatus();
}

void CnsCardSession::verifyPin(const SecureBytes& pin)
{
    // Even a failed VERIFY ends with a reset (the Use saw a PIN go out): the state is then known.
    use_->card().verifyPin(pin);
}

Bytes CnsCardSession::rsaRaw(ByteView block)
{
    return use_->card().rsaRaw(block);
}

void CnsCardSession::finish()
{
    if (use_) use_->finish();
}

} // namespace tscns::daemon
