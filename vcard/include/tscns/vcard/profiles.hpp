// SPDX-License-Identifier: LGPL-2.1-or-later
// Card profiles of the virtual card: ATR, key size and file-system layout of real TS-CNS models.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tscns::vcard {

/// One card model. The values come from cns-card.md (§1 file system, §5 PIN references, §6 key
/// references, §7 ATRs, §8 quirks); a profile is data only, the state machine reads it.
struct Profile {
    std::string_view name; ///< command-line name, e.g. "st-cns11"
    std::string_view description;
    std::string_view chipMaker; ///< IC manufacturer (ATR H3)
    std::string_view maskMaker; ///< mask / OS manufacturer (ATR H4)
    std::string_view atrHex; ///< full ATR, TCK included
    unsigned defaultKeyBits = 2048;
    /// False for a non-CNS card that only shares a CNS ATR (cns-card.md §8 "ATR collisions"): it
    /// carries no CNS file, PIN or key.
    bool cnsApplication = true;
    /// Where personalization writes the authentication certificate ("3F00/1100/1101").
    std::string_view certPath;
    /// DF that must be the current DF at MSE SET time (IDEMIA 2021), or empty.
    std::string_view keyDf;
    /// Further DFs the card has even without EFs (e.g. DF_DS 1400, "must exist", §1).
    std::string_view extraDf;
    /// EF_CardName path (IDEMIA, OpenSC PR #3362), or empty.
    std::string_view cardNamePath;
    std::uint8_t keyRef = 0x01; ///< MSE SET tag 83 value of the authentication key
    /// Accepted P2 values for the PIN and the PUK; 0 marks an unused slot.
    std::array<std::uint8_t, 2> pinRefs {};
    std::array<std::uint8_t, 2> pukRefs {};
    std::size_t maxChallenge = 256; ///< GET CHALLENGE limit (IDEMIA 2021: 32)
    /// The CNS application's AID (hex), empty for a card with its files at MF level only.
    std::string_view aidHex {};
    /// True when nothing is reachable before SELECT AID of the application (contactless ST 2022,
    /// the ChipDoc applet); `aidRequiredOption` lets `--aid-required` switch it on (ACe 2025).
    bool aidRequired = false;
    bool aidRequiredOption = false;
    /// Other applications that answer SELECT AID with 90 00 (ACe 2025 "ESIGN"); selecting one
    /// leaves the CNS application.
    std::string_view otherAidHex {};
    /// True: the certificate EF holds the Infocamere "1204" form (01, DER length in 2 bytes,
    /// 00 00, DER) instead of plain DER.
    bool wrappedCertificate = false;
    /// EF holding the card ID as packed BCD in bytes 2..9 (ACe 2025 D003), or empty.
    std::string_view idBcdPath {};
    /// What GET DATA 00 CA 01 80 answers (ST 2022 "JSign4"), empty: INS not supported.
    std::string_view getDataName {};

    [[nodiscard]] Bytes atr() const { return fromHex(atrHex); }
    [[nodiscard]] Bytes aid() const { return aidHex.empty() ? Bytes {} : fromHex(aidHex); }
    [[nodiscard]] bool acceptsPinRef(std::uint8_t ref) const noexcept;
    [[nodiscard]] bool acceptsPukRef(std::uint8_t ref) const noexcept;
};

inline constexpr std::string_view kDefaultProfile = "st-cns11";

/// All profiles, the default first.
std::span<const Profile> profiles() noexcept;
/// The profile called `name`, or nullptr.
const Profile* findProfile(std::string_view name) noexcept;
/// Same, but throws Error(BadArgument) naming the known profiles.
const Profile& requireProfile(std::string_view name);

} // namespace tscns::vcard
