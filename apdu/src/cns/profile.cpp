// SPDX-License-Identifier: LGPL-2.1-or-later
// The profile table.
#include "tscns/cns/profile.hpp"

#include "tscns/apdu/atr.hpp"

#include <array>

namespace tscns::cns {

namespace {
    constexpr std::array<Profile, 3> kProfiles = {
        Profile {
            .name = "CNS classic",
            .family = Family::Classic,
            .certificatePath = Path { 0x3F00, 0x1100, 0x1101 },
            .keyReference = 0x01,
            .keyDf = std::nullopt,
            // Unknown for classic cards; 8 is what ISO cards commonly allow and what older
            // OpenSC always asked for.
            .maxChallenge = 8,
        },
        Profile {
            .name = "CNS classic (STIncard mask)",
            .family = Family::Classic,
            .certificatePath = Path { 0x3F00, 0x1100, 0x1101 },
            .keyReference = 0x01,
            .keyDf = std::nullopt,
            // OpenSC sets bit 8 ("search parent DFs") of every PIN command reference on this
            // mask: VERIFY P2 90 (cns-card.md §5). For the PUK (91) this is inference.
            .referenceFlag = 0x80,
            .maxChallenge = 8,
        },
        Profile {
            .name = "IDEMIA 2021",
            .family = Family::Idemia2021,
            .certificatePath = Path { 0x3F00, 0x1400, 0x9001, 0x2002 },
            .keyReference = 0x02,
            // Without selecting it DECIPHER fails with 6984 (cns-card.md §6).
            .keyDf = Path { 0x3F00, 0x1400, 0x9002 },
            .maxChallenge = 32,
        },
    };
} // namespace

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
std::span<const Profile> profiles() noexcept
{
    return kProfiles;
}

const Profile& profileFor(const CnsAtrInfo& info) noexcept
{
    if (info.isIdemia2021()) return idemia2021Profile();
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
