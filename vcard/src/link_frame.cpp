// SPDX-License-Identifier: LGPL-2.1-or-later
// vpcd framing.
#include "link_frame.hpp"

#include "tscns/apdu/error.hpp"

#include <iterator>
#include <string>

namespace tscns::vcard {

Bytes encodeVpcdFrame(ByteView message)
{
    if (message.size() > kMaxVpcdMessage) {
        throw Error(Errc::BadArgument,
            "vpcd frame: a message of " + std::to_string(message.size())
                + " bytes does not fit the 2-byte length");
    }
    Bytes frame;
    frame.reserve(message.size() + 2);
    frame.push_back(static_cast<std::uint8_t>(message.size() >> 8));
    frame.push_back(static_cast<std::uint8_t>(message.size() & 0xFF));
    frame.insert(frame.end(), message.begin(), message.end());
    return frame;
}

void VpcdFrameDecoder::feed(ByteView bytes)
{
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<Bytes> VpcdFrameDecoder::next()
{
    if (buffer_.size() < 2) return std::nullopt;
    const std::size_t length = (std::size_t { buffer_[0] } << 8) | buffer_[1];
    if (buffer_.size() < 2 + length) return std::nullopt;
    const auto bodyBegin = std::next(buffer_.begin(), 2);
    const auto bodyEnd = std::next(bodyBegin, static_cast<std::ptrdiff_t>(length));
    Bytes message(bodyBegin, bodyEnd);
    buffer_.erase(buffer_.begin(), bodyEnd);
    return message;
}

} // namespace tscns::vcard
