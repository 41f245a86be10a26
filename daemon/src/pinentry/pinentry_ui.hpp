// SPDX-License-Identifier: LGPL-2.1-or-later
// The native dialogs through a pinentry program, as gpg-agent does with `pinentry-program`: one
// pinentry per dialog, driven over Assuan, killed when the operation is cancelled.
#pragma once

#include "core/user_interface.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace tscns::daemon {

struct PinentryOptions {
    std::string program = "/usr/bin/pinentry";
    std::vector<std::string> args; ///< extra arguments (tests: the scripted pinentry's script)
    /// How long after the dialog timeout the pinentry may still answer before it is killed
    /// (pinentry enforces SETTIMEOUT itself; this only catches one that does not).
    std::chrono::seconds grace { 5 };
};

class PinentryUi final : public UserInterface {
public:
    explicit PinentryUi(PinentryOptions options);

    /// SETTITLE, SETDESC, SETPROMPT, SETOK, SETCANCEL, SETERROR, SETTIMEOUT, GETPIN.
    SecureBytes askPin(
        const DialogText& text, std::chrono::seconds timeout, OperationControl& control) override;
    /// SETTITLE, SETDESC, SETOK, SETCANCEL, SETTIMEOUT, CONFIRM.
    void confirm(
        const DialogText& text, std::chrono::seconds timeout, OperationControl& control) override;

private:
    PinentryOptions options_;
};

} // namespace tscns::daemon
