// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_atr: Atr::parse and everything card detection does with an ATR (CNS structure checks,
// historical-byte interpretation, known-ATR table, profile choice).
#include "fuzz_support.hpp"

#include "tscns/apdu/atr.hpp"
#include "tscns/cns/atr_info.hpp"
#include "tscns/cns/known_atrs.hpp"
#include "tscns/cns/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const tscns::ByteView bytes(data, size);
    (void)tscns::cns::findKnownAtr(bytes);
    tscns::fuzz::refusalsAllowed([&] { (void)tscns::cns::profileForAtr(bytes); });
    tscns::fuzz::refusalsAllowed([&] {
        const auto atr = tscns::apdu::Atr::parse(bytes);
        (void)atr.protocols();
        (void)atr.offersProtocol(1);
        for (std::size_t i = 1; i <= atr.groups.size() + 1; ++i) {
            (void)atr.ta(i);
            (void)atr.tb(i);
            (void)atr.tc(i);
            (void)atr.td(i);
        }
        (void)tscns::cns::matchesCnsLoose(atr);
        (void)tscns::cns::matchesCnsStrict(atr);
        if (const auto info = tscns::cns::interpretCnsAtr(atr)) {
            (void)info->chipManufacturerName();
            (void)info->maskManufacturerName();
            (void)info->versionString();
            (void)info->isIdemia2021();
            (void)tscns::cns::profileFor(*info);
        }
    });
    return 0;
}
