// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for cmocka tests in C++: exceptions never escape a test body.
#pragma once

#include "cmocka.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/error.hpp"

#include <exception>
#include <functional>
#include <string>

namespace tscns::test {

/// Runs fn; returns "" when it throws tscns::Error with `code`, else a description of what
/// happened instead. Use as: assertError(Errc::X, [&] { ... });
std::string errorMismatch(Errc code, const std::function<void()>& fn);
/// Runs fn; returns "" when it completes, else the exception's description.
std::string exceptionText(const std::function<void()>& fn);

} // namespace tscns::test

// Macros so that cmocka reports the caller's file and line.
#define TSCNS_EXPECT_ERROR(code, ...)                                                            \
    do {                                                                                         \
        const std::string tscnsMismatch_ = ::tscns::test::errorMismatch(code, __VA_ARGS__);      \
        if (!tscnsMismatch_.empty()) fail_msg("%s", tscnsMismatch_.c_str());                     \
    } while (0)

#define TSCNS_NO_THROW(...)                                                                      \
    do {                                                                                         \
        const std::string tscnsThrown_ = ::tscns::test::exceptionText(__VA_ARGS__);              \
        if (!tscnsThrown_.empty()) fail_msg("unexpected exception: %s", tscnsThrown_.c_str());   \
    } while (0)

/// Compares byte buffers and prints both as hex on mismatch.
#define TSCNS_ASSERT_BYTES(actual, expected)                                                     \
    do {                                                                                         \
        const std::string a_ = ::tscns::toHexSpaced(actual);                                     \
        const std::string e_ = ::tscns::toHexSpaced(expected);                                   \
        if (a_ != e_) fail_msg("bytes differ\n  actual:   %s\n  expected: %s", a_.c_str(),     \
            e_.c_str());                                                                         \
    } while (0)
