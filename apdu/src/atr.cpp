// SPDX-License-Identifier: LGPL-2.1-or-later
// ATR parsing per ISO 7816-3 §8.2.
#include "tscns/apdu/atr.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <string>

namespace tscns::apdu {

namespace {
    [[noreturn]] void fail(const std::string& what)
    {
        throw Error(Errc::CardData, "ATR: " + what);
    }

    std::string hexByte(std::uint8_t b)
    {
        return toHexSpaced(ByteView(&b, 1));
    }

    const Atr::InterfaceGroup* group(const std::vector<Atr::InterfaceGroup>& g, std::size_t i)
    {
        return i >= 1 && i <= g.size() ? &g[i - 1] : nullptr;
    }
} // namespace

Atr Atr::parse(ByteView atr)
{
    if (atr.empty()) fail("empty");
    if (atr.size() > kMaxSize)
        fail(std::to_string(atr.size()) + " bytes, ISO 7816-3 allows at most 33");

    Atr out;
    out.raw.assign(atr.begin(), atr.end());
    out.ts = atr[0];
    if (out.ts != 0x3B && out.ts != 0x3F)
        fail("TS " + hexByte(out.ts) + " is neither 3B (direct) nor 3F (inverse convention)");
    if (atr.size() < 2) fail("truncated after TS (T0 missing)");
    out.t0 = atr[1];

    std::size_t pos = 2;
    bool tckRequired = false;
    std::uint8_t y = out.t0 >> 4;
    for (std::size_t i = 1; y != 0; ++i) {
        InterfaceGroup g;
        auto take = [&](const char* name) {
            if (pos >= atr.size())
                fail(std::string("truncated: ") + name + std::to_string(i)
                    + " announced but the ATR" + " ends at " + std::to_string(atr.size())
                    + " bytes");
            return atr[pos++];
        };
        if ((y & 0x1) != 0) g.ta = take("TA");
        if ((y & 0x2) != 0) g.tb = take("TB");
        if ((y & 0x4) != 0) g.tc = take("TC");
        if ((y & 0x8) != 0) {
            g.td = take("TD");
            // ISO 7816-3 §8.2.5: TCK is absent only when T=0 is the only protocol indicated.
            if ((*g.td & 0x0F) != 0) tckRequired = true;
            y = *g.td >> 4;
        } else {
            y = 0;
        }
        out.groups.push_back(g);
    }

    const std::size_t k = out.t0 & 0x0F;
    if (atr.size() - pos < k)
        fail("truncated: T0 announces " + std::to_string(k) + " historical bytes, "
            + std::to_string(atr.size() - pos) + " present");
    out.historical.assign(atr.begin() + static_cast<std::ptrdiff_t>(pos),
        atr.begin() + static_cast<std::ptrdiff_t>(pos + k));
    pos += k;

    if (tckRequired) {
        if (pos >= atr.size()) fail("TCK missing (a protocol other than T=0 is offered)");
        out.tck = atr[pos++];
        std::uint8_t x = 0;
        for (std::size_t j = 1; j < pos; ++j)
            x ^= atr[j];
        if (x != 0)
            fail("TCK " + hexByte(*out.tck) + " does not check: XOR of T0..TCK is " + hexByte(x)
                + ", expected 00");
    }
    if (pos != atr.size())
        fail(std::to_string(atr.size() - pos) + " unexpected byte(s) after "
            + (tckRequired ? "TCK" : "the historical bytes (no TCK: only T=0 offered)"));
    return out;
}

std::optional<std::uint8_t> Atr::ta(std::size_t i) const noexcept
{
    const auto* g = group(groups, i);
    return g != nullptr ? g->ta : std::nullopt;
}

std::optional<std::uint8_t> Atr::tb(std::size_t i) const noexcept
{
    const auto* g = group(groups, i);
    return g != nullptr ? g->tb : std::nullopt;
}

std::optional<std::uint8_t> Atr::tc(std::size_t i) const noexcept
{
    const auto* g = group(groups, i);
    return g != nullptr ? g->tc : std::nullopt;
}

std::optional<std::uint8_t> Atr::td(std::size_t i) const noexcept
{
    const auto* g = group(groups, i);
    return g != nullptr ? g->td : std::nullopt;
}

std::vector<int> Atr::protocols() const
{
    std::vector<int> out;
    for (const auto& g : groups) {
        // T=15 announces global interface bytes, not a transmission protocol.
        if (g.td && (*g.td & 0x0F) != 0x0F) out.push_back(*g.td & 0x0F);
    }
    if (out.empty()) out.push_back(0);
    return out;
}

bool Atr::offersProtocol(int t) const
{
    const auto p = protocols();
    return std::find(p.begin(), p.end(), t) != p.end();
}

} // namespace tscns::apdu
