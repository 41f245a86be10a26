// SPDX-License-Identifier: LGPL-2.1-or-later
// CNS reading of an ATR's historical bytes (cns-card.md §7) and the two CNS ATR matchers.
#pragma once

#include "tscns/apdu/atr.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tscns::cns {

/// Historical bytes H1..H15 of a CNS contact ATR (cns-card.md §7):
/// H1 00 · H2 6B · H3 IC maker · H4 mask/OS maker · H5-H6 OS version · H7 01 CNS / 02 CIE ·
/// H8-H9 unknown · H10-H12 "CNS" · H13 version (10 = 1.0, 11 = 1.1) · H14-H15 31 80.
struct CnsAtrInfo {
    std::uint8_t h1 = 0;
    std::uint8_t h2 = 0;
    std::uint8_t chipManufacturer = 0; ///< H3
    std::uint8_t maskManufacturer = 0; ///< H4
    std::uint16_t osVersion = 0; ///< H5 H6
    std::uint8_t application = 0; ///< H7
    std::uint8_t h8 = 0;
    std::uint8_t h9 = 0;
    std::uint8_t version = 0; ///< H13
    bool strictStructure = false; ///< the whole ATR passes matchesCnsStrict()

    [[nodiscard]] std::string_view chipManufacturerName() const noexcept;
    [[nodiscard]] std::string_view maskManufacturerName() const noexcept;
    /// "1.0", "1.1" (H13 nibbles). H13 does not tell the key size (IDEMIA 2021 says 1.0).
    [[nodiscard]] std::string versionString() const;
    /// H4 = 09: OpenSC sets bit 0x80 of PIN references on this mask (cns-card.md §5).
    [[nodiscard]] bool isStIncard() const noexcept { return maskManufacturer == 0x09; }
    /// H3 = 05, H4 = 05, H5 >= 20 (OpenSC master's IDEMIA 2021 rule, cns-card.md §7/§8).
    [[nodiscard]] bool isIdemia2021() const noexcept;
};

/// OpenSC 0.24+ check: exactly 15 historical bytes with "CNS" at H10-H12.
[[nodiscard]] bool matchesCnsLoose(const apdu::Atr& atr) noexcept;

/// The full structure OpenSC 0.23's matcher checks (cns-card.md §7): TS 3B; T0 & 8F = 8F (TD1,
/// 15 historical bytes); TD1 & 8F = 81 (T=1, TD2 follows); TD2 = 31 (TA3, TB3, T=1); TCK present
/// (Atr::parse has checked it); H1 = 00, H2 = 6B, H7 = 01, "CNS" at H10, H14-H15 = 31 80.
[[nodiscard]] bool matchesCnsStrict(const apdu::Atr& atr) noexcept;

/// The CNS fields when matchesCnsLoose() holds, else nullopt.
[[nodiscard]] std::optional<CnsAtrInfo> interpretCnsAtr(const apdu::Atr& atr);

/// H3 codes (ISO 7816-6 registry, as OpenSC lists them); "unknown" otherwise.
[[nodiscard]] std::string_view chipManufacturerName(std::uint8_t code) noexcept;
/// H4 codes (CNS mask manufacturer list, as OpenSC lists them); "unknown" otherwise.
[[nodiscard]] std::string_view maskManufacturerName(std::uint8_t code) noexcept;

} // namespace tscns::cns
