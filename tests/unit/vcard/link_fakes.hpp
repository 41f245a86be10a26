// SPDX-License-Identifier: LGPL-2.1-or-later
// Test doubles for the vpcd link: a fake vpcd (TCP listener on loopback) and a fake card.
#pragma once

#include "link_card_backend.hpp"
#include "link_io.hpp"
#include "vpcd_link.hpp"

#include "tscns/apdu/bytes.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tscns::vcard::test {

using namespace std::chrono_literals;

/// Generous bound for every wait in the tests: they pass in milliseconds, this only keeps a
/// broken link from hanging ctest.
inline constexpr std::chrono::milliseconds kIoTimeout = 5000ms;

/// The vpcd side of the protocol: listens on loopback port 0, accepts the card's connection and
/// sends and receives frames. Every method returns false / nullopt on failure and leaves the
/// reason in error(); nothing here asserts, so it can be used from any thread.
class FakeVpcd {
public:
    enum class Split {
        Whole, ///< prefix and body in one write
        PrefixThenBody, ///< two writes 5 ms apart
        BackToBack, ///< two writes without a pause, as (older) vpcd does
        ByteByByte, ///< one write per byte
    };

    /// `host` "127.0.0.1" or "::1". `listenNow` false: bind only (connections are refused) until
    /// startListening().
    explicit FakeVpcd(const char* host = "127.0.0.1", bool listenNow = true);

    [[nodiscard]] bool ok() const noexcept { return listener_.valid(); }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] Endpoint endpoint() const { return Endpoint { host_, port_ }; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    [[nodiscard]] int clientFd() const noexcept { return client_.get(); }

    bool startListening();
    /// Accepts the next connection (replacing the current one).
    bool accept(std::chrono::milliseconds timeout = kIoTimeout);
    bool send(ByteView message, Split split = Split::Whole);
    bool sendHex(const char* hex, Split split = Split::Whole);
    bool control(std::uint8_t byte, Split split = Split::Whole);
    bool sendRaw(ByteView bytes);
    std::optional<Bytes> receive(std::chrono::milliseconds timeout = kIoTimeout);
    /// Waits for the card to close the connection; fails if data or a timeout comes first.
    bool waitClosed(std::chrono::milliseconds timeout = kIoTimeout);
    /// True when nothing arrives within `quiet` (the connection stays open).
    bool expectSilence(std::chrono::milliseconds quiet);
    void closeClient() noexcept { client_.reset(); }
    /// Nagle on the accepted socket (on by default in vpcd, off by default here).
    bool setNagle(bool on);

private:
    bool setError(std::string message);
    bool readExact(std::size_t count, Bytes& out, std::chrono::steady_clock::time_point deadline);

    std::string host_;
    UniqueFd listener_;
    UniqueFd client_;
    std::uint16_t port_ = 0;
    std::string error_;
};

/// A card that answers every APDU with [n] 90 00, n counting APDUs since the last power on or
/// reset (so a reset hidden in an ATR poll would show), and records every call.
class FakeCard final : public CardBackend {
public:
    ByteView atr() override;
    void powerOn() override;
    void powerOff() override;
    void reset() override;
    Bytes process(ByteView command) override;

    Bytes atrBytes = fromHex("3B 8C 80 01 80 31 80 65 B0 85 04 00 11 12 0F FF 82 90 00 8B");
    /// Commands with this INS make process() throw.
    std::optional<std::uint8_t> throwOnIns;
    /// Commands with this INS get a 65538-byte answer (65536 data bytes + 9000): too big for
    /// a vpcd frame.
    std::optional<std::uint8_t> oversizeOnIns;

    int atrs = 0;
    int powerOns = 0;
    int powerOffs = 0;
    int resets = 0;
    int sequence = 0;
    std::vector<Bytes> commands;
    std::vector<std::string> events;
};

/// A pipe whose read end is the stop fd handed to the link; stop() makes it readable.
class StopPipe {
public:
    StopPipe();
    [[nodiscard]] int readFd() const noexcept { return read_.get(); }
    void stop() noexcept;

private:
    UniqueFd read_;
    UniqueFd write_;
};

} // namespace tscns::vcard::test
