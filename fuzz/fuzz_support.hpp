// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers shared by the libFuzzer harnesses: a reader over the fuzz input, a card channel whose
// answers come from the input (OpenSC's fuzzing reader idea), and the rule that a parser may
// refuse input only by throwing tscns::Error (anything else escaping is a finding).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/card_channel.hpp"
#include "tscns/apdu/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tscns::fuzz {

/// Consumes the fuzz input front to back; reads past the end give zeros / empty views.
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) noexcept
        : data_(data, size)
    {
    }

    [[nodiscard]] bool empty() const noexcept { return pos_ >= data_.size(); }
    [[nodiscard]] std::size_t left() const noexcept { return data_.size() - pos_; }

    std::uint8_t byte() noexcept { return empty() ? 0 : data_[pos_++]; }
    std::uint16_t u16() noexcept
    {
        const auto hi = byte();
        return static_cast<std::uint16_t>((hi << 8) | byte());
    }
    bool flag() noexcept { return (byte() & 1) != 0; }

    /// Up to `n` bytes.
    ByteView take(std::size_t n) noexcept
    {
        const std::size_t k = n < left() ? n : left();
        const ByteView v = data_.subspan(pos_, k);
        pos_ += k;
        return v;
    }
    /// A chunk with a one-byte length prefix (0..255).
    ByteView chunk() noexcept { return take(byte()); }
    /// A chunk with a two-byte big-endian length prefix.
    ByteView chunk16() noexcept { return take(u16()); }
    ByteView rest() noexcept { return take(left()); }

    static std::string text(ByteView v) { return { v.begin(), v.end() }; }

private:
    ByteView data_;
    std::size_t pos_ = 0;
};

/// A CardChannel answering each command with the next length-prefixed chunk of the input
/// (data ‖ SW1 SW2, decoded by ResponseApdu::decode). An exhausted input, or more than
/// kMaxCommands commands, is a card that went away: Error(Transport).
class StreamChannel final : public apdu::CardChannel {
public:
    static constexpr std::size_t kMaxCommands = 512;

    explicit StreamChannel(Input& input, bool wide = false) noexcept
        : input_(input)
        , wide_(wide)
    {
    }

    apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override
    {
        (void)command.encode(); // every command the logic builds must encode
        if (input_.empty() || ++commands_ > kMaxCommands)
            throw Error(Errc::Transport, "fuzz input exhausted");
        const ByteView answer = wide_ ? input_.chunk16() : input_.chunk();
        return apdu::ResponseApdu::decode(answer);
    }

    [[nodiscard]] std::size_t commands() const noexcept { return commands_; }

private:
    Input& input_;
    bool wide_;
    std::size_t commands_ = 0;
};

/// Runs `fn`; a tscns::Error is an accepted refusal, any other exception escapes (a finding).
template <typename F> void refusalsAllowed(F&& fn)
{
    try {
        fn();
    } catch (const Error&) {
    }
}

} // namespace tscns::fuzz
