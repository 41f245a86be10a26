// SPDX-License-Identifier: LGPL-2.1-or-later
// portal_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include "test_support.hpp"

#include <string_view>

int main(int argc, char** argv)
{
    constexpr tscns::test::TestGroup kGroups[] = {
        { "db", runDbTests },
        { "flow", runFlowTests },
        { "sms", runSmsTests },
    };
    return tscns::test::runTestGroups(argc, argv, kGroups);
}
