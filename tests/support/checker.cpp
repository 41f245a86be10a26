// SPDX-License-Identifier: LGPL-2.1-or-later
// Checker implementation.
#include "checker.hpp"

#include <cstdio>
#include <type_traits>

namespace tscns::test {

static_assert(std::is_trivially_destructible_v<Report>);

void Checker::report(const std::string& message)
{
    ++count_;
    log_ += "\n  #" + std::to_string(count_) + " " + message;
}

void Checker::that(bool condition, std::string_view what)
{
    if (!condition) report(std::string(what));
}

void Checker::contains(std::string_view text, std::string_view part, std::string_view what)
{
    if (text.find(part) == std::string_view::npos)
        report(std::string(what) + ": \"" + std::string(text) + "\" lacks \"" + std::string(part)
            + "\"");
}

void Checker::bytes(ByteView actual, ByteView expected, std::string_view what)
{
    const std::string a = toHexSpaced(actual);
    const std::string e = toHexSpaced(expected);
    if (a != e)
        report(std::string(what) + ": bytes differ\n     actual:   " + a + "\n     expected: " + e);
}

void Checker::hex(ByteView actual, std::string_view expectedHex, std::string_view what)
{
    bytes(actual, fromHex(expectedHex), what);
}

std::optional<Error> Checker::throws(
    Errc code, const std::function<void()>& fn, std::string_view what, std::string_view messagePart)
{
    const std::string expected = "expected Errc::" + std::string(errcName(code));
    try {
        fn();
    } catch (const Error& e) {
        if (e.code() != code) {
            report(std::string(what) + ": " + expected
                + ", got Errc::" + std::string(errcName(e.code())) + ": " + e.message());
        } else if (!messagePart.empty() && e.message().find(messagePart) == std::string::npos) {
            report(std::string(what) + ": message \"" + e.message() + "\" lacks \""
                + std::string(messagePart) + "\"");
        }
        return e;
    } catch (const std::exception& e) {
        report(std::string(what) + ": " + expected + ", got std::exception: " + e.what());
        return std::nullopt;
    } catch (...) {
        report(std::string(what) + ": " + expected + ", got an unknown exception");
        return std::nullopt;
    }
    report(std::string(what) + ": " + expected + ", nothing was thrown");
    return std::nullopt;
}

void Checker::noThrow(const std::function<void()>& fn, std::string_view what)
{
    const std::string text = exceptionText(fn);
    if (!text.empty()) report(std::string(what) + ": unexpected exception: " + text);
}

Report runChecks(const std::function<void(Checker&)>& body) noexcept
{
    Report report {};
    try {
        Checker checker;
        body(checker);
        if (!checker.failures().empty()) {
            report.failed = true;
            std::snprintf(report.text, sizeof report.text, "%s", checker.failures().c_str());
        }
    } catch (const Error& e) {
        report.failed = true;
        std::snprintf(report.text, sizeof report.text, "unexpected tscns::Error(%s): %s",
            std::string(errcName(e.code())).c_str(), e.message().c_str());
    } catch (const std::exception& e) {
        report.failed = true;
        std::snprintf(report.text, sizeof report.text, "unexpected exception: %s", e.what());
    } catch (...) {
        report.failed = true;
        std::snprintf(report.text, sizeof report.text, "unexpected unknown exception");
    }
    return report;
}

} // namespace tscns::test
