// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_command_apdu: CommandApdu::decode on arbitrary bytes (what the virtual card and vpcd
// hand us); a decoded command must encode, and decoding that encoding must give it back.
#include "fuzz_support.hpp"

#include "tscns/apdu/command_apdu.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using tscns::apdu::CommandApdu;
    tscns::fuzz::refusalsAllowed([&] {
        const CommandApdu c = CommandApdu::decode({ data, size });
        const tscns::Bytes encoded = c.encode();
        if (!(CommandApdu::decode(encoded) == c)) __builtin_trap();
        (void)c.needsExtended();
        (void)c.isChained();
    });
    return 0;
}
