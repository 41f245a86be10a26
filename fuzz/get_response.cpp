// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_get_response: GetResponseChannel (61xx GET RESPONSE loop, 6Cxx resend) over a channel
// whose answers are length-prefixed chunks of the input. The first chunk is the command sent.
#include "fuzz_support.hpp"

#include "tscns/apdu/get_response_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tscns::fuzz::Input in(data, size);
    tscns::fuzz::refusalsAllowed([&] {
        const auto command = tscns::apdu::CommandApdu::decode(in.chunk());
        tscns::fuzz::StreamChannel inner(in);
        tscns::apdu::GetResponseChannel channel(inner);
        while (!in.empty())
            (void)channel.transmit(command);
    });
    return 0;
}
