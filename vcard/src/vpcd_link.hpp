// SPDX-License-Identifier: LGPL-2.1-or-later
// VpcdLink: the card side of vsmartcard's vpcd protocol. It frames messages and handles the
// control bytes; everything else (latency, faults, logging, reconnecting) belongs to its callers.
#pragma once

#include "link_card_backend.hpp"
#include "link_frame.hpp"
#include "link_io.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tscns::vcard {

/// vpcd listens on 35963 + slot ("Virtual PCD 00 00" is slot 0).
inline constexpr std::uint16_t kVpcdDefaultPort = 35963;

/// Where vpcd listens.
struct Endpoint {
    std::string host = "localhost";
    std::uint16_t port = kVpcdDefaultPort;

    /// "host:port", or "[v6addr]:port" when the host contains a colon.
    [[nodiscard]] std::string toString() const;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// Parses "HOST:PORT", "[IPV6]:PORT", "HOST" or "[IPV6]" (port 35963). Throws Error(BadArgument)
/// for an empty host, a port outside 1..65535, or an unbracketed IPv6 address.
Endpoint parseEndpoint(std::string_view text);

/// What one VpcdLink::step() did.
enum class LinkEvent {
    PowerOff, ///< control byte 00
    PowerOn, ///< control byte 01
    Reset, ///< control byte 02
    AtrSent, ///< control byte 04 (GET ATR, also vpcd's presence poll), answered with the ATR
    ApduAnswered, ///< a C-APDU, answered with the card's R-APDU
    Ignored, ///< an empty message or an unknown control byte (no reply)
    Closed, ///< vpcd closed the connection: the card was powered off and the socket closed
    Dropped, ///< the card gave no answer (NoAnswer): powered off and the socket closed
    Stopped, ///< the stop fd became readable; nothing was read, the link is still connected
};

class VpcdLink {
public:
    // vpcd control bytes (vpcd.h VPCD_CTRL_*); a message of length 1 carries one of them.
    static constexpr std::uint8_t kCtrlPowerOff = 0x00;
    static constexpr std::uint8_t kCtrlPowerOn = 0x01;
    static constexpr std::uint8_t kCtrlReset = 0x02;
    static constexpr std::uint8_t kCtrlGetAtr = 0x04;

    /// Connects to vpcd, trying every address getaddrinfo gives for the endpoint (IPv6 and IPv4)
    /// within `timeout`. Returns nullopt when `stopFd` became readable first. Throws
    /// Error(NoService) when nothing accepted the connection, Error(BadArgument) when the host
    /// does not resolve.
    static std::optional<VpcdLink> connect(
        const Endpoint& endpoint, std::chrono::milliseconds timeout, int stopFd = -1);

    /// Adopts a connected stream socket. TCP sockets get TCP_NODELAY and TCP_QUICKACK: vpcd may
    /// write the length and the APDU separately, and delayed ACKs would stall each APDU ~40 ms.
    explicit VpcdLink(UniqueFd socket);

    /// Waits for one message from vpcd and handles it: control bytes go to the card (only GET ATR
    /// is answered), anything else is a C-APDU passed to card.process() and answered with one
    /// frame; a card throwing NoAnswer gets the connection closed (Dropped). Short reads and EINTR
    /// are absorbed; EOF or a reset connection powers the card off, closes the socket and returns
    /// Closed. Throws Error(Transport) on other socket errors, Error(Internal) when called while
    /// not connected.
    LinkEvent step(CardBackend& card, int stopFd = -1);

    [[nodiscard]] bool connected() const noexcept { return socket_.valid(); }
    /// The socket (for tests and diagnostics); -1 when closed.
    [[nodiscard]] int fd() const noexcept { return socket_.get(); }
    /// Closes the connection: vpcd sees the card removed.
    void close() noexcept;

private:
    enum class ReadResult { Message, Eof, Stopped };
    ReadResult readMessage(Bytes& message, int stopFd);
    bool sendMessage(ByteView message);
    void rearmQuickAck() noexcept;

    UniqueFd socket_;
    bool tcp_ = false;
    VpcdFrameDecoder decoder_;
};

} // namespace tscns::vcard
