// SPDX-License-Identifier: LGPL-2.1-or-later
// cns_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include "test_support.hpp"

#include <string_view>

int main(int argc, char** argv)
{
    constexpr tscns::test::TestGroup kGroups[] = {
        { "scripted_channel", runScriptedChannelTests },
        { "get_response_channel", runGetResponseChannelTests },
        { "cns_card_script", runCnsCardScriptTests },
        { "cns_card_vcard", runCnsCardVirtualCardTests },
        { "cns_card_variety", runCardVarietyTests },
        { "cns_connection", runCnsConnectionTests },
        { "cns_pin_pad", runPinPadTests },
    };
    return tscns::test::runTestGroups(argc, argv, kGroups);
}
