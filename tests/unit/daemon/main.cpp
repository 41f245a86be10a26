// SPDX-License-Identifier: LGPL-2.1-or-later
// daemon_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include <csignal>
#include <string_view>

int main(int argc, char** argv)
{
    // As in tscnsd: a pinentry that dies must not end the process with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    struct Group {
        std::string_view name;
        int (*run)();
    };
    constexpr Group kGroups[] = {
        { "daemon_units", runDaemonUnitTests },
        { "daemon_requests", runDaemonRequestTests },
        { "daemon_operations", runDaemonOperationTests },
        { "daemon_pinentry", runDaemonPinentryTests },
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
