// SPDX-License-Identifier: LGPL-2.1-or-later
// Who owns the other end of a loopback TCP connection: the peer's socket as the kernel lists it
// in /proc/net/tcp or /proc/net/tcp6, whose uid column is its owner. Text in, text out (no
// sockets), so that the parsing is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tscns::daemon {

/// An address and port as /proc/net/tcp{,6} prints them: each 32-bit word of the address (4 bytes
/// for IPv4, 16 for IPv6, network order) as the kernel's native integer in %08X, then ':' and the
/// port in %04X. 127.0.0.1:47123 is "0100007F:B813" on a little-endian host. Other address sizes
/// give "".
std::string procNetAddress(std::span<const std::uint8_t> address, std::uint16_t port);

/// The uid of the socket whose local address is `peer` and whose remote address is `self` (both
/// procNetAddress texts; compared case-insensitively) in the text of /proc/net/tcp or
/// /proc/net/tcp6. Listening and TIME_WAIT entries (which the kernel lists as uid 0) are skipped.
/// nullopt when there is no such socket, when entries disagree, or when a line is malformed.
std::optional<unsigned> socketOwner(
    std::string_view table, std::string_view peer, std::string_view self) noexcept;

} // namespace tscns::daemon
