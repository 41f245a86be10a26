// SPDX-License-Identifier: LGPL-2.1-or-later
// Checker: collects expectation failures inside a lambda, so that no object with a destructor is
// alive when cmocka's fail_msg longjmps out of the test (docs/development.md §6).
#pragma once

#include "test_support.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/error.hpp"

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tscns::test {

template <typename T>
constexpr bool isStandardInteger
    = std::is_integral_v<
          T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t> && !std::is_same_v<T, wchar_t>;

template <typename T> std::string show(const T& v)
{
    if constexpr (std::is_same_v<T, bool>) {
        return v ? "true" : "false";
    } else if constexpr (std::is_same_v<T, char>) {
        return std::string("'") + v + "'";
    } else if constexpr (std::is_same_v<T, Errc>) {
        return "Errc::" + std::string(errcName(v));
    } else if constexpr (std::is_enum_v<T>) {
        return "enum "
            + std::to_string(static_cast<long long>(static_cast<std::underlying_type_t<T>>(v)));
    } else if constexpr (std::is_integral_v<T>) {
        return std::to_string(v);
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
        return "\"" + std::string(std::string_view(v)) + "\"";
    } else if constexpr (std::is_convertible_v<const T&, ByteView>) {
        return "[" + toHexSpaced(ByteView(v)) + "]";
    } else {
        return "(value)";
    }
}

template <typename T> std::string show(const std::optional<T>& v)
{
    return v ? show(*v) : std::string("nullopt");
}

class Checker {
public:
    /// Records `what` when `condition` is false.
    void that(bool condition, std::string_view what);

    template <typename A, typename B>
    void eq(const A& actual, const B& expected, std::string_view what)
    {
        bool same = false;
        if constexpr (isStandardInteger<A> && isStandardInteger<B>)
            same = std::cmp_equal(actual, expected);
        else
            same = actual == expected;
        if (!same)
            report(std::string(what) + ": got " + show(actual) + ", expected " + show(expected));
    }

    /// Records `what` when `text` lacks `part`.
    void contains(std::string_view text, std::string_view part, std::string_view what);
    void bytes(ByteView actual, ByteView expected, std::string_view what);
    /// Expected bytes as spaced hex.
    void hex(ByteView actual, std::string_view expectedHex, std::string_view what);

    /// Runs fn; expects tscns::Error with `code` whose message contains `messagePart`.
    /// Returns the error for further checks.
    std::optional<Error> throws(Errc code, const std::function<void()>& fn, std::string_view what,
        std::string_view messagePart = {});
    /// Runs fn; records any exception.
    void noThrow(const std::function<void()>& fn, std::string_view what);

    void report(const std::string& message);
    [[nodiscard]] const std::string& failures() const noexcept { return log_; }

private:
    std::string log_;
    std::size_t count_ = 0;
};

/// Trivially destructible result: safe to hold across fail_msg.
struct Report {
    bool failed;
    char text[2048];
};

/// Runs body with a fresh Checker; an exception escaping body is a failure too.
Report runChecks(const std::function<void(Checker&)>& body) noexcept;

} // namespace tscns::test

#define TSCNS_CHECK(...)                                                                           \
    do {                                                                                           \
        const ::tscns::test::Report tscnsReport_ = ::tscns::test::runChecks(__VA_ARGS__);          \
        if (tscnsReport_.failed) fail_msg("%s", tscnsReport_.text);                                \
    } while (0)
