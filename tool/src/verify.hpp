// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns verify`: check a cns-auth:1 token as a login service would (no card, no store).
#pragma once

#include <string>
#include <vector>

namespace tscns::tool {

/// The help text of `tscns verify`.
extern const char* const kVerifyUsage;

/// Runs `tscns verify` with the arguments after the word "verify". Returns the exit code of
/// the verification (see kVerifyUsage); throws Error(BadArgument) for a bad command line or an
/// unusable configuration file (exit code 2 at the caller).
int cmdVerify(const std::vector<std::string>& args);

} // namespace tscns::tool
