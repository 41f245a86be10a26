// SPDX-License-Identifier: LGPL-2.1-or-later
// Response APDU encoding and decoding.
#include "tscns/apdu/response_apdu.hpp"

#include "tscns/apdu/error.hpp"

#include <string>

namespace tscns::apdu {

Bytes ResponseApdu::encode() const
{
    Bytes out;
    out.reserve(data.size() + 2);
    out.insert(out.end(), data.begin(), data.end());
    out.push_back(sw.sw1());
    out.push_back(sw.sw2());
    return out;
}

ResponseApdu ResponseApdu::decode(ByteView bytes)
{
    if (bytes.size() < 2)
        throw Error(Errc::Transport,
            "response APDU too short: " + std::to_string(bytes.size()) + " bytes, no status word");
    ResponseApdu r;
    r.data.assign(bytes.begin(), bytes.end() - 2);
    r.sw = StatusWord(bytes[bytes.size() - 2], bytes[bytes.size() - 1]);
    return r;
}

} // namespace tscns::apdu
