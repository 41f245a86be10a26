// SPDX-License-Identifier: LGPL-2.1-or-later
// RecordingChannel: a decorator that records and counts the APDUs passing to an inner channel.
#pragma once

#include "tscns/apdu/card_channel.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tscns::test {

class RecordingChannel final : public apdu::CardChannel {
public:
    /// `inner` must outlive this object.
    explicit RecordingChannel(apdu::CardChannel& inner)
        : inner_(inner)
    {
    }

    /// Records the command, forwards it, records the answer. When the inner channel throws, the
    /// command stays recorded without an answer and the exception propagates.
    apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override;

    /// Every command sent, in order (PIN commands included: test code only).
    [[nodiscard]] const std::vector<apdu::CommandApdu>& commands() const noexcept
    {
        return commands_;
    }
    /// The answers, in order (one fewer than commands when the last transmit threw).
    [[nodiscard]] const std::vector<apdu::ResponseApdu>& responses() const noexcept
    {
        return responses_;
    }
    [[nodiscard]] std::size_t count() const noexcept { return commands_.size(); }
    /// Commands with this INS byte.
    [[nodiscard]] std::size_t count(std::uint8_t ins) const noexcept;
    void clear() noexcept;

private:
    apdu::CardChannel& inner_;
    std::vector<apdu::CommandApdu> commands_;
    std::vector<apdu::ResponseApdu> responses_;
};

} // namespace tscns::test
