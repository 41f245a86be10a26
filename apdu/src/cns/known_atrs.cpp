// SPDX-License-Identifier: LGPL-2.1-or-later
// Known ATR table, copied from cns-card.md §7 (sources: smartcard_list.txt, OpenSC, issues).
#include "tscns/cns/known_atrs.hpp"

#include <cstddef>

namespace tscns::cns {

namespace {
    using K = KnownAtr::Kind;

    constexpr KnownAtr kAtrs[] = {
        { "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 16 17 01 11 01 43 4E 53 11 31 80 8D",
            "ST/STIncard, 1.1", "TS-CNS; Tuscany \"ST 2021\"", K::CnsContact },
        { "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 17 17 01 11 01 43 4E 53 11 31 80 8C",
            "ST/STIncard, 1.1", "Trento CPS / EHIC", K::CnsContact },
        { "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 02 00 01 11 01 43 4E 53 10 31 80 8F",
            "ST/STIncard", "CRS Regione Lombardia", K::CnsContact },
        { "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 02 00 01 11 01 43 4E 53 11 31 80 8E",
            "ST/STIncard", "Infocamere CNS", K::CnsContact },
        { "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 03 03 01 01 01 43 4E 53 10 31 80 9D",
            "ST/STIncard", "Aruba CNS Toscana/Infocamere; minidriver \"Italian CNS (d)\"",
            K::CnsContact },
        { "3B FF 18 00 FF C1 0A 31 FE 55 00 6B 05 08 C8 05 01 11 01 43 4E 53 10 31 80 0C",
            "Infineon/Siemens (CardOS)", "CRS Regione Lombardia", K::CnsContact },
        { "3B FF 18 00 FF C1 0A 31 FE 55 00 6B 05 08 C8 0A 01 11 01 43 4E 53 10 31 80 03",
            "Infineon/Siemens", "CRS Regione Lombardia", K::CnsContact },
        { "3B FF 18 00 FF C1 0A 31 FE 55 00 6B 05 08 C8 0C 01 11 01 43 4E 53 10 31 80 05",
            "Infineon/Siemens", "TS-CNS Trento / \"Repubblica Italiana\"", K::CnsContact },
        { "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 21 01 43 4E 53 10 31 80 79",
            "Infineon/IDEMIA fw 0x20", "IDEMIA 2021 (ACe 2021); Sardegna", K::CnsContact },
        { "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 91 20 01 F1 01 43 4E 53 10 31 80 38",
            "Infineon/IDEMIA", "IDEMIA ID-One CNS v2 on Cosmo 9.1", K::CnsContact },
        { "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 10 17 01 21 01 43 4E 53 10 31 80 5E",
            "Infineon/IDEMIA", "Liguria, Veneto TS-CRS", K::CnsContact },
        { "3B FF 18 00 00 81 31 FE 45 00 6B 11 05 07 00 01 21 01 43 4E 53 10 31 80 4A",
            "11/Oberthur", "Oberthur Cosmo ID-One; minidriver \"Italian CNS (e)\"", K::CnsContact },
        { "3B FF 18 00 00 81 31 FE 45 00 6B 04 05 01 00 01 21 01 43 4E 53 10 31 80 59",
            "NXP/IDEMIA", "Sardegna, Emilia-Romagna", K::CnsContact },
        { "3B FF 18 00 00 81 31 FE 45 00 6B 04 05 01 00 01 11 01 43 4E 53 10 31 80 69",
            "NXP/IDEMIA", "Friuli VG", K::CnsContact },
        { "3B FF 18 00 FF 81 31 FE 4D 00 6B 04 04 B8 5B 01 F1 01 43 4E 53 10 31 80 9D", "NXP/G&D",
            "Italian CNS (HealthCare)", K::CnsContact },
        { "3B DF 18 00 81 31 FE 7D 00 6B 02 0C 01 82 01 11 01 43 4E 53 10 31 80 FC", "ST/Athena",
            "TS-CNS; Athena/Actalis CNS", K::CnsContact },
        { "3B DF 18 00 81 31 FE 7D 00 6B 15 0C 01 81 01 11 01 43 4E 53 10 31 80 E8",
            "15/Athena OS 1.81", "TS-CNS Tuscany, CRS Lombardia; Athena ASEPCOS-TS/CNS 1.81",
            K::CnsContact },
        { "3B DF 18 00 81 31 FE 7D 00 6B 15 0C 01 80 01 11 01 43 4E 53 10 31 80 E9", "15/Athena",
            "Actalis", K::CnsContact },
        { "3B FF 18 00 00 81 31 FE 45 00 6B 15 0C 03 02 01 01 01 43 4E 53 10 31 80 61", "-",
            "Bit4id Digital-DNA key (NXP ChipDoc, PACE)", K::CnsContact },
        { "3B 8B 80 01 00 31 C1 64 08 92 33 54 00 90 00 F3", "contactless",
            "TS-CNS (NFC); OpenSC: IDEMIA 2021 NFC", K::CnsContactless },
        { "3B 88 80 01 00 00 00 00 03 81 91 00 1A", "contactless", "TS-CNS NFC interface",
            K::CnsContactless },
        { "3B 80 80 01 01", "contactless", "ST 2022 TS-CNS over NFC, no historical bytes",
            K::CnsContactless },
        // Other Italian cards: none has "CNS" at H10.
        { "3B F4 18 00 FF 81 31 80 55 00 31 80 00 C7", "-", "CIE v1 (itacns table)", K::NotCns },
        { "3B E9 00 FF C1 10 31 FE 55 00 64 05 00 C8 02 31 80 00 47", "CardOS",
            "CIE v1; minidriver \"Italian CNS (a)\"", K::NotCns },
        { "3B FB 98 00 FF C1 10 31 FE 55 00 64 05 20 47 03 31 80 00 90 00 F3", "CardOS",
            "Infocamere; minidriver \"Italian CNS (b)\"", K::NotCns },
        { "3B FC 98 00 FF C1 10 31 FE 55 C8 03 49 6E 66 6F 63 61 6D 65 72 65 28", "-",
            "Infocamere; minidriver \"Italian CNS (c)\"", K::NotCns },
        { "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 13 00 02 49 54 49 44 20 20 31 80 D3", "-",
            "CIE v2", K::NotCns },
    };

    int nibble(char c) noexcept
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }

    /// Compares the spaced hex of the table with raw bytes, without allocating.
    bool sameBytes(std::string_view hex, ByteView bytes) noexcept
    {
        std::size_t n = 0;
        std::size_t i = 0;
        while (i < hex.size()) {
            if (hex[i] == ' ') {
                ++i;
                continue;
            }
            if (i + 1 >= hex.size() || n >= bytes.size()) return false;
            const int hi = nibble(hex[i]);
            const int lo = nibble(hex[i + 1]);
            if (hi < 0 || lo < 0 || bytes[n] != ((hi << 4) | lo)) return false;
            ++n;
            i += 2;
        }
        return n == bytes.size();
    }
} // namespace

std::span<const KnownAtr> knownAtrs() noexcept
{
    return kAtrs;
}

const KnownAtr* findKnownAtr(ByteView atr) noexcept
{
    for (const auto& k : kAtrs)
        if (sameBytes(k.hex, atr)) return &k;
    return nullptr;
}

} // namespace tscns::cns
