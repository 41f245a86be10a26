// SPDX-License-Identifier: LGPL-2.1-or-later
// The one place where PC/SC return codes become tscns errors.
#pragma once

#include <PCSC/winscard.h>

#include <string_view>

namespace tscns::reader::detail {

/// Throws tscns::Error for any rv other than SCARD_S_SUCCESS.
void check(LONG rv, std::string_view what);
/// pcsc_stringify_error without the dependency on its static buffer.
std::string_view pcscName(LONG rv) noexcept;

} // namespace tscns::reader::detail
