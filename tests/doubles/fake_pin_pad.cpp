// SPDX-License-Identifier: LGPL-2.1-or-later
// FakePinPad implementation.
#include "fake_pin_pad.hpp"

#include "tscns/apdu/command_apdu.hpp"
#include "tscns/apdu/secure_command.hpp"

namespace tscns::test {

apdu::StatusWord FakePinPad::verifyOnPad(const cns::PadVerifyRequest& request)
{
    ++script_.calls;
    script_.last = request;
    if (script_.padAnswer) return *script_.padAnswer;
    if (script_.typed.size() < request.minDigits || script_.typed.size() > request.maxDigits)
        return cns::pad_sw::kBadParameter;
    apdu::CommandApdu c { 0x00, 0x20, 0x00, request.reference, Bytes(8, 0xFF), std::nullopt };
    for (std::size_t i = 0; i < script_.typed.size(); ++i)
        c.data[i] = static_cast<std::uint8_t>(script_.typed[i]);
    apdu::WipeOnExit guard(c);
    return card_.transmit(c).sw;
}

} // namespace tscns::test
