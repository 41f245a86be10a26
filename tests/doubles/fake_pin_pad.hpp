// SPDX-License-Identifier: LGPL-2.1-or-later
// FakePinPad: a cns::PinPad that plays a PIN-pad reader. The "user" types `typed` (or the pad
// answers timeout/cancel by itself); the VERIFY the pad builds goes through a CardChannel (a
// ScriptedChannel, a virtual card), so tests see the exact APDU that reached the card.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/cns/pin_pad.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace tscns::test {

/// What the fake reader does on the next requests; shared by the tests and the pads they create.
struct PadScript {
    std::string typed = "12345"; ///< the digits the user types
    /// When set, the pad answers this itself (6400, 6401, 6B80) and sends nothing to the card.
    std::optional<apdu::StatusWord> padAnswer;
    std::size_t calls = 0; ///< verifyOnPad() calls so far
    std::optional<cns::PadVerifyRequest> last; ///< the last request seen
};

class FakePinPad final : public cns::PinPad {
public:
    /// Both must outlive the pad.
    FakePinPad(PadScript& script, apdu::CardChannel& card)
        : script_(script)
        , card_(card)
    {
    }
    /// Counts the call; answers padAnswer, or sends `00 20 00 ref 08 <typed, FF-padded>` (as the
    /// PIN_VERIFY_STRUCTURE of reader::buildVerifyStructure makes a reader do) and returns the
    /// card's status word. Typed digits outside minDigits..maxDigits: 6B80 (nothing sent).
    apdu::StatusWord verifyOnPad(const cns::PadVerifyRequest& request) override;

private:
    PadScript& script_;
    apdu::CardChannel& card_;
};

} // namespace tscns::test
