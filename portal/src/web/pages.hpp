// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's HTML pages: plain forms that work without JavaScript (the card step aside).
#pragma once

#include <string>

namespace tscns::portal::pages {

/// Every page: the layout with `<meta name="csrf-token">` and the stylesheet.
std::string layout(const std::string& title, const std::string& csrf, const std::string& body,
    const std::string& script = {});
std::string login(const std::string& csrf, const std::string& error, const std::string& userId);
std::string newPassword(const std::string& csrf, const std::string& error);
/// `certificateUrl`: where the TLS client-certificate form posts ("" when that login is off).
std::string secondFactor(const std::string& csrf, const std::string& error, bool cardEnabled,
    const std::string& certificateUrl = {});
std::string otp(const std::string& csrf, const std::string& error, const std::string& notice);
std::string home(const std::string& csrf, const std::string& name, const std::string& amr);
/// A message with one link back to `loginUrl` (absolute on the client-certificate listener).
std::string message(
    const std::string& title, const std::string& text, const std::string& loginUrl = "/login");

} // namespace tscns::portal::pages
