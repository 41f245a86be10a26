// SPDX-License-Identifier: LGPL-2.1-or-later
// Exception helpers for cmocka tests.
#include "test_support.hpp"

namespace tscns::test {

std::string errorMismatch(Errc code, const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        if (e.code() == code) return {};
        return "expected Errc::" + std::string(errcName(code)) + ", got Errc::"
            + std::string(errcName(e.code())) + ": " + e.message();
    } catch (const std::exception& e) {
        return "expected Errc::" + std::string(errcName(code)) + ", got std::exception: " + e.what();
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

} // namespace tscns::test
