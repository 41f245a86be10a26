// SPDX-License-Identifier: LGPL-2.1-or-later
// VpcdLink: vpcd framing, control bytes and the socket underneath.
#include "vpcd_link.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tscns::vcard {

namespace {

    using Clock = std::chrono::steady_clock;

    std::string errnoText(std::string_view what, int error)
    {
        return std::string(what) + ": " + std::strerror(error);
    }

    /// True for the errors that mean "vpcd went away" rather than a local failure.
    bool isDisconnect(int error) noexcept
    {
        return error == ECONNRESET || error == EPIPE || error == ETIMEDOUT || error == ENOTCONN
            || error == ECONNABORTED;
    }

    std::string addressText(const sockaddr* address, socklen_t length)
    {
        std::array<char, NI_MAXHOST> host {};
        std::array<char, NI_MAXSERV> port {};
        if (::getnameinfo(address, length, host.data(), host.size(), port.data(), port.size(),
                NI_NUMERICHOST | NI_NUMERICSERV)
            != 0)
            return "?";
        const std::string h = host.data();
        if (h.find(':') != std::string::npos) return "[" + h + "]:" + port.data();
        return h + ":" + port.data();
    }

    struct AddrInfoDeleter {
        void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
    };

    /// Non-blocking connect to one address. Returns the connected (blocking) socket, an invalid
    /// UniqueFd with `error` set on failure, or nullopt when stopped.
    std::optional<UniqueFd> connectOne(
        const addrinfo& address, Clock::time_point deadline, int stopFd, std::string& error)
    {
        UniqueFd sock(::socket(address.ai_family,
            address.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, address.ai_protocol));
        if (!sock) {
            error = errnoText("socket", errno);
            return UniqueFd {};
        }
        int rc = 0;
        do {
            rc = ::connect(sock.get(), address.ai_addr, address.ai_addrlen);
        } while (rc < 0 && errno == EINTR);
        if (rc < 0 && errno != EINPROGRESS) {
            error = std::strerror(errno);
            return UniqueFd {};
        }
        if (rc < 0) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            switch (
                waitWritable(sock.get(), stopFd, std::max(left, std::chrono::milliseconds(0)))) {
            case WaitResult::Stopped:
                return std::nullopt;
            case WaitResult::TimedOut:
                error = "timed out";
                return UniqueFd {};
            case WaitResult::Ready:
                break;
            }
            int soError = 0;
            socklen_t length = sizeof soError;
            if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &soError, &length) < 0)
                soError = errno;
            if (soError != 0) {
                error = std::strerror(soError);
                return UniqueFd {};
            }
        }
        const int flags = ::fcntl(sock.get(), F_GETFL);
        if (flags < 0 || ::fcntl(sock.get(), F_SETFL, flags & ~O_NONBLOCK) < 0) {
            error = errnoText("fcntl", errno);
            return UniqueFd {};
        }
        return sock;
    }

    bool isTcpSocket(int fd) noexcept
    {
        int domain = 0;
        int protocol = 0;
        socklen_t length = sizeof domain;
        if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) < 0) return false;
        length = sizeof protocol;
        if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) < 0) return false;
        return (domain == AF_INET || domain == AF_INET6) && protocol == IPPROTO_TCP;
    }

} // namespace

std::string Endpoint::toString() const
{
    const std::string p = std::to_string(port);
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + p;
    return host + ":" + p;
}

Endpoint parseEndpoint(std::string_view text)
{
    const auto bad = [&](std::string_view why) {
        return Error(Errc::BadArgument,
            "vpcd address '" + std::string(text) + "': " + std::string(why)
                + " (expected HOST:PORT or [IPV6]:PORT)");
    };
    Endpoint endpoint;
    std::string_view portText;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) throw bad("missing ']'");
        endpoint.host = std::string(text.substr(1, close - 1));
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw bad("unexpected text after ']'");
            portText = rest.substr(1);
            if (portText.empty()) throw bad("empty port");
        }
    } else {
        const auto colon = text.find(':');
        if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
            throw bad("put an IPv6 address in brackets");
        endpoint.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) {
            portText = text.substr(colon + 1);
            if (portText.empty()) throw bad("empty port");
        }
    }
    if (endpoint.host.empty()) throw bad("empty host");
    if (!portText.empty()) {
        unsigned value = 0;
        const auto* end = portText.data() + portText.size();
        const auto [ptr, ec] = std::from_chars(portText.data(), end, value);
        if (ec != std::errc {} || ptr != end || value == 0 || value > 65535)
            throw bad("the port must be a number from 1 to 65535");
        endpoint.port = static_cast<std::uint16_t>(value);
    }
    return endpoint;
}

