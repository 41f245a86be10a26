// SPDX-License-Identifier: LGPL-2.1-or-later
// Database contract tests (being written).
#include "groups.hpp"

int runDbTests()
{
    return 0;
}
