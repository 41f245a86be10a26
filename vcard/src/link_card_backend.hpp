// SPDX-License-Identifier: LGPL-2.1-or-later
// CardBackend: what the vpcd link needs from a card, so that the link is testable with a fake.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <exception>

namespace tscns::vcard {

/// Thrown by CardBackend::process() when the card gives no answer and the connection must be
/// dropped (--mute-at after its give-up time, --pull-at): VpcdLink closes it, which vpcd sees
/// as the card leaving the reader.
class NoAnswer final : public std::exception {
public:
    [[nodiscard]] const char* what() const noexcept override { return "the card gave no answer"; }
};

class CardBackend {
public:
    virtual ~CardBackend() = default;

    /// The ATR. The view stays valid until the next call on this backend.
    virtual ByteView atr() = 0;
    virtual void powerOn() = 0;
    virtual void powerOff() = 0;
    /// Warm reset.
    virtual void reset() = 0;
    /// One raw C-APDU in, one raw R-APDU (data ‖ SW1 SW2) out.
    virtual Bytes process(ByteView command) = 0;

protected:
    CardBackend() = default;
    CardBackend(const CardBackend&) = default;
    CardBackend& operator=(const CardBackend&) = default;
    CardBackend(CardBackend&&) = default;
    CardBackend& operator=(CardBackend&&) = default;
};

} // namespace tscns::vcard
