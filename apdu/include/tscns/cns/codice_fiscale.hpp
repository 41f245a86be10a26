// SPDX-License-Identifier: LGPL-2.1-or-later
// Italian codice fiscale (16 characters, DM 23/12/1976) structure and check character.
#pragma once

#include <string>
#include <string_view>

namespace tscns::cns {

/// The check character (position 16, 'A'..'Z') of the first 15 characters: odd positions
/// (1st, 3rd, ...) through the odd-position table, even positions by value (0-9, A-Z = 0-25),
/// sum modulo 26 as a letter. Throws Error(BadArgument) unless given 15 characters that are
/// uppercase letters or digits.
[[nodiscard]] char codiceFiscaleCheckChar(std::string_view first15);

/// Checks a 16-character personal codice fiscale: letters at 1-6, 9, 12; digits at 7-8, 10-11,
/// 13-15 where an omocodia letter (L M N P Q R S T U V for 0-9) may replace any digit; month
/// letter one of A B C D E H L M P R S T; day 01-31 or 41-71; check character matching.
/// Uppercase only (cards store it so). Throws Error(BadArgument) naming the first problem.
/// The 11-digit numeric codes issued to some people are not accepted.
void validateCodiceFiscale(std::string_view cf);

/// validateCodiceFiscale without the exception.
[[nodiscard]] bool isValidCodiceFiscale(std::string_view cf) noexcept;

} // namespace tscns::cns
