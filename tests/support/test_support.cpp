// SPDX-License-Identifier: LGPL-2.1-or-later
// Exception helpers, temporary directories and the group runner for cmocka tests.
#include "test_support.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include <unistd.h>

namespace tscns::test {

std::string errorMismatch(Errc code, const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        if (e.code() == code) return {};
        return "expected Errc::" + std::string(errcName(code))
            + ", got Errc::" + std::string(errcName(e.code())) + ": " + e.message();
    } catch (const std::exception& e) {
        return "expected Errc::" + std::string(errcName(code))
            + ", got std::exception: " + e.what();
    } catch (...) {
        return "expected Errc::" + std::string(errcName(code)) + ", got an unknown exception";
    }
    return "expected Errc::" + std::string(errcName(code)) + ", nothing was thrown";
}

std::string exceptionText(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        return "tscns::Error(" + std::string(errcName(e.code())) + "): " + e.message();
    } catch (const std::exception& e) {
        return std::string("std::exception: ") + e.what();
    } catch (...) {
        return "unknown exception";
    }
    return {};
}

std::string bytesMismatch(ByteView actual, ByteView expected)
{
    const std::string a = toHexSpaced(actual);
    const std::string e = toHexSpaced(expected);
    if (a == e) return {};
    return "bytes differ\n  actual:   " + a + "\n  expected: " + e;
}

namespace {
    char gStash[8192];
}

bool stash(const std::string& text)
{
    if (text.empty()) return false;
    const std::size_t n = text.size() < sizeof gStash - 1 ? text.size() : sizeof gStash - 1;
    text.copy(gStash, n);
    gStash[n] = '\0';
    return true;
}

const char* stashed()
{
    return gStash;
}

std::filesystem::path makeTempDir(std::string_view prefix)
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/"
        + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    return pattern;
}

void removeTree(const std::filesystem::path& dir) noexcept
{
    if (dir.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

int runTestGroups(int argc, char** argv, std::span<const TestGroup> groups)
{
    int failed = 0;
    for (const TestGroup& g : groups) {
        bool selected = argc < 2;
        for (int i = 1; i < argc; ++i)
            if (g.name == argv[i]) selected = true;
        if (selected) failed += g.run();
    }
    return failed == 0 ? 0 : 1;
}

} // namespace tscns::test
