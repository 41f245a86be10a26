// SPDX-License-Identifier: LGPL-2.1-or-later
// Static files compiled into tscns-portal (generated from portal/web and daemon/web).
#pragma once

#include <string_view>

namespace tscns::portal::assets {

std::string_view cnsAuthJs() noexcept; ///< daemon/web/cns-auth.js
std::string_view cardLoginJs() noexcept; ///< portal/web/card-login.js
std::string_view portalCss() noexcept; ///< portal/web/portal.css

} // namespace tscns::portal::assets
