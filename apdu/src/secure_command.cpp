// SPDX-License-Identifier: LGPL-2.1-or-later
// Wiping helpers for PIN-bearing commands.
#include "tscns/apdu/secure_command.hpp"

namespace tscns::apdu {

void wipe(CommandApdu& command) noexcept
{
    // Growing to the capacity never reallocates and makes every byte that may hold a secret part of
    // the vector, so the wipe stays within defined behaviour.
    command.data.resize(command.data.capacity());
    secureWipe(command.data.data(), command.data.size());
    command.data.clear();
}

SecureBytes encodeSecure(const CommandApdu& command)
{
    Bytes plain = command.encode();
    try {
        SecureBytes out(plain, plain.size());
        secureWipe(plain.data(), plain.capacity());
        return out;
    } catch (...) {
        secureWipe(plain.data(), plain.capacity());
        throw;
    }
}

} // namespace tscns::apdu
