// SPDX-License-Identifier: LGPL-2.1-or-later
// portal_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include <string_view>

int main(int argc, char** argv)
{
    struct Group {
        std::string_view name;
        int (*run)();
    };
    constexpr Group kGroups[] = {
        { "db", runDbTests },
        { "flow", runFlowTests },
    };
    int failed = 0;
    for (const auto& g : kGroups) {
        bool selected = argc < 2;
        for (int i = 1; i < argc; ++i)
            if (g.name == argv[i]) selected = true;
        if (selected) failed += g.run();
    }
    return failed == 0 ? 0 : 1;
}
