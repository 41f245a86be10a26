// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_response_apdu: ResponseApdu::decode on arbitrary card answers, the status word's
// accessors and the status table; decode(encode(r)) must give r back.
#include "fuzz_support.hpp"

#include "tscns/apdu/response_apdu.hpp"
#include "tscns/apdu/status_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using tscns::apdu::ResponseApdu;
    tscns::fuzz::refusalsAllowed([&] {
        const ResponseApdu r = ResponseApdu::decode({ data, size });
        if (!(ResponseApdu::decode(r.encode()) == r)) __builtin_trap();
        (void)r.sw.pinRetries();
        (void)r.isSuccess();
        (void)tscns::apdu::lookupStatus(r.sw);
        (void)tscns::apdu::statusMessage(r.sw, "fuzz");
        tscns::apdu::throwForStatus(r.sw, "fuzz");
    });
    return 0;
}
