// SPDX-License-Identifier: LGPL-2.1-or-later
// The one status word table (ISO 7816-4 §5.6): meaning and Errc for every SW, plus throwForStatus.
#pragma once

#include "tscns/apdu/error.hpp"
#include "tscns/apdu/status_word.hpp"

#include <source_location>
#include <string>
#include <string_view>

namespace tscns::apdu {

struct StatusInfo {
    Errc code;
    std::string_view description;
};

/// Meaning of a status word. Exact entries win over SW1-class entries (63Cx, 61xx, 6Cxx, 62xx…).
/// 9000 maps to Errc::Internal: throwing for success is a bug. Unknown 6x/9x words map to
/// CardRejected, words outside 6x/9x (not valid per ISO 7816-4 §5.6) to Transport.
[[nodiscard]] StatusInfo lookupStatus(StatusWord sw) noexcept;
[[nodiscard]] Errc errcForStatus(StatusWord sw) noexcept;
[[nodiscard]] std::string_view describeStatus(StatusWord sw) noexcept;

/// "<context>: <description> (SW 6A82)"; for 63Cx the description gains ", N tries left".
[[nodiscard]] std::string statusMessage(StatusWord sw, std::string_view context);

/// Throws tscns::Error with errcForStatus(sw), statusMessage(sw, context), the status word and,
/// for 63Cx, the retry counter. Commands that need another mapping decide at their call site.
[[noreturn]] void throwForStatus(StatusWord sw, std::string_view context,
    std::source_location where = std::source_location::current());

} // namespace tscns::apdu
