// SPDX-License-Identifier: LGPL-2.1-or-later
// Placeholder until the vpcd link lands.
#include "run.hpp"

#include <cstdio>

namespace tscns::vcard {

int runCommand(const std::vector<std::string>&)
{
    std::fputs("tscns-vcard run: not implemented yet\n", stderr);
    return 1;
}

} // namespace tscns::vcard