std::optional<VpcdLink> VpcdLink::connect(
    const Endpoint& endpoint, std::chrono::milliseconds timeout, int stopFd)
{
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* raw = nullptr;
    const std::string port = std::to_string(endpoint.port);
    const int rc = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &raw);
    std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
    if (rc != 0) {
        const std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
        // EAI_AGAIN is a temporary resolver failure: worth retrying like a refused connection.
        throw Error(rc == EAI_AGAIN ? Errc::NoService : Errc::BadArgument,
            "cannot resolve vpcd host '" + endpoint.host + "': " + why);
    }
    const auto deadline = Clock::now() + timeout;
    std::string failures;
    for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
        std::string error;
        auto sock = connectOne(*a, deadline, stopFd, error);
        if (!sock) return std::nullopt;
        if (sock->valid()) return VpcdLink(std::move(*sock));
        if (!failures.empty()) failures += "; ";
        failures += addressText(a->ai_addr, a->ai_addrlen) + ": " + error;
    }
    throw Error(Errc::NoService,
        "cannot connect to vpcd at " + endpoint.toString() + " (" + failures + ")");
}

VpcdLink::VpcdLink(UniqueFd socket)
    : socket_(std::move(socket))
{
    tcp_ = socket_.valid() && isTcpSocket(socket_.get());
    if (!tcp_) return;
    const int one = 1;
    if (::setsockopt(socket_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
        throw Error(Errc::Transport, errnoText("setsockopt(TCP_NODELAY)", errno));
    rearmQuickAck();
}

void VpcdLink::rearmQuickAck() noexcept
{
    // Linux clears TCP_QUICKACK after it has been used, so it is set again after every recv and
    // every send.
    // Failing to set it costs latency only.
    if (!tcp_) return;
    const int one = 1;
    (void)::setsockopt(socket_.get(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

void VpcdLink::close() noexcept
{
    socket_.reset();
    decoder_ = VpcdFrameDecoder {};
}

VpcdLink::ReadResult VpcdLink::readMessage(Bytes& message, int stopFd)
{
    std::array<std::uint8_t, 4096> buffer {};
    for (;;) {
        if (auto next = decoder_.next()) {
            message = std::move(*next);
            return ReadResult::Message;
        }
        if (waitReadable(socket_.get(), stopFd, std::chrono::milliseconds(-1))
            == WaitResult::Stopped)
            return ReadResult::Stopped;
        const ssize_t n = ::recv(socket_.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) {
            const int error = errno;
            if (error == EINTR || error == EAGAIN || error == EWOULDBLOCK) continue;
            if (isDisconnect(error)) return ReadResult::Eof;
            throw Error(Errc::Transport, errnoText("recv from vpcd", error));
        }
        if (n == 0) return ReadResult::Eof;
        rearmQuickAck();
        decoder_.feed(ByteView(buffer.data(), static_cast<std::size_t>(n)));
    }
}

bool VpcdLink::sendMessage(ByteView message)
{
    // One send for prefix and body: vpcd reads them with two recv(MSG_WAITALL) calls either way.
    const Bytes frame = encodeVpcdFrame(message);
    std::size_t sent = 0;
    while (sent < frame.size()) {
        const ssize_t n
            = ::send(socket_.get(), frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            const int error = errno;
            if (error == EINTR) continue;
            if (isDisconnect(error)) return false;
            throw Error(Errc::Transport, errnoText("send to vpcd", error));
        }
        sent += static_cast<std::size_t>(n);
    }
    // Answering right after a receive puts Linux into delayed-ACK ("pingpong") mode, which would
    // delay the ACK of vpcd's next length prefix; re-arm quick ACKs before waiting again.
    rearmQuickAck();
    return true;
}

LinkEvent VpcdLink::step(CardBackend& card, int stopFd)
{
    if (!connected()) throw Error(Errc::Internal, "VpcdLink::step on a closed link");
    const auto disconnected = [&] {
        close();
        card.powerOff();
        return LinkEvent::Closed;
    };

    Bytes message;
    switch (readMessage(message, stopFd)) {
    case ReadResult::Stopped:
        return LinkEvent::Stopped;
    case ReadResult::Eof:
        return disconnected();
    case ReadResult::Message:
        break;
    }

    if (message.empty()) return LinkEvent::Ignored;
    if (message.size() == 1) {
        switch (message[0]) {
        case kCtrlPowerOff:
            card.powerOff();
            return LinkEvent::PowerOff;
        case kCtrlPowerOn:
            card.powerOn();
            return LinkEvent::PowerOn;
        case kCtrlReset:
            card.reset();
            return LinkEvent::Reset;
        case kCtrlGetAtr: {
            // Presence polling: vpcd asks for the ATR between any two APDUs. This is not a
            // reset, and the card state must stay as it is.
            const ByteView atr = card.atr();
            if (!sendMessage(atr)) return disconnected();
            return LinkEvent::AtrSent;
        }
        default:
            return LinkEvent::Ignored;
        }
    }

    Bytes response;
    try {
        response = card.process(message);
    } catch (const NoAnswer&) {
        close();
        card.powerOff();
        return LinkEvent::Dropped;
    }
    if (!sendMessage(response)) return disconnected();
    return LinkEvent::ApduAnswered;
}

} // namespace tscns::vcard
