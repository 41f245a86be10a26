// SPDX-License-Identifier: LGPL-2.1-or-later
// CNS historical bytes and ATR matchers.
#include "tscns/cns/atr_info.hpp"

#include <cstddef>

namespace tscns::cns {

namespace {
    constexpr std::size_t kCnsHistoricalSize = 15;
    constexpr std::size_t kCnsTagIndex = 9; // H10

    bool hasCnsTag(const Bytes& h) noexcept
    {
        return h.size() == kCnsHistoricalSize && h[kCnsTagIndex] == 'C'
            && h[kCnsTagIndex + 1] == 'N' && h[kCnsTagIndex + 2] == 'S';
    }
} // namespace

std::string_view chipManufacturerName(std::uint8_t code) noexcept
{
    switch (code) {
    case 0x02:
        return "STMicroelectronics";
    case 0x04:
        return "NXP";
    case 0x05:
        return "Infineon";
    case 0x11:
        return "Emosyn-EM";
    case 0x15:
        return "Atmel";
    default:
        return "unknown";
    }
}

std::string_view maskManufacturerName(std::uint8_t code) noexcept
{
    switch (code) {
    case 0x01:
        return "Kaitech";
    case 0x02:
        return "Gemplus";
    case 0x03:
        return "Ghirlanda";
    case 0x04:
        return "Giesecke & Devrient";
    case 0x05:
        return "IDEMIA (Oberthur)";
    case 0x06:
        return "Orga";
    case 0x07:
        return "Axalto";
    case 0x08:
        return "Siemens";
    case 0x09:
        return "STIncard";
    case 0x0A:
        return "GEP";
    case 0x0B:
        return "EPS Corp";
    case 0x0C:
        return "Athena";
    case 0x0D:
        return "Gemalto";
    default:
        return "unknown";
    }
}

std::string_view CnsAtrInfo::chipManufacturerName() const noexcept
{
    return cns::chipManufacturerName(chipManufacturer);
}

std::string_view CnsAtrInfo::maskManufacturerName() const noexcept
{
    return cns::maskManufacturerName(maskManufacturer);
}

std::string CnsAtrInfo::versionString() const
{
    return std::to_string(version >> 4) + "." + std::to_string(version & 0x0F);
}

bool CnsAtrInfo::isIdemia2021() const noexcept
{
    return chipManufacturer == 0x05 && maskManufacturer == 0x05 && (osVersion >> 8) >= 0x20;
}

bool matchesCnsLoose(const apdu::Atr& atr) noexcept
{
    return hasCnsTag(atr.historical);
}

bool matchesCnsStrict(const apdu::Atr& atr) noexcept
{
    if (atr.ts != 0x3B || (atr.t0 & 0x8F) != 0x8F) return false;
    const auto td1 = atr.td(1);
    const auto td2 = atr.td(2);
    if (!td1 || (*td1 & 0x8F) != 0x81) return false;
    if (!td2 || *td2 != 0x31) return false;
    if (!atr.ta(3) || !atr.tb(3) || !atr.tck) return false;
    const Bytes& h = atr.historical;
    return hasCnsTag(h) && h[0] == 0x00 && h[1] == 0x6B && h[6] == 0x01 && h[13] == 0x31
        && h[14] == 0x80;
}

std::optional<CnsAtrInfo> interpretCnsAtr(const apdu::Atr& atr)
{
    if (!matchesCnsLoose(atr)) return std::nullopt;
    const Bytes& h = atr.historical;
    CnsAtrInfo info;
    info.h1 = h[0];
    info.h2 = h[1];
    info.chipManufacturer = h[2];
    info.maskManufacturer = h[3];
    info.osVersion = static_cast<std::uint16_t>((h[4] << 8) | h[5]);
    info.application = h[6];
    info.h8 = h[7];
    info.h9 = h[8];
    info.version = h[12];
    info.strictStructure = matchesCnsStrict(atr);
    return info;
}

} // namespace tscns::cns
