// SPDX-License-Identifier: LGPL-2.1-or-later
// The native dialogs (cns-auth.md §3.6) behind an interface: a PIN dialog that is also the
// consent for authentication, and a confirmation for reading the certificate. The real one
// drives a pinentry program; tests use fakes.
#pragma once

#include "core/operation_control.hpp"

#include "tscns/apdu/bytes.hpp"

#include <chrono>
#include <string>

namespace tscns::daemon {

/// What a dialog shows. All texts are UTF-8 and may contain line breaks.
struct DialogText {
    std::string title;
    std::string description; ///< origin, what is asked, masked CF, last card digits
    std::string prompt; ///< "PIN:"
    std::string ok;
    std::string cancel;
    std::string error; ///< shown above the prompt (e.g. a PIN of the wrong form); may be empty
};

class UserInterface {
public:
    virtual ~UserInterface() = default;
    UserInterface() = default;
    UserInterface(const UserInterface&) = delete;
    UserInterface& operator=(const UserInterface&) = delete;

    /// Shows the PIN dialog and returns what the user typed (never logged, never cached).
    /// Throws DaemonError(UserCancelled) when the user cancels, DaemonError(UserTimeout) when
    /// nobody answers within `timeout`, DaemonError(DialogFailed) when no dialog can be shown,
    /// and what control.throwIfCancelled() throws when the operation is cancelled meanwhile (the
    /// dialog is then closed at once).
    virtual SecureBytes askPin(
        const DialogText& text, std::chrono::seconds timeout, OperationControl& control)
        = 0;
    /// Shows a yes/no dialog; returns when the user agrees. Errors as askPin (a "no" is
    /// UserCancelled).
    virtual void confirm(
        const DialogText& text, std::chrono::seconds timeout, OperationControl& control)
        = 0;
};

} // namespace tscns::daemon
