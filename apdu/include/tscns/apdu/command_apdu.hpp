// SPDX-License-Identifier: LGPL-2.1-or-later
// Command APDU value type with an ISO 7816-4 §5.1 encoder and decoder (cases 1-4, short/extended).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tscns::apdu {

struct CommandApdu {
    static constexpr std::size_t kMaxShortLc = 255;
    static constexpr std::size_t kMaxShortLe = 256; ///< encoded as 00
    static constexpr std::size_t kMaxExtendedLc = 65535;
    static constexpr std::size_t kMaxExtendedLe = 65536; ///< encoded as 0000

    std::uint8_t cla = 0x00;
    std::uint8_t ins = 0x00;
    std::uint8_t p1 = 0x00;
    std::uint8_t p2 = 0x00;
    Bytes data;
    /// Absent: no Le field. Present: the number of bytes expected, 1..65536 (256 = short "00").
    std::optional<std::size_t> le;
    /// Force the extended form even when the short one would fit.
    bool extended = false;

    /// True when encode() uses the extended form (forced, Lc > 255 or Le > 256).
    [[nodiscard]] bool needsExtended() const noexcept;
    /// Encodes. Throws Error(BadArgument) when Lc or Le cannot be encoded (Le 0, Lc > 65535).
    [[nodiscard]] Bytes encode() const;
    /// Decodes any ISO case. Throws Error(BadArgument) on malformed bytes: too short, Lc not
    /// matching the remaining length, a zero extended Lc, trailing bytes.
    static CommandApdu decode(ByteView bytes);
    /// CLA bit 5 (0x10): more commands of a chain follow (ISO 7816-4 §5.1.1).
    [[nodiscard]] bool isChained() const noexcept { return (cla & 0x10) != 0; }

    friend bool operator==(const CommandApdu&, const CommandApdu&) = default;
};

} // namespace tscns::apdu
