// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_assuan: the pinentry's replies as the daemon reads them: the input split at LF into
// lines, each interpreted as in PinentryProcess::transact (OK, ERR code text, D with %XX
// escapes into a PIN-sized SecureBytes, INQUIRE, anything else); and escape() / unescapeInto()
// as a round trip.
#include "fuzz_support.hpp"

#include "pinentry/assuan.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns::daemon;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    assuan::Reply reply;
    tscns::SecureBytes pin(64);
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::string_view line
            = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (assuan::interpretLine(line, reply, &pin) == assuan::LineAction::Done) {
            if (reply.text.size() > 200) __builtin_trap();
            reply = {};
            pin.clear();
        }
        if (pin.size() > pin.capacity()) __builtin_trap();
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    const std::string escaped = assuan::escape(text);
    tscns::SecureBytes back(text.size() + 1);
    if (!assuan::unescapeInto(escaped, back)) __builtin_trap();
    if (back.size() != text.size()
        || !std::equal(text.begin(), text.end(), back.data(),
            [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }))
        __builtin_trap();
    return 0;
}
