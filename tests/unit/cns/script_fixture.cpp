// SPDX-License-Identifier: LGPL-2.1-or-later
// ScriptFixture implementation.
#include "script_fixture.hpp"

namespace tscns::test {

int scriptSetup(void** state)
{
    *state = new ScriptFixture;
    return 0;
}

int scriptTeardown(void** state)
{
    auto* f = static_cast<ScriptFixture*>(*state);
    const int rc = teardownVerdict(f->script);
    delete f;
    *state = nullptr;
    return rc;
}

int scriptTeardownUnchecked(void** state)
{
    delete static_cast<ScriptFixture*>(*state);
    *state = nullptr;
    return 0;
}

Bytes pattern(std::size_t n, std::uint8_t seed)
{
    Bytes out(n);
    std::uint8_t v = seed;
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = v;
        v = static_cast<std::uint8_t>(v * 5 + 3);
    }
    return out;
}

std::string hexOf(ByteView bytes, std::size_t first, std::size_t n)
{
    return toHex(bytes.subspan(first, n));
}

std::string answer(ByteView data, std::string_view swHex)
{
    return toHex(data) + std::string(swHex);
}

} // namespace tscns::test
