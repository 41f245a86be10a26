// SPDX-License-Identifier: LGPL-2.1-or-later
// tool_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include "test_support.hpp"

int main(int argc, char** argv)
{
    constexpr tscns::test::TestGroup kGroups[] = {
        { "nss_db", runNssDbTests },
    };
    return tscns::test::runTestGroups(argc, argv, kGroups);
}
