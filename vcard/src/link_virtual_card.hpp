// SPDX-License-Identifier: LGPL-2.1-or-later
// VirtualCardBackend: the CardBackend adapter over VirtualCnsCard used by `tscns-vcard run`.
#pragma once

#include "link_card_backend.hpp"

namespace tscns::vcard {

class VirtualCnsCard;

class VirtualCardBackend final : public CardBackend {
public:
    /// Does not own `card`, which must outlive the adapter.
    explicit VirtualCardBackend(VirtualCnsCard& card) noexcept
        : card_(card)
    {
    }

    ByteView atr() override;
    void powerOn() override;
    void powerOff() override;
    void reset() override;
    Bytes process(ByteView command) override;

private:
    VirtualCnsCard& card_;
};

} // namespace tscns::vcard
