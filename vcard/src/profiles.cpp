// SPDX-License-Identifier: LGPL-2.1-or-later
// The profile table (cns-card.md §7 ATRs, §1/§6/§8 layouts).
#include "tscns/vcard/profiles.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <string>

namespace tscns::vcard {

namespace {

    constexpr std::array<Profile, 9> kProfiles { {
        {
            .name = "st-cns11",
            .description = "ST/STIncard TS-CNS 1.1 (ST 2021), RSA-2048, classic layout",
            .chipMaker = "STMicroelectronics",
            .maskMaker = "STIncard",
            // smartcard_list.txt "TS-CNS"; Tuscany "ST 2021" (pcsc-tools #95).
            .atrHex = "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80 8D",
            .defaultKeyBits = 2048,
            .cnsApplication = true,
            .certPath = "3F00/1100/1101",
            .keyDf = "",
            .extraDf = "3F00/1400",
            .cardNamePath = "",
            .keyRef = 0x01,
            // STIncard mask: OpenSC ORs 0x80 into the reference (cns-card.md §5).
            .pinRefs = { 0x10, 0x90 },
            .pukRefs = { 0x11, 0x91 },
            .maxChallenge = 256,
        },
        {
            .name = "athena-cns10",
            .description = "Athena TS-CNS 1.0, RSA-1024, classic layout",
            .chipMaker = "STMicroelectronics",
            .maskMaker = "Athena",
            // smartcard_list.txt "TS-CNS"; Athena/Actalis CNS (OpenSC #393).
            .atrHex = "3B DF 18 00 81 31 FE 7D 00 6B 02 0C 01 82 01 11 01 43 4E 53 10 31 80 FC",
            .defaultKeyBits = 1024,
            .cnsApplication = true,
            .certPath = "3F00/1100/1101",
            .keyDf = "",
            .extraDf = "3F00/1400",
            .cardNamePath = "",
            .keyRef = 0x01,
            .pinRefs = { 0x10, 0x00 },
            .pukRefs = { 0x11, 0x00 },
            .maxChallenge = 256,
        },
        {
            .name = "cardos-cns10",
            .description = "Siemens CardOS CNS 1.0 (CRS Lombardia), RSA-1024, classic layout",
            .chipMaker = "Infineon",
            .maskMaker = "Siemens (CardOS)",
            // smartcard_list.txt "CRS Regione Lombardia".
            .atrHex
            = "3B FF 18 00 FF C1 0A 31 FE 55 00 6B 05 08 C8 0A 01 11 01 43 4E 53 10 31 80 03",
            .defaultKeyBits = 1024,
            .cnsApplication = true,
            .certPath = "3F00/1100/1101",
            .keyDf = "",
            .extraDf = "3F00/1400",
            .cardNamePath = "",
            .keyRef = 0x01,
            .pinRefs = { 0x10, 0x00 },
            .pukRefs = { 0x11, 0x00 },
            .maxChallenge = 256,
        },
        {
            .name = "idemia-2021",
            .description = "IDEMIA 2021 (ACe 2021) TS-CNS, RSA-2048, certificate in 1400/9001/2002",
            .chipMaker = "Infineon",
            .maskMaker = "IDEMIA/Oberthur",
            // OpenSC #2763; Sardegna (smartcard_list.txt).
            .atrHex = "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 21 01 43 4E 53 10 31 80 79",
            .defaultKeyBits = 2048,
            .cnsApplication = true,
            .certPath = "3F00/1400/9001/2002",
            // The key container DF must be selected before MSE (pkcs15-itacns.c, OpenSC #2483).
            .keyDf = "3F00/1400/9002",
            .extraDf = "3F00/1400",
            .cardNamePath = "3F00/1400/1000",
            .keyRef = 0x02,
            .pinRefs = { 0x10, 0x00 },
            .pukRefs = { 0x11, 0x00 },
            .maxChallenge = 32,
        },
        {
            .name = "infocamere-1204",
            .description = "Infocamere \"1204\" TS-CNS, RSA-2048, wrapped certificate in 2FFF/8228",
            .chipMaker = "STMicroelectronics",
            .maskMaker = "STIncard",
            // A CNS 1.1 ATR of the STIncard family (H4 09); the layout is what tells the kind.
            .atrHex = "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 02 00 01 11 01 43 4E 53 11 31 80 8E",
            .defaultKeyBits = 2048,
            .cnsApplication = true,
            .certPath = "3F00/2FFF/8228",
            .keyDf = "",
            .extraDf = "3F00/1400",
            .cardNamePath = "",
            // OpenSC's "CNS01" keyset: key reference 21, PIN 10 (pkcs15-itacns.c).
            .keyRef = 0x21,
            .pinRefs = { 0x10, 0x90 },
            .pukRefs = { 0x11, 0x91 },
            .maxChallenge = 256,
            .wrappedCertificate = true,
        },
        {
            .name = "ace-2025",
            .description = "Actalis ACe 2025 TS-CNS, RSA-2048, CNS application by AID, "
                           "certificate in DA01/C001",
            .chipMaker = "NXP",
            .maskMaker = "G&D",
            // OpenSC #3804 (Tuscany 2025 card).
            .atrHex = "3B FF 18 00 FF 81 31 FE 4D 00 6B 04 04 B8 5B 01 F1 01 43 4E 53 10 31 80 9D",
            .defaultKeyBits = 2048,
            .cnsApplication = true,
            .certPath = "3F00/DA01/C001",
            .keyDf = "",
            .extraDf = "3F00/1400",
            .cardNamePath = "",
            .keyRef = 0x01,
            .pinRefs = { 0x10, 0x00 },
            .pukRefs = { 0x11, 0x00 },
            .maxChallenge = 256,
            .aidHex = "A0 00 00 05 30 00 0B 10 40 01 02 1A",
            .aidRequiredOption = true,
            .otherAidHex = "A0 00 00 05 30 45 53 49 47 4E", // "ESIGN"
            .idBcdPath = "3F00/D003",
        },
        {
            .name = "chipdoc-cns",
            .description = "Bit4id ChipDoc CNS applet, RSA-2048, classic files behind SELECT AID",
            .chipMaker = "(ATR H3 15)",
            .maskMaker = "Bit4id",
            .atrHex = "3B FF 18 00 00 81 31 FE 45 00 6B 15 0C 03 02 01 01 01 43 4E 53 10 31 80 61",
            .defaultKeyBits = 2048,
            .cnsApplication = true,
            .certPath = "3F00/1100/1101",
            .keyDf = "",
            .extraDf = "3F00/1400",
            .cardNamePath = "",
            .keyRef = 0x01,
            .pinRefs = { 0x10, 0x00 },
            .pukRefs = { 0x11, 0x00 },
            .maxChallenge = 256,
            .aidHex = "A0 00 00 05 30 00 0B 10 40 01 01 1B",
            .aidRequired = true,
        },
        {
            .name = "st-2022-nfc",
            .description = "ST 2022 TS-CNS over NFC (bare ATR), RSA-2048, JSign4 application",
            .chipMaker = "STMicroelectronics",
            .maskMaker = "(contactless: no historical bytes)",
            // OpenSC #3755 / PR #3806.
            .atrHex = "3B 80 80 01 01",
            .defaultKeyBits = 2048,
            .cnsApplication = true,
            .certPath = "3F00/1100/1101",
            .keyDf = "",
            .extraDf = "3F00/1400",
            .cardNamePath = "",
            .keyRef = 0x01,
            .pinRefs = { 0x10, 0x90 },
            .pukRefs = { 0x11, 0x91 },
            .maxChallenge = 256,
            .aidHex = "A0 00 00 00 95 01 00 4D",
            .aidRequired = true,
            .getDataName = "JSign4",
        },
        {
            .name = "foreign-idemia",
            .description = "non-CNS IDEMIA card sharing the IDEMIA 2021 ATR (ATR collision test)",
            .chipMaker = "Infineon",
            .maskMaker = "IDEMIA/Oberthur",
            // Same ATR on a Spanish IDEMIA card (OpenSC #2782, cns-card.md §8).
            .atrHex = "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 21 01 43 4E 53 10 31 80 79",
            .defaultKeyBits = 2048,
            .cnsApplication = false,
            .certPath = "",
            .keyDf = "",
            .extraDf = "",
            .cardNamePath = "",
            .keyRef = 0x00,
            .pinRefs = { 0x00, 0x00 },
            .pukRefs = { 0x00, 0x00 },
            .maxChallenge = 256,
        },
    } };

    bool contains(const std::array<std::uint8_t, 2>& refs, std::uint8_t ref) noexcept
    {
        return ref != 0 && std::find(refs.begin(), refs.end(), ref) != refs.end();
    }

} // namespace

bool Profile::acceptsPinRef(std::uint8_t ref) const noexcept
{
    return contains(pinRefs, ref);
}

bool Profile::acceptsPukRef(std::uint8_t ref) const noexcept
{
    return contains(pukRefs, ref);
}

std::span<const Profile> profiles() noexcept
{
    return kProfiles;
}

const Profile* findProfile(std::string_view name) noexcept
{
    for (const Profile& p : kProfiles)
        if (p.name == name) return &p;
    return nullptr;
}

const Profile& requireProfile(std::string_view name)
{
    if (const Profile* p = findProfile(name)) return *p;
    std::string known;
    for (const Profile& p : kProfiles) {
        if (!known.empty()) known += ", ";
        known += p.name;
    }
    throw Error(Errc::BadArgument,
        "unknown card profile '" + std::string(name) + "' (known: " + known + ")");
}

} // namespace tscns::vcard
