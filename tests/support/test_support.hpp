// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for cmocka tests in C++: exceptions never escape a test body.
#pragma once

#include "cmocka.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/error.hpp"

#include <exception>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace tscns::test {

/// Runs fn; returns "" when it throws tscns::Error with `code`, else a description of what
/// happened instead. Use as: assertError(Errc::X, [&] { ... });
std::string errorMismatch(Errc code, const std::function<void()>& fn);
/// Runs fn; returns "" when it completes, else the exception's description.
std::string exceptionText(const std::function<void()>& fn);
/// "" when equal, else both buffers in hex.
std::string bytesMismatch(ByteView actual, ByteView expected);

/// Copies a failure text into a static buffer and returns true when it is not empty, so that the
/// std::string is destroyed before cmocka's fail_msg longjmps (docs/development.md §6).
bool stash(const std::string& text);
/// The text last stashed.
const char* stashed();

/// mkdtemp under $TMPDIR (or /tmp); throws std::system_error on failure.
std::filesystem::path makeTempDir(std::string_view prefix);
/// Removes a directory tree, ignoring errors (teardowns).
void removeTree(const std::filesystem::path& dir) noexcept;

/// One cmocka group of a unit-test binary: its name on the command line and its runner (which
/// returns the number of failed tests).
struct TestGroup {
    std::string_view name;
    int (*run)();
};

/// The main() of every unit-test binary: runs every group, or only the groups named in
/// argv[1..]; 0 when no test failed.
int runTestGroups(int argc, char** argv, std::span<const TestGroup> groups);

} // namespace tscns::test

// Macros so that cmocka reports the caller's file and line. No object with a destructor is alive
// when fail_msg runs: the temporaries die with the if-condition.
#define TSCNS_EXPECT_ERROR(code, ...)                                                              \
    do {                                                                                           \
        if (::tscns::test::stash(::tscns::test::errorMismatch(code, __VA_ARGS__)))                 \
            fail_msg("%s", ::tscns::test::stashed());                                              \
    } while (0)

#define TSCNS_NO_THROW(...)                                                                        \
    do {                                                                                           \
        if (::tscns::test::stash(::tscns::test::exceptionText(__VA_ARGS__)))                       \
            fail_msg("unexpected exception: %s", ::tscns::test::stashed());                        \
    } while (0)

/// Compares byte buffers and prints both as hex on mismatch.
#define TSCNS_ASSERT_BYTES(actual, expected)                                                       \
    do {                                                                                           \
        if (::tscns::test::stash(::tscns::test::bytesMismatch(actual, expected)))                  \
            fail_msg("%s", ::tscns::test::stashed());                                              \
    } while (0)
