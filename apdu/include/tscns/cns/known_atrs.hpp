// SPDX-License-Identifier: LGPL-2.1-or-later
// The known Italian card ATRs of cns-card.md §7, as data.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <span>
#include <string_view>

namespace tscns::cns {

struct KnownAtr {
    enum class Kind {
        CnsContact, ///< contact CNS: "CNS" at H10 (the ChipDoc token collides, cns-card.md §8)
        CnsContactless, ///< TS-CNS over NFC: bare ATR, identified by SELECT AID
        NotCns, ///< other Italian cards (CIE v1/v2, Infocamere CardOS)
    };
    std::string_view hex; ///< full ATR, TCK included, "3B FF 18 …"
    std::string_view chip; ///< IC / mask column of the table
    std::string_view label; ///< source description
    Kind kind;
};

/// Every ATR of the §7 table, then the "other Italian cards" list.
[[nodiscard]] std::span<const KnownAtr> knownAtrs() noexcept;

/// Exact match (every byte); nullptr when the ATR is not in the table.
[[nodiscard]] const KnownAtr* findKnownAtr(ByteView atr) noexcept;

} // namespace tscns::cns
