// SPDX-License-Identifier: LGPL-2.1-or-later
// Fixture for the tests over a ScriptedChannel: the script lives in heap state built in setup and
// checked in teardown (a script not fully consumed, or a mismatch, fails the test).
#pragma once

#include "scripted_channel.hpp"

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

namespace tscns::test {

struct ScriptFixture {
    ScriptedChannel script;
};

inline ScriptFixture* scriptOf(void** state)
{
    return static_cast<ScriptFixture*>(*state);
}

/// New ScriptFixture.
int scriptSetup(void** state);
/// teardownVerdict(script), then deletes the fixture.
int scriptTeardown(void** state);
/// Deletes the fixture without looking at the script (tests of the double itself).
int scriptTeardownUnchecked(void** state);

/// n bytes of a deterministic pattern (never all equal), starting from `seed`.
Bytes pattern(std::size_t n, std::uint8_t seed = 0x11);
/// Bytes [first, first + n) of `bytes` as hex.
std::string hexOf(ByteView bytes, std::size_t first, std::size_t n);
/// Data then the status word, as a response hex string: hexOf(data) + "9000".
std::string answer(ByteView data, std::string_view swHex = "9000");

} // namespace tscns::test
