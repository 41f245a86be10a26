// SPDX-License-Identifier: LGPL-2.1-or-later
// Wiping helpers for command APDUs that carry a PIN or PUK in their data field.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/command_apdu.hpp"

namespace tscns::apdu {

/// Overwrites the data field (whole capacity) with zeros and empties it.
void wipe(CommandApdu& command) noexcept;

/// encode() into a SecureBytes of exactly the encoded size; the temporary is wiped. Use it for
/// PIN-bearing commands so the encoded bytes are wiped too.
[[nodiscard]] SecureBytes encodeSecure(const CommandApdu& command);

/// Wipes a command's data field when the scope ends (also when an exception leaves it):
///     CommandApdu c = cns::verify(ref, pin);
///     WipeOnExit guard(c);
///     channel.transmit(c);
class WipeOnExit {
public:
    explicit WipeOnExit(CommandApdu& command) noexcept
        : command_(command)
    {
    }
    ~WipeOnExit() { wipe(command_); }
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;
    WipeOnExit(WipeOnExit&&) = delete;
    WipeOnExit& operator=(WipeOnExit&&) = delete;

private:
    CommandApdu& command_;
};

} // namespace tscns::apdu
