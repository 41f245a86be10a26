// SPDX-License-Identifier: LGPL-2.1-or-later
// EF_DatiPersonali (3F00/1100/1102): holder data as hex-length-prefixed ASCII (cns-card.md §3).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/cns/date.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::cns {

struct PersonalData {
    static constexpr std::size_t kFieldCount = 16;
    /// A TS-CNS fills fields 1-7, 9, 11, 14, so at least fields 1-9 must be encoded.
    static constexpr std::size_t kMinFieldCount = 9;

    /// What the 6-digit header turned out to count (it is never trusted, cns-card.md §11.1).
    enum class HeaderMeaning {
        IncludesHeader, ///< header = 6 + field bytes (the one real dump, #3804)
        ExcludesHeader, ///< header = field bytes (OpenSC's comment)
        Neither,
    };

    std::uint32_t header = 0; ///< value of the 6 hex digits
    std::size_t encodedLength = 0; ///< header + fields, without the 00 padding
    std::size_t fieldCount = 0; ///< fields present, 9..16

    std::string issuer; ///< 1 codice emittente, e.g. "6030"
    std::optional<Date> issueDate; ///< 2 (nullopt when the field is empty)
    std::optional<Date> expiryDate; ///< 3
    std::string surname; ///< 4
    std::string givenName; ///< 5
    std::optional<Date> birthDate; ///< 6
    std::string sex; ///< 7 "M"/"F" (not checked)
    std::string height; ///< 8 (CIE only)
    std::string codiceFiscale; ///< 9 (not checked: see validateCodiceFiscale)
    std::string citizenship; ///< 10
    std::string birthMunicipality; ///< 11 cadastral code, e.g. "F205"
    std::string birthCountry; ///< 12
    std::string birthCertificate; ///< 13 atto di nascita
    std::string residenceMunicipality; ///< 14
    std::string residenceAddress; ///< 15
    std::string expatriationNotes; ///< 16

    /// What did not fit the expected encoding; the fields above are a best effort.
    std::vector<std::string> warnings;

    /// Parses the EF content (the 400-byte file, padding included, or any prefix of it), as
    /// much as it allows.
    ///
    /// Layout: 6 hex digits (header), then per field 2 hex digits of length (either case) and
    /// that many bytes. Parsing is sequential with bounds checks and ignores the header's value
    /// (both conventions occur: with or without the 6 header characters). It stops after field
    /// 16, at the end of the data, or at a 00/FF byte where a length is expected. Everything
    /// odd becomes a warning, never an error: a non-hex header or length (the fields stop
    /// there), a length running past the end (the field keeps what there is), bytes beyond
    /// ASCII (read as Latin-1, returned as UTF-8), control bytes (U+FFFD), invalid dates
    /// (nullopt), fewer than 9 fields, data after the last field.
    /// Throws Error(CardData) only when not one field can be read.
    static PersonalData parse(ByteView ef);

    [[nodiscard]] HeaderMeaning headerMeaning() const noexcept;
    /// "GIVENNAME SURNAME" (OpenSC's token label), or whichever part is present.
    [[nodiscard]] std::string displayName() const;
};

/// "issuer", "issueDate", ... for field numbers 1..16; "unknown" otherwise.
[[nodiscard]] std::string_view personalFieldName(std::size_t number) noexcept;

} // namespace tscns::cns
