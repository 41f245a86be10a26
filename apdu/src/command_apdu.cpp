// SPDX-License-Identifier: LGPL-2.1-or-later
// ISO 7816-4 §5.1 command APDU encoding and decoding.
#include "tscns/apdu/command_apdu.hpp"

#include "tscns/apdu/error.hpp"

#include <string>

namespace tscns::apdu {

bool CommandApdu::needsExtended() const noexcept
{
    return extended || data.size() > kMaxShortLc || (le && *le > kMaxShortLe);
}

Bytes CommandApdu::encode() const
{
    if (data.size() > kMaxExtendedLc)
        throw Error(Errc::BadArgument,
            "APDU data too long: " + std::to_string(data.size()) + " bytes (max 65535)");
    if (le && (*le == 0 || *le > kMaxExtendedLe))
        throw Error(Errc::BadArgument, "APDU Le out of range: " + std::to_string(*le));

    Bytes out { cla, ins, p1, p2 };
    out.reserve(4 + 3 + data.size() + 3);
    const bool ext = needsExtended();
    if (!data.empty()) {
        if (ext) {
            out.push_back(0x00);
            out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
            out.push_back(static_cast<std::uint8_t>(data.size() & 0xFF));
        } else {
            out.push_back(static_cast<std::uint8_t>(data.size()));
        }
        out.insert(out.end(), data.begin(), data.end());
    }
    if (le) {
        const std::size_t n = *le;
        if (ext) {
            if (data.empty()) out.push_back(0x00); // case 2E: 00 Le1 Le2
            out.push_back(static_cast<std::uint8_t>((n == kMaxExtendedLe ? 0 : n) >> 8));
            out.push_back(static_cast<std::uint8_t>(n & 0xFF));
        } else {
            out.push_back(static_cast<std::uint8_t>(n == kMaxShortLe ? 0 : n));
        }
    }
    return out;
}

CommandApdu CommandApdu::decode(ByteView bytes)
{
    if (bytes.size() < 4)
        throw Error(Errc::BadArgument,
            "command APDU too short: " + std::to_string(bytes.size()) + " bytes (header is 4)");
    CommandApdu c;
    c.cla = bytes[0];
    c.ins = bytes[1];
    c.p1 = bytes[2];
    c.p2 = bytes[3];
    const auto body = bytes.subspan(4);
    const std::size_t n = body.size();
    if (n == 0) return c; // case 1
    if (n == 1) { // case 2S
        c.le = body[0] == 0 ? kMaxShortLe : body[0];
        return c;
    }
    if (body[0] != 0) { // short Lc
        const std::size_t lc = body[0];
        if (n == 1 + lc) { // case 3S
            c.data.assign(body.begin() + 1, body.end());
            return c;
        }
        if (n == 2 + lc) { // case 4S
            c.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(lc));
            c.le = body[n - 1] == 0 ? kMaxShortLe : body[n - 1];
            return c;
        }
        throw Error(Errc::BadArgument,
            "command APDU: Lc " + std::to_string(lc) + " does not match " + std::to_string(n - 1)
                + " bytes of body");
    }
    // body[0] == 0 with n >= 2: extended form.
    if (n == 3) { // case 2E
        const std::size_t le = (std::size_t { body[1] } << 8) | body[2];
        c.le = le == 0 ? kMaxExtendedLe : le;
        c.extended = true;
        return c;
    }
    if (n < 3) throw Error(Errc::BadArgument, "command APDU: truncated extended length field");
    const std::size_t lc = (std::size_t { body[1] } << 8) | body[2];
    if (lc == 0) throw Error(Errc::BadArgument, "command APDU: extended Lc of zero");
    if (n == 3 + lc) { // case 3E
        c.data.assign(body.begin() + 3, body.end());
        c.extended = true;
        return c;
    }
    if (n == 5 + lc) { // case 4E
        c.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<std::ptrdiff_t>(lc));
        const std::size_t le = (std::size_t { body[n - 2] } << 8) | body[n - 1];
        c.le = le == 0 ? kMaxExtendedLe : le;
        c.extended = true;
        return c;
    }
    throw Error(Errc::BadArgument,
        "command APDU: extended Lc " + std::to_string(lc) + " does not match "
            + std::to_string(n - 3) + " bytes of body");
}

} // namespace tscns::apdu
