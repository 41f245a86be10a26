// SPDX-License-Identifier: LGPL-2.1-or-later
// GetResponseChannel: applies the ISO 7816-4 §5.3.4 transmission rules on top of any channel:
// 61xx → GET RESPONSE until all data is collected, 6Cxx → resend with Le = xx.
#pragma once

#include "tscns/apdu/card_channel.hpp"
#include "tscns/apdu/error.hpp"

namespace tscns::apdu {

class GetResponseChannel final : public CardChannel {
public:
    /// Upper bound on GET RESPONSE rounds, so a card answering 61xx forever cannot hang us.
    static constexpr int kMaxRounds = 256;

    explicit GetResponseChannel(CardChannel& inner)
        : inner_(inner)
    {
    }

    ResponseApdu transmit(const CommandApdu& command) override
    {
        ResponseApdu r = inner_.transmit(command);
        if (r.sw.sw1() == 0x6C) {
            // Wrong Le: the card tells the right one (00 = 256). Resend once.
            CommandApdu again = command;
            again.le = r.sw.sw2() == 0 ? 256 : r.sw.sw2();
            r = inner_.transmit(again);
        }
        Bytes data = std::move(r.data);
        int rounds = 0;
        while (r.sw.sw1() == 0x61) {
            if (++rounds > kMaxRounds)
                throw Error(
                    Errc::Transport, "card keeps answering 61xx: GET RESPONSE loop aborted");
            const std::size_t le = r.sw.sw2() == 0 ? 256 : r.sw.sw2();
            r = inner_.transmit(CommandApdu {
                static_cast<std::uint8_t>(command.cla & 0x03), 0xC0, 0x00, 0x00, {}, le });
            data.insert(data.end(), r.data.begin(), r.data.end());
        }
        r.data = std::move(data);
        return r;
    }

private:
    CardChannel& inner_;
};

} // namespace tscns::apdu
