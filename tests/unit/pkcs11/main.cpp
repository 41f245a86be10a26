// SPDX-License-Identifier: LGPL-2.1-or-later
// pkcs11_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include "test_support.hpp"

#include <string_view>

int main(int argc, char** argv)
{
    constexpr tscns::test::TestGroup kGroups[] = {
        { "token", runTokenTests },
        { "object", runObjectTests },
        { "login", runLoginTests },
        { "sign", runSignTests },
        { "event", runEventTests },
        { "pin_pad", runPinPadTests },
    };
    return tscns::test::runTestGroups(argc, argv, kGroups);
}
