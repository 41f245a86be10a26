// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns-vcard run`: connect a card image to vpcd and serve APDUs.
#pragma once

#include <string>
#include <vector>

namespace tscns::vcard {

/// Runs `tscns-vcard run DIR [--vpcd HOST:PORT] [--apdu-log FILE] [--latency-ms N] ...`.
/// `args` are the words after "run". Returns the process exit code.
int runCommand(const std::vector<std::string>& args);

} // namespace tscns::vcard
