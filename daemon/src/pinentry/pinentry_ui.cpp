// SPDX-License-Identifier: LGPL-2.1-or-later
// PinentryUi: dialog texts in, PIN or consent out; pinentry's answers mapped to the daemon's
// problems (ERR 83886179 "Operation cancelled" → USER_CANCELLED, ERR ...062 timeout →
// USER_TIMEOUT).
#include "pinentry/pinentry_ui.hpp"

#include "core/daemon_error.hpp"
#include "core/log.hpp"
#include "pinentry/assuan.hpp"

#include <cstdlib>

namespace tscns::daemon {

namespace {
    using assuan::PinentryProcess;
    using assuan::Reply;
    using Clock = std::chrono::steady_clock;

    /// Room for anything a user may type; a longer answer is refused as a whole.
    constexpr std::size_t kPinBuffer = 256;

    /// "CMD escaped-text", shortened (at a UTF-8 boundary) to fit an Assuan line.
    std::string commandLine(std::string_view command, std::string_view text)
    {
        std::string t(text);
        while (true) {
            std::string line = std::string(command) + " " + assuan::escape(t);
            if (line.size() + 1 <= assuan::kMaxLine) return line;
            t.pop_back();
            while (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0x80)
                t.pop_back();
            if (!t.empty() && (static_cast<unsigned char>(t.back()) & 0x80) != 0) t.pop_back();
        }
    }

    const char* envLocale(const char* category)
    {
        for (const char* name : { "LC_ALL", category, "LANG" }) {
            const char* v = std::getenv(name);
            if (v != nullptr && *v != '\0') return v;
        }
        return nullptr;
    }

    /// Turns a non-OK reply into the exception the UserInterface contract names.
    [[noreturn]] void fail(const Reply& r, const OperationControl& control, const char* step)
    {
        control.throwIfCancelled(); // a cancel explains Interrupted, and also an Eof after kill
        switch (r.kind) {
        case Reply::Kind::Err:
            if (r.code == assuan::kErrCanceled || r.code == assuan::kErrFullyCanceled
                || r.code == assuan::kErrNotConfirmed)
                throw DaemonError(Problem::UserCancelled, "The user cancelled the dialog");
            if (r.code == assuan::kErrTimeout)
                throw DaemonError(Problem::UserTimeout, "The dialog was not answered in time");
            throw DaemonError(Problem::DialogFailed,
                std::string("pinentry refused ") + step + ": ERR " + std::to_string(r.code) + " "
                    + r.text);
        case Reply::Kind::Timeout:
            throw DaemonError(Problem::UserTimeout, "The dialog was not answered in time");
        case Reply::Kind::Interrupted:
        case Reply::Kind::Eof:
        case Reply::Kind::Ok:
            break;
        }
        throw DaemonError(Problem::DialogFailed,
            std::string("the pinentry ended during ") + step
                + " (is the program installed, and is a display available?)");
    }

    /// Starts the pinentry and sends the texts shared by both dialogs.
    void setUp(PinentryProcess& p, const DialogText& text, std::chrono::seconds timeout,
        Clock::time_point deadline, const OperationControl& control, bool withPrompt)
    {
        const auto required = [&](const std::string& line, const char* step) {
            const Reply r = p.transact(line, deadline);
            if (r.kind != Reply::Kind::Ok) fail(r, control, step);
        };
        // Optional settings: an old pinentry may not know them (ERR is fine, anything else not).
        const auto optional = [&](const std::string& line, const char* step) {
            const Reply r = p.transact(line, deadline);
            if (r.kind != Reply::Kind::Ok && r.kind != Reply::Kind::Err) fail(r, control, step);
        };
        const Reply hello = p.greeting(deadline);
        if (hello.kind != Reply::Kind::Ok) fail(hello, control, "start-up");
        if (const char* lc = envLocale("LC_CTYPE"))
            optional(std::string("OPTION lc-ctype=") + lc, "OPTION");
        if (const char* lc = envLocale("LC_MESSAGES"))
            optional(std::string("OPTION lc-messages=") + lc, "OPTION");
        optional(commandLine("SETTITLE", text.title), "SETTITLE");
        required(commandLine("SETDESC", text.description), "SETDESC");
        if (withPrompt) optional(commandLine("SETPROMPT", text.prompt), "SETPROMPT");
        if (!text.ok.empty()) optional(commandLine("SETOK", text.ok), "SETOK");
        if (!text.cancel.empty()) optional(commandLine("SETCANCEL", text.cancel), "SETCANCEL");
        if (!text.error.empty()) optional(commandLine("SETERROR", text.error), "SETERROR");
        optional("SETTIMEOUT " + std::to_string(timeout.count()), "SETTIMEOUT");
    }
} // namespace

PinentryUi::PinentryUi(PinentryOptions options)
    : options_(std::move(options))
{
}

SecureBytes PinentryUi::askPin(
    const DialogText& text, std::chrono::seconds timeout, OperationControl& control)
{
    control.throwIfCancelled();
    const auto deadline = Clock::now() + timeout + options_.grace;
    PinentryProcess p(options_.program, options_.args);
    // Declared after p: unregistered (and waited for) before p is destroyed.
    const auto hook = control.onCancel([&p] { p.wake(); });
    setUp(p, text, timeout, deadline, control, true);
    SecureBytes pin(kPinBuffer);
    const Reply r = p.transact("GETPIN", deadline, &pin);
    if (r.kind != Reply::Kind::Ok) fail(r, control, "GETPIN");
    p.finish();
    logDebug("pinentry: PIN dialog answered");
    if (r.dataMalformed) pin.clear(); // asked again by the caller as a PIN of the wrong form
    return pin;
}

void PinentryUi::confirm(
    const DialogText& text, std::chrono::seconds timeout, OperationControl& control)
{
    control.throwIfCancelled();
    const auto deadline = Clock::now() + timeout + options_.grace;
    PinentryProcess p(options_.program, options_.args);
    const auto hook = control.onCancel([&p] { p.wake(); });
    setUp(p, text, timeout, deadline, control, false);
    const Reply r = p.transact("CONFIRM", deadline);
    if (r.kind != Reply::Kind::Ok) fail(r, control, "CONFIRM");
    p.finish();
    logDebug("pinentry: consent given");
}

} // namespace tscns::daemon
