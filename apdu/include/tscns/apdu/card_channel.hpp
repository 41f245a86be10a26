// SPDX-License-Identifier: LGPL-2.1-or-later
// CardChannel: the one seam through which every APDU passes (PC/SC, virtual card, scripts).
#pragma once

#include "tscns/apdu/command_apdu.hpp"
#include "tscns/apdu/response_apdu.hpp"

namespace tscns::apdu {

class CardChannel {
public:
    virtual ~CardChannel() = default;
    /// Sends one command and returns the card's answer as is (no status word interpretation).
    /// Throws tscns::Error for transport failures only (Transport, CardRemoved, CardReset, ...).
    virtual ResponseApdu transmit(const CommandApdu& command) = 0;

protected:
    CardChannel() = default;
    CardChannel(const CardChannel&) = default;
    CardChannel& operator=(const CardChannel&) = default;
    CardChannel(CardChannel&&) = default;
    CardChannel& operator=(CardChannel&&) = default;
};

} // namespace tscns::apdu
