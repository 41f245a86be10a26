// SPDX-License-Identifier: LGPL-2.1-or-later
// The CNS authentication certificate's subject CN "<CF>/<card ID>.<hash>" (cns-card.md §4).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/cns/card_id.hpp"

#include <string>
#include <string_view>

namespace tscns::cns {

struct SubjectCn {
    static constexpr std::size_t kHashBase64Length = 28; ///< 20-byte SHA-1 in base64
    static constexpr std::size_t kHashSize = 20;

    std::string codiceFiscale;
    CardId cardId;
    std::string hashBase64; ///< as written in the CN
    Bytes hash; ///< decoded, 20 bytes

    /// Parses the CN attribute value only (no "CN=" prefix, no other RDNs):
    /// a valid codice fiscale, '/', 16 digits (the card ID: its type and check digit are only
    /// reported in cardId.checks), '.', 28 base64 characters (27 of A-Z a-z 0-9 + / and one '='
    /// pad). Throws Error(CardData) naming the part.
    static SubjectCn parse(std::string_view cn);

    friend bool operator==(const SubjectCn&, const SubjectCn&) = default;
};

} // namespace tscns::cns
