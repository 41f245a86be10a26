// SPDX-License-Identifier: LGPL-2.1-or-later
// apdu_unit_tests: runs every group, or only the groups named on the command line.
#include "groups.hpp"

#include "test_support.hpp"

#include <string_view>

int main(int argc, char** argv)
{
    constexpr tscns::test::TestGroup kGroups[] = {
        { "codec", runCodecTests },
        { "status_table", runStatusTableTests },
        { "tlv", runTlvTests },
        { "file_info", runFileInfoTests },
        { "atr", runAtrTests },
        { "card_id", runCardIdTests },
        { "certificate_ef", runCertificateEfTests },
        { "personal_data", runPersonalDataTests },
        { "codice_fiscale", runCodiceFiscaleTests },
        { "subject_cn", runSubjectCnTests },
        { "path_profile", runPathProfileTests },
        { "commands", runCommandsTests },
        { "robustness", runRobustnessTests },
    };
    return tscns::test::runTestGroups(argc, argv, kGroups);
}
