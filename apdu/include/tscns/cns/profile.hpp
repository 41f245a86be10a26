// SPDX-License-Identifier: LGPL-2.1-or-later
// Card profiles as data: where the authentication certificate and key live and how PIN
// references are sent, per card family (cns-card.md §4-§8).
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/cns/atr_info.hpp"
#include "tscns/cns/commands.hpp"
#include "tscns/cns/path.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tscns::cns {

enum class Family {
    Classic, ///< certificate 1100/1101, key 01 (CNS 1.0/1.1, ST, Siemens, Athena, older IDEMIA)
    Idemia2021, ///< certificate 1400/9001/2002, key 02 in DF 1400/9002 (ACe/ACx 2021)
};

struct Profile {
    std::string_view name;
    Family family = Family::Classic;
    Path certificatePath; ///< DER authentication certificate ("CNS0")
    std::uint8_t keyReference = 0x01; ///< MSE SET tag 83
    std::optional<Path> keyDf; ///< DF to select before MSE, if any
    std::uint8_t securityEnvironment = 0x03; ///< MSE RESTORE P2
    std::uint8_t pinReference = 0x10;
    std::uint8_t pukReference = 0x11;
    /// ORed into PIN/PUK references sent in P2: 0x80 on the STIncard mask (cns-card.md §5).
    std::uint8_t referenceFlag = 0x00;
    std::size_t maxChallenge = 8; ///< bytes per GET CHALLENGE
    std::size_t minPinLength = kMinPinLength;
    std::size_t maxPinLength = kMaxPinLength;
    std::size_t maxReadChunk = kMaxReadChunk;

    /// P2 for VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER of the PIN (10 or 90).
    [[nodiscard]] constexpr std::uint8_t pinP2() const noexcept
    {
        return static_cast<std::uint8_t>(pinReference | referenceFlag);
    }
    /// P2 for VERIFY of the PUK (11 or 91).
    [[nodiscard]] constexpr std::uint8_t pukP2() const noexcept
    {
        return static_cast<std::uint8_t>(pukReference | referenceFlag);
    }
};

/// Classic layout, PIN P2 10.
[[nodiscard]] const Profile& classicProfile() noexcept;
/// Classic layout on the STIncard mask (ATR H4 = 09), PIN P2 90.
[[nodiscard]] const Profile& stIncardProfile() noexcept;
/// IDEMIA 2021 (ACe/ACx 2021).
[[nodiscard]] const Profile& idemia2021Profile() noexcept;
/// All of the above.
[[nodiscard]] std::span<const Profile> profiles() noexcept;

/// IDEMIA 2021 when H3 = 05, H4 = 05, H5 >= 20; STIncard when H4 = 09; classic otherwise.
[[nodiscard]] const Profile& profileFor(const CnsAtrInfo& info) noexcept;
/// Parses the ATR (Error(BadArgument) when malformed) and picks the profile; nullopt when it is
/// not a contact CNS ATR ("CNS" at H10). The ATR only suggests: probe the card before relying on
/// it (ATRs collide, cns-card.md §8).
[[nodiscard]] std::optional<Profile> profileForAtr(ByteView atr);

} // namespace tscns::cns
