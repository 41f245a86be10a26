// SPDX-License-Identifier: LGPL-2.1-or-later
// PC/SC part 10 for PIN-pad readers: the feature list and the PIN_VERIFY_STRUCTURE of the CNS
// VERIFY.
#include "tscns/reader/pin_pad.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/commands.hpp"

#include <winscard.h>
// After winscard.h: reader.h uses its types.
#include <reader.h>

#include <cstddef>
#include <cstring>

namespace tscns::reader {

namespace {
    // PIN_VERIFY_STRUCTURE format bytes (CCID §6.1.11, PC/SC part 10 §2.5.2).
    constexpr std::uint8_t kUnitsBytes = 0x80; ///< bmFormatString bit 7: positions in bytes
    constexpr std::uint8_t kAscii = 0x02; ///< bmFormatString bits 1-0: ASCII digits
    constexpr std::uint8_t kValidateKey = 0x02; ///< bEntryValidationCondition: the OK key
    constexpr std::uint16_t kLangItalian = 0x0410;
    constexpr std::uint8_t kTimeoutSeconds = 30; ///< bTimerOut; 0 would be the reader's default
} // namespace

ReaderFeatures parseFeatures(ByteView answer) noexcept
{
    ReaderFeatures out;
    std::size_t pos = 0;
    while (answer.size() - pos >= 2) {
        const std::uint8_t tag = answer[pos];
        const std::size_t length = answer[pos + 1];
        pos += 2;
        if (answer.size() - pos < length) break; // truncated entry: the rest is unusable
        const std::size_t at = pos;
        pos += length;
        if (length != 4) continue; // a control code is 4 bytes: anything else is not one
        const std::uint32_t code = (std::uint32_t { answer[at] } << 24)
            | (std::uint32_t { answer[at + 1] } << 16) | (std::uint32_t { answer[at + 2] } << 8)
            | std::uint32_t { answer[at + 3] };
        std::optional<std::uint32_t>* slot = nullptr;
        switch (tag) {
        case FEATURE_VERIFY_PIN_DIRECT:
            slot = &out.verifyPinDirect;
            break;
        case FEATURE_MODIFY_PIN_DIRECT:
            slot = &out.modifyPinDirect;
            break;
        case FEATURE_IFD_PIN_PROPERTIES:
            slot = &out.ifdPinProperties;
            break;
        case FEATURE_GET_TLV_PROPERTIES:
            slot = &out.getTlvProperties;
            break;
        default:
            break;
        }
        if (slot != nullptr && !slot->has_value()) *slot = code;
    }
    return out;
}

Bytes buildVerifyStructure(const cns::PadVerifyRequest& request)
{
    if (request.minDigits < 1 || request.maxDigits > cns::kPinBlockSize
        || request.minDigits > request.maxDigits)
        throw Error(Errc::BadArgument, "PIN pad: PIN length limits out of range");
    // The APDU the pad completes: the header and Lc of cns::verify(), then the PIN block
    // pre-filled with the padding byte; the pad writes the digits from its first byte.
    Bytes apdu = cns::verifyQuery(request.reference).encode();
    apdu.push_back(static_cast<std::uint8_t>(cns::kPinBlockSize));
    apdu.insert(apdu.end(), cns::kPinBlockSize, cns::kPinPadding);

    PIN_VERIFY_STRUCTURE v;
    std::memset(&v, 0, sizeof v);
    v.bTimerOut = kTimeoutSeconds;
    v.bTimerOut2 = 0;
    v.bmFormatString = kUnitsBytes | (0 << 3) | kAscii; // PIN at data byte 0, left-justified
    v.bmPINBlockString = static_cast<std::uint8_t>(cns::kPinBlockSize); // no length field
    v.bmPINLengthFormat = 0;
    v.wPINMaxExtraDigit = static_cast<std::uint16_t>((request.minDigits << 8) | request.maxDigits);
    v.bEntryValidationCondition = kValidateKey;
    v.bNumberMessage = 1;
    v.wLangId = kLangItalian;
    v.bMsgIndex = 0;
    v.ulDataLength = static_cast<std::uint32_t>(apdu.size());

    constexpr std::size_t head = offsetof(PIN_VERIFY_STRUCTURE, abData);
    Bytes out(head + apdu.size());
    std::memcpy(out.data(), &v, head);
    std::memcpy(out.data() + head, apdu.data(), apdu.size());
    return out;
}

ReaderFeatures queryFeatures(ControlPort& port) noexcept
{
    try {
        return parseFeatures(ByteView(port.control(CM_IOCTL_GET_FEATURE_REQUEST, ByteView())));
    } catch (...) {
        return {}; // a reader (or driver) without part 10 support: no features
    }
}

apdu::StatusWord ControlPinPad::verifyOnPad(const cns::PadVerifyRequest& request)
{
    const Bytes command = buildVerifyStructure(request);
    const Bytes answer = port_.control(verifyCode_, ByteView(command));
    if (answer.size() < 2)
        throw Error(Errc::Transport,
            "PIN pad: the reader answered " + std::to_string(answer.size())
                + " bytes instead of a status word");
    return apdu::StatusWord(answer[answer.size() - 2], answer[answer.size() - 1]);
}

} // namespace tscns::reader
