// SPDX-License-Identifier: LGPL-2.1-or-later
// Card layouts as data: where a TS-CNS keeps its authentication certificate, key and PIN, and
// how PIN references are sent, per family (docs/card-layouts.md). The ATR only suggests a layout;
// CnsCard::identify and CnsCard::readCertificate find the one the card really has.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/cns/atr_info.hpp"
#include "tscns/cns/certificate_ef.hpp"
#include "tscns/cns/commands.hpp"
#include "tscns/cns/path.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tscns::cns {

enum class Family {
    Classic, ///< certificate 1100/1101, key 01 (CNS 1.0/1.1, ST, Siemens, Athena, older IDEMIA)
    Idemia2021, ///< certificate 1400/9001/2002, key 02 in DF 1400/9002 (ACe/ACx 2021)
    Infocamere1204, ///< wrapped certificate 2FFF/8228, key 21
    Ace2025, ///< CNS application by AID (Actalis ACe 2025), certificate DA01/C001, key 01
    ChipDocCns, ///< Bit4id ChipDoc classic CNS applet by AID, classic files inside
    JSign4, ///< ST 2022 "JSign4" application by AID (contactless), classic files inside
};

/// "classic", "idemia-2021", "infocamere-1204", "ace-2025", "chipdoc-cns", "jsign4": the stable
/// names of `tscns info --json` (profile.family).
[[nodiscard]] std::string_view familyName(Family family) noexcept;

/// A short list of certificate locations (the first is the usual one).
struct CertificatePaths {
    std::array<Path, 3> paths {};
    std::size_t count = 0;
    [[nodiscard]] constexpr std::span<const Path> all() const noexcept
    {
        return { paths.data(), count };
    }
};

struct Profile {
    std::string_view name;
    Family family = Family::Classic;
    /// The application to select first (SELECT by AID), empty for a layout at MF level. Inside
    /// an application, paths from 3F00 address the application's own file system.
    ByteView aid {};
    /// Where the authentication certificate ("CNS0") may be, in the order tried.
    CertificatePaths certificate;
    CertificateForm certificateForm = CertificateForm::Der;
    std::uint8_t keyReference = 0x01; ///< MSE SET tag 83
    std::optional<Path> keyDf; ///< DF to select before MSE, if any
    std::uint8_t securityEnvironment = 0x03; ///< MSE RESTORE P2
    std::uint8_t pinReference = 0x10;
    std::uint8_t pukReference = 0x11;
    /// ORed into PIN/PUK references sent in P2: 0x80 on the STIncard mask (cns-card facts §5).
    std::uint8_t referenceFlag = 0x00;
    std::size_t maxChallenge = 8; ///< bytes per GET CHALLENGE
    std::size_t minPinLength = kMinPinLength;
    std::size_t maxPinLength = kMaxPinLength;
    std::size_t maxReadChunk = kMaxReadChunk;

    /// Runtime state, false in the table: the certificate was found at certificate.paths[0] on
    /// this card, so later reads go straight there.
    bool certificateConfirmed = false;

    [[nodiscard]] const Path& certificatePath() const noexcept { return certificate.paths[0]; }
    [[nodiscard]] bool usesApplication() const noexcept { return !aid.empty(); }
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

/// CNS application AIDs (cns-card facts §8).
inline constexpr std::array<std::uint8_t, 12> kAce2025Aid
    = { 0xA0, 0x00, 0x00, 0x05, 0x30, 0x00, 0x0B, 0x10, 0x40, 0x01, 0x02, 0x1A };
inline constexpr std::array<std::uint8_t, 12> kChipDocCnsAid
    = { 0xA0, 0x00, 0x00, 0x05, 0x30, 0x00, 0x0B, 0x10, 0x40, 0x01, 0x01, 0x1B };
inline constexpr std::array<std::uint8_t, 8> kJSign4Aid
    = { 0xA0, 0x00, 0x00, 0x00, 0x95, 0x01, 0x00, 0x4D };

/// Classic layout, PIN P2 10.
[[nodiscard]] const Profile& classicProfile() noexcept;
/// Classic layout on the STIncard mask (ATR H4 = 09), PIN P2 90.
[[nodiscard]] const Profile& stIncardProfile() noexcept;
/// IDEMIA 2021 (ACe/ACx 2021).
[[nodiscard]] const Profile& idemia2021Profile() noexcept;
/// Infocamere "1204".
[[nodiscard]] const Profile& infocamere1204Profile() noexcept;
/// Actalis ACe 2025 CNS application.
[[nodiscard]] const Profile& ace2025Profile() noexcept;
/// Bit4id ChipDoc classic CNS applet.
[[nodiscard]] const Profile& chipDocCnsProfile() noexcept;
/// ST 2022 JSign4 application (contactless).
[[nodiscard]] const Profile& jSign4Profile() noexcept;
/// All of the above, in the order discovery tries them.
[[nodiscard]] std::span<const Profile> profiles() noexcept;

/// The layout the ATR suggests: IDEMIA 2021 when H3 = 05, H4 = 05, H5 >= 20; ChipDoc for the
/// Bit4id token's historical bytes; ACe 2025 on the G&D mask (H4 = 04); STIncard when H4 = 09;
/// classic otherwise.
[[nodiscard]] const Profile& profileFor(const CnsAtrInfo& info) noexcept;
/// Parses the ATR (Error(CardData) when malformed) and picks the profile; nullopt when it is
/// not a contact CNS ATR ("CNS" at H10). The ATR only suggests: probe the card before relying on
/// it (ATRs collide).
[[nodiscard]] std::optional<Profile> profileForAtr(ByteView atr);

} // namespace tscns::cns
