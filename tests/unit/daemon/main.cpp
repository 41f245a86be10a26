// SPDX-License-Identifier: LGPL-2.1-or-later
// daemon_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include "test_support.hpp"

#include <csignal>
#include <string_view>

int main(int argc, char** argv)
{
    // As in tscnsd: a pinentry that dies must not end the process with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    constexpr tscns::test::TestGroup kGroups[] = {
        { "daemon_units", runDaemonUnitTests },
        { "daemon_requests", runDaemonRequestTests },
        { "daemon_operations", runDaemonOperationTests },
        { "daemon_pinentry", runDaemonPinentryTests },
        { "daemon_hardening", runDaemonHardeningTests },
    };
    return tscns::test::runTestGroups(argc, argv, kGroups);
}
