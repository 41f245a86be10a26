// SPDX-License-Identifier: LGPL-2.1-or-later
// RecordingChannel implementation.
#include "recording_channel.hpp"

#include <algorithm>

namespace tscns::test {

apdu::ResponseApdu RecordingChannel::transmit(const apdu::CommandApdu& command)
{
    commands_.push_back(command);
    apdu::ResponseApdu r = inner_.transmit(command);
    responses_.push_back(r);
    return r;
}

std::size_t RecordingChannel::count(std::uint8_t ins) const noexcept
{
    return static_cast<std::size_t>(std::count_if(commands_.begin(), commands_.end(),
        [ins](const apdu::CommandApdu& c) { return c.ins == ins; }));
}

void RecordingChannel::clear() noexcept
{
    commands_.clear();
    responses_.clear();
}

} // namespace tscns::test
