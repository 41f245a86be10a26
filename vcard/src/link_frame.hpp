// SPDX-License-Identifier: LGPL-2.1-or-later
// vpcd framing: every message is a 2-byte big-endian length followed by that many bytes.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tscns::vcard {

/// The largest message a vpcd frame can carry.
inline constexpr std::size_t kMaxVpcdMessage = 0xFFFF;

/// Length prefix + message. Throws Error(BadArgument) for a message longer than kMaxVpcdMessage.
Bytes encodeVpcdFrame(ByteView message);

/// Incremental frame decoder: feed it whatever recv() returned (a frame may arrive byte by byte,
/// or several frames in one read) and take complete messages out in order. Pure, no I/O, so that
/// the fuzzer and the unit tests can drive it directly.
class VpcdFrameDecoder {
public:
    void feed(ByteView bytes);
    /// The next complete message, or nullopt while it is still incomplete.
    std::optional<Bytes> next();
    /// True when part of a frame (prefix or body) is buffered: an EOF now cuts a message short.
    [[nodiscard]] bool midFrame() const noexcept { return !buffer_.empty(); }

private:
    Bytes buffer_;
};

} // namespace tscns::vcard
