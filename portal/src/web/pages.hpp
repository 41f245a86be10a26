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
std::string secondFactor(const std::string& csrf, const std::string& error, bool cardEnabled);
std::string otp(const std::string& csrf, const std::string& error, const std::string& notice);
std::string home(const std::string& csrf, const std::string& name, const std::string& amr);
std::string message(const std::string& title, const std::string& text);

} // namespace tscns::portal::pages
