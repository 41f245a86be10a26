// SPDX-License-Identifier: LGPL-2.1-or-later
// Test doubles for the vpcd link.
#include "link_fakes.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tscns::vcard::test {

namespace {

    using Clock = std::chrono::steady_clock;

    int msLeft(Clock::time_point deadline)
    {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        return left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }

} // namespace

FakeVpcd::FakeVpcd(const char* host, bool listenNow)
    : host_(host)
{
    const bool v6 = std::strchr(host, ':') != nullptr;
    UniqueFd sock(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) {
        setError(std::string("socket: ") + std::strerror(errno));
        return;
    }
    const int one = 1;
    ::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage address {};
    socklen_t length = 0;
    if (v6) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&address);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = 0;
        if (::inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
            setError("bad IPv6 address");
            return;
        }
        length = sizeof *a6;
    } else {
        auto* a4 = reinterpret_cast<sockaddr_in*>(&address);
        a4->sin_family = AF_INET;
        a4->sin_port = 0;
        if (::inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            setError("bad IPv4 address");
            return;
        }
        length = sizeof *a4;
    }
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&address), length) < 0) {
        setError(std::string("bind: ") + std::strerror(errno));
        return;
    }
    length = sizeof address;
    if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&address), &length) < 0) {
        setError(std::string("getsockname: ") + std::strerror(errno));
        return;
    }
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    listener_ = std::move(sock);
    if (listenNow) startListening();
}

bool FakeVpcd::setError(std::string message)
{
    error_ = std::move(message);
    return false;
}

bool FakeVpcd::startListening()
{
    if (::listen(listener_.get(), 4) < 0) {
        const std::string why = std::string("listen: ") + std::strerror(errno);
        listener_.reset();
        return setError(why);
    }
    return true;
}

bool FakeVpcd::accept(std::chrono::milliseconds timeout)
{
    pollfd pfd { listener_.get(), POLLIN, 0 };
    const int rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (rc <= 0) return setError(rc == 0 ? "accept: timed out" : "accept: poll failed");
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) return setError(std::string("accept: ") + std::strerror(errno));
    // Without TCP_NODELAY the byte-by-byte sends would be coalesced by Nagle.
    const int one = 1;
    ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    client_ = std::move(client);
    return true;
}

bool FakeVpcd::sendRaw(ByteView bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n
            = ::send(client_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return setError(std::string("send: ") + std::strerror(errno));
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool FakeVpcd::send(ByteView message, Split split)
{
    Bytes frame { static_cast<std::uint8_t>(message.size() >> 8),
        static_cast<std::uint8_t>(message.size() & 0xFF) };
    frame.insert(frame.end(), message.begin(), message.end());
    switch (split) {
    case Split::Whole:
        return sendRaw(frame);
    case Split::PrefixThenBody:
        if (!sendRaw(ByteView(frame).first(2))) return false;
        std::this_thread::sleep_for(5ms);
        return sendRaw(ByteView(frame).subspan(2));
    case Split::BackToBack:
        return sendRaw(ByteView(frame).first(2)) && sendRaw(ByteView(frame).subspan(2));
    case Split::ByteByByte:
        for (std::size_t i = 0; i < frame.size(); ++i) {
            if (!sendRaw(ByteView(frame).subspan(i, 1))) return false;
            std::this_thread::sleep_for(1ms);
        }
        return true;
    }
    return setError("bad split");
}

bool FakeVpcd::sendHex(const char* hex, Split split)
{
    return send(fromHex(hex), split);
}

bool FakeVpcd::control(std::uint8_t byte, Split split)
{
    return send(ByteView(&byte, 1), split);
}

bool FakeVpcd::readExact(std::size_t count, Bytes& out, Clock::time_point deadline)
{
    out.assign(count, 0);
    std::size_t got = 0;
    while (got < count) {
        pollfd pfd { client_.get(), POLLIN, 0 };
        const int rc = ::poll(&pfd, 1, msLeft(deadline));
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return setError(rc == 0 ? "receive: timed out" : "receive: poll failed");
        const ssize_t n = ::recv(client_.get(), out.data() + got, count - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return setError(std::string("receive: ") + std::strerror(errno));
        }
        if (n == 0) return setError("receive: the card closed the connection");
        got += static_cast<std::size_t>(n);
    }
    return true;
}

std::optional<Bytes> FakeVpcd::receive(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    Bytes prefix;
    if (!readExact(2, prefix, deadline)) return std::nullopt;
    const std::size_t length = (std::size_t { prefix[0] } << 8) | prefix[1];
    Bytes body;
    if (!readExact(length, body, deadline)) return std::nullopt;
    return body;
}

bool FakeVpcd::waitClosed(std::chrono::milliseconds timeout)
{
    pollfd pfd { client_.get(), POLLIN, 0 };
    const int rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (rc <= 0) return setError(rc == 0 ? "the card did not close the connection" : "poll failed");
    std::array<std::uint8_t, 64> buffer {};
    const ssize_t n = ::recv(client_.get(), buffer.data(), buffer.size(), 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    if (n > 0) {
        return setError("data instead of a close: "
            + toHexSpaced(ByteView(buffer.data(), static_cast<std::size_t>(n))));
    }
    return setError(std::string("recv: ") + std::strerror(errno));
}

bool FakeVpcd::expectSilence(std::chrono::milliseconds quiet)
{
    pollfd pfd { client_.get(), POLLIN, 0 };
    const int rc = ::poll(&pfd, 1, static_cast<int>(quiet.count()));
    if (rc == 0) return true;
    return setError("the card sent something or closed the connection where it should be silent");
}

bool FakeVpcd::setNagle(bool on)
{
    const int noDelay = on ? 0 : 1;
    if (::setsockopt(client_.get(), IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay) == 0)
        return true;
    return setError(std::string("setsockopt: ") + std::strerror(errno));
}

ByteView FakeCard::atr()
{
    ++atrs;
    return atrBytes;
}

void FakeCard::powerOn()
{
    ++powerOns;
    sequence = 0;
    events.emplace_back("power on");
}

void FakeCard::powerOff()
{
    ++powerOffs;
    events.emplace_back("power off");
}

void FakeCard::reset()
{
    ++resets;
    sequence = 0;
    events.emplace_back("reset");
}

Bytes FakeCard::process(ByteView command)
{
    commands.emplace_back(command.begin(), command.end());
    events.push_back(
        "apdu " + toHexSpaced(command.first(std::min<std::size_t>(command.size(), 4))));
    if (throwOnIns && command.size() >= 2 && command[1] == *throwOnIns)
        throw std::runtime_error("fake card failure");
    if (oversizeOnIns && command.size() >= 2 && command[1] == *oversizeOnIns) {
        Bytes huge(0x10000 + 2, 0x00);
        huge[huge.size() - 2] = 0x90;
        return huge;
    }
    ++sequence;
    return { static_cast<std::uint8_t>(sequence), 0x90, 0x00 };
}

StopPipe::StopPipe()
{
    int fds[2] = { -1, -1 };
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
        read_.reset(fds[0]);
        write_.reset(fds[1]);
    }
}

void StopPipe::stop() noexcept
{
    const char byte = 's';
    if (::write(write_.get(), &byte, 1) < 0) { }
}

} // namespace tscns::vcard::test
