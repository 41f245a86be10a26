// SPDX-License-Identifier: LGPL-2.1-or-later
// PIN-pad readers through PC/SC part 10: the reader's feature list (CM_IOCTL_GET_FEATURE_REQUEST)
// and the VERIFY typed on the pad (FEATURE_VERIFY_PIN_DIRECT with a PIN_VERIFY_STRUCTURE). The
// control calls go through ControlPort, so that tests can play the reader.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/cns/pin_pad.hpp"

#include <cstdint>
#include <optional>

namespace tscns::reader {

/// The control codes a reader announces for the features tscns knows (PC/SC part 10 tags).
struct ReaderFeatures {
    std::optional<std::uint32_t> verifyPinDirect; ///< FEATURE_VERIFY_PIN_DIRECT (06)
    std::optional<std::uint32_t> modifyPinDirect; ///< FEATURE_MODIFY_PIN_DIRECT (07)
    std::optional<std::uint32_t> ifdPinProperties; ///< FEATURE_IFD_PIN_PROPERTIES (0A)
    std::optional<std::uint32_t> getTlvProperties; ///< FEATURE_GET_TLV_PROPERTIES (12)
};

/// Reads the answer to CM_IOCTL_GET_FEATURE_REQUEST: entries of tag (1 byte), length (1 byte)
/// and a big-endian control code. An entry whose length is not 4 is skipped; a truncated last
/// entry and trailing bytes are ignored; the first entry of a tag counts. Never throws.
[[nodiscard]] ReaderFeatures parseFeatures(ByteView answer) noexcept;

/// The PIN_VERIFY_STRUCTURE (pcsc-lite's reader.h) that makes the pad send the VERIFY of
/// cns::verify(): `00 20 00 reference 08`, the digits typed in ASCII from the first data byte,
/// left-justified in an 8-byte block pre-filled with FF, minDigits..maxDigits digits, validated by
/// the OK key. Holds no PIN. Throws Error(BadArgument) for digit limits outside 1..8.
[[nodiscard]] Bytes buildVerifyStructure(const cns::PadVerifyRequest& request);

/// SCardControl on one connection (the PC/SC card, or a test fake).
class ControlPort {
public:
    virtual ~ControlPort() = default;
    ControlPort(const ControlPort&) = delete;
    ControlPort& operator=(const ControlPort&) = delete;
    /// Sends `input` with control code `code`; returns the reader's answer. Throws Error
    /// (Transport, CardRemoved, Unsupported...) when the call fails.
    virtual Bytes control(std::uint32_t code, ByteView input) = 0;

protected:
    ControlPort() = default;
};

/// Asks the reader for its features. A reader that refuses or fails the request has none.
[[nodiscard]] ReaderFeatures queryFeatures(ControlPort& port) noexcept;

/// A cns::PinPad over a ControlPort whose reader announced FEATURE_VERIFY_PIN_DIRECT.
class ControlPinPad final : public cns::PinPad {
public:
    ControlPinPad(ControlPort& port, std::uint32_t verifyCode)
        : port_(port)
        , verifyCode_(verifyCode)
    {
    }
    /// One control call with the PIN_VERIFY_STRUCTURE; the status word is the last two bytes of
    /// the answer. Throws Error(Transport) for an answer shorter than two bytes.
    apdu::StatusWord verifyOnPad(const cns::PadVerifyRequest& request) override;

private:
    ControlPort& port_;
    std::uint32_t verifyCode_;
};

} // namespace tscns::reader
