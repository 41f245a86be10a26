// SPDX-License-Identifier: LGPL-2.1-or-later
// Masks for what the portal logs: no full user ID, codice fiscale or mobile number in any log.
#pragma once

#include <string>

namespace tscns::portal {

/// "******1234": all but the last 4 characters hidden.
std::string maskId(const std::string& id);
/// "RSS*********562S": the first 3 and last 4 characters of a 16-character codice fiscale.
std::string maskCf(const std::string& cf);
/// "*********001": all but the last 3 characters hidden.
std::string maskMobile(const std::string& mobile);
/// `text` with every codice-fiscale-shaped word (16 characters: 6 letters, 2 digits, a letter,
/// 2 digits, a letter, 3 digits, a letter; omocodia letters allowed in the digit places)
/// masked as maskCf does: for reasons that quote a certificate or an account.
std::string maskCodiciFiscali(std::string text);

} // namespace tscns::portal
