// SPDX-License-Identifier: LGPL-2.1-or-later
// PinPad: the optional seam through which a PIN is typed on the reader (a PC/SC reader with
// FEATURE_VERIFY_PIN_DIRECT, or a test fake) instead of passing through the host.
#pragma once

#include "tscns/apdu/status_word.hpp"

#include <cstddef>
#include <cstdint>

namespace tscns::cns {

/// What the pad needs to build the same VERIFY as cns::verify(): `00 20 00 reference 08` and an
/// 8-byte block of ASCII digits padded with FF.
struct PadVerifyRequest {
    std::uint8_t reference = 0; ///< P2, as Profile::pinP2()
    std::size_t minDigits = 5;
    std::size_t maxDigits = 8;
};

/// Status words of the pad itself (PC/SC part 10), not of the card.
namespace pad_sw {
    inline constexpr apdu::StatusWord kTimeout { 0x6400 }; ///< nothing typed in time
    inline constexpr apdu::StatusWord kCancelled { 0x6401 }; ///< the user pressed Cancel
    inline constexpr apdu::StatusWord kBadParameter { 0x6B80 }; ///< the reader refused the request
} // namespace pad_sw

class PinPad {
public:
    virtual ~PinPad() = default;
    PinPad(const PinPad&) = delete;
    PinPad& operator=(const PinPad&) = delete;

    /// The user types the PIN on the reader, which sends the VERIFY to the card. Returns the
    /// card's status word (9000, 63Cx, 6983, ...) or the pad's (pad_sw). One call sends at most
    /// one VERIFY: callers never repeat it. Throws transport errors (Transport, CardRemoved...).
    virtual apdu::StatusWord verifyOnPad(const PadVerifyRequest& request) = 0;

protected:
    PinPad() = default;
};

} // namespace tscns::cns
