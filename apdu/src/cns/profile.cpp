// SPDX-License-Identifier: LGPL-2.1-or-later
// The layout table (docs/card-layouts.md).
#include "tscns/cns/profile.hpp"

#include "tscns/apdu/atr.hpp"

namespace tscns::cns {

namespace {
    constexpr Path kClassicCert { 0x3F00, 0x1100, 0x1101 };

    constexpr std::array<Profile, 7> kProfiles = {
        Profile {
            .name = "CNS classic",
            .family = Family::Classic,
            .certificate = { { kClassicCert }, 1 },
            .keyReference = 0x01,
            .keyDf = std::nullopt,
            // Unknown for classic cards; 8 is what ISO cards commonly allow and what older
            // OpenSC always asked for.
            .maxChallenge = 8,
        },
        Profile {
            .name = "CNS classic (STIncard mask)",
            .family = Family::Classic,
            .certificate = { { kClassicCert }, 1 },
            .keyReference = 0x01,
            .keyDf = std::nullopt,
            // OpenSC sets bit 8 ("search parent DFs") of every PIN command reference on this
            // mask: VERIFY P2 90. For the PUK (91) this is inference.
            .referenceFlag = 0x80,
            .maxChallenge = 8,
        },
        Profile {
            .name = "IDEMIA 2021",
            .family = Family::Idemia2021,
            .certificate = { { Path { 0x3F00, 0x1400, 0x9001, 0x2002 } }, 1 },
            .keyReference = 0x02,
            // Without selecting it DECIPHER fails with 6984 (OpenSC PR #2483).
            .keyDf = Path { 0x3F00, 0x1400, 0x9002 },
            .maxChallenge = 32,
        },
        Profile {
            .name = "Infocamere 1204",
            .family = Family::Infocamere1204,
            .certificate = { { Path { 0x3F00, 0x2FFF, 0x8228 } }, 1 },
            .certificateForm = CertificateForm::Wrapped1204,
            // OpenSC's "CNS01" keyset: security environment / key reference 0x21, key object
            // 2FFF/0000. Selecting its DF first is our choice: harmless where not needed.
            .keyReference = 0x21,
            .keyDf = Path { 0x3F00, 0x2FFF },
            .maxChallenge = 8,
        },
        Profile {
            .name = "ACe 2025 (CNS application)",
            .family = Family::Ace2025,
            .aid = kAce2025Aid,
            // "DA01/C001" is all the public trace says (OpenSC #3804): read as DF DA01 with EF
            // C001 first, then as either FID alone, relative to the application.
            .certificate
            = { { Path { 0x3F00, 0xDA01, 0xC001 }, Path { 0xC001 }, Path { 0xDA01 } }, 3 },
            .keyReference = 0x01,
            .keyDf = std::nullopt,
            .maxChallenge = 8,
        },
        Profile {
            .name = "ChipDoc CNS applet",
            .family = Family::ChipDocCns,
            .aid = kChipDocCnsAid,
            .certificate = { { kClassicCert }, 1 },
            .keyReference = 0x01,
            .keyDf = std::nullopt,
            .maxChallenge = 8,
        },
        Profile {
            .name = "JSign4 (ST 2022)",
            .family = Family::JSign4,
            .aid = kJSign4Aid,
            .certificate = { { kClassicCert }, 1 },
            .keyReference = 0x01,
            .keyDf = std::nullopt,
            .maxChallenge = 8,
        },
    };
} // namespace

std::string_view familyName(Family family) noexcept
{
    switch (family) {
    case Family::Classic:
        return "classic";
    case Family::Idemia2021:
        return "idemia-2021";
    case Family::Infocamere1204:
        return "infocamere-1204";
    case Family::Ace2025:
        return "ace-2025";
    case Family::ChipDocCns:
        return "chipdoc-cns";
    case Family::JSign4:
        return "jsign4";
    }
    return "unknown";
}

const Profile& classicProfile() noexcept
{
    return kProfiles[0];
}
const Profile& stIncardProfile() noexcept
{
    return kProfiles[1];
}
const Profile& idemia2021Profile() noexcept
{
    return kProfiles[2];
}
const Profile& infocamere1204Profile() noexcept
{
    return kProfiles[3];
}
const Profile& ace2025Profile() noexcept
{
    return kProfiles[4];
}
const Profile& chipDocCnsProfile() noexcept
{
    return kProfiles[5];
}
const Profile& jSign4Profile() noexcept
{
    return kProfiles[6];
}
std::span<const Profile> profiles() noexcept
{
    return kProfiles;
}

const Profile& profileFor(const CnsAtrInfo& info) noexcept
{
    if (info.isIdemia2021()) return idemia2021Profile();
    // The Bit4id Digital-DNA token: H3 15, H4 0C, H5 03 (its IAS application comes first, the
    // CNS applet needs SELECT AID).
    if (info.chipManufacturer == 0x15 && info.maskManufacturer == 0x0C
        && (info.osVersion >> 8) == 0x03)
        return chipDocCnsProfile();
    if (info.maskManufacturer == 0x04) return ace2025Profile(); // G&D mask (ACe 2025, #3804)
    if (info.isStIncard()) return stIncardProfile();
    return classicProfile();
}

std::optional<Profile> profileForAtr(ByteView atr)
{
    const auto info = interpretCnsAtr(apdu::Atr::parse(atr));
    if (!info) return std::nullopt;
    return profileFor(*info);
}

} // namespace tscns::cns
