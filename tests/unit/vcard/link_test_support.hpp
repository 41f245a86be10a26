// SPDX-License-Identifier: LGPL-2.1-or-later
// Fixture plumbing for the link tests: helpers do the work (and own every object with a
// destructor) and return bool; test bodies only assert, so cmocka's longjmp skips nothing.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <algorithm>
#include <string>

// cmocka after the standard headers: it defines a fail() macro.
#include "cmocka.hpp"
#include "test_support.hpp"

/// Fails the test with `message` (a std::string lvalue, e.g. a fixture's error) unless `cond`.
#define TSCNS_LINK_CHECK(cond, message)                                                            \
    do {                                                                                           \
        if (!(cond)) fail_msg("%s\n  %s", #cond, (message).c_str());                               \
    } while (0)

namespace tscns::vcard::test {

template <typename F> int setupFixture(void** state)
{
    try {
        *state = new F();
        return 0;
    } catch (...) {
        return -1;
    }
}

template <typename F> int teardownFixture(void** state)
{
    delete static_cast<F*>(*state);
    return 0;
}

template <typename F> F& fixture(void** state)
{
    return *static_cast<F*>(*state);
}

/// Compares bytes with hex; on mismatch writes both into `error`.
inline bool sameBytes(std::string& error, ByteView actual, ByteView expected)
{
    if (std::equal(actual.begin(), actual.end(), expected.begin(), expected.end())) return true;
    error = "actual   " + toHexSpaced(actual) + "\n  expected " + toHexSpaced(expected);
    return false;
}

inline bool sameBytes(std::string& error, ByteView actual, const char* expectedHex)
{
    return sameBytes(error, actual, fromHex(expectedHex));
}

} // namespace tscns::vcard::test

// Group runners, one per test file, called by link_test_main.cpp.
int runLinkFrameTests();
int runLinkOptionsTests();
int runLinkVpcdTests();
int runLinkServerTests();
