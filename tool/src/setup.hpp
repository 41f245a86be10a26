// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns setup`: registers the PKCS#11 module in the user's browser NSS databases (or removes it).
#pragma once

#include <string>
#include <vector>

namespace tscns::tool {

extern const char* const kSetupUsage;

/// `tscns setup [--remove] [--module PATH] [--json]`; `args` are the words after "setup".
/// Returns 0 when every database is fine, kSetupIncomplete when one was skipped (in use) or
/// failed. Throws Error(BadArgument) for a bad command line or a missing --module file.
int cmdSetup(const std::vector<std::string>& args);

} // namespace tscns::tool
