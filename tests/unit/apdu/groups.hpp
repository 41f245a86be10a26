// SPDX-License-Identifier: LGPL-2.1-or-later
// The cmocka groups of apdu_unit_tests; each returns the number of failed tests.
#pragma once

int runCodecTests();
int runStatusTableTests();
int runTlvTests();
int runFileInfoTests();
int runAtrTests();
int runCardIdTests();
int runCertificateEfTests();
int runPersonalDataTests();
int runCodiceFiscaleTests();
int runSubjectCnTests();
int runPathProfileTests();
int runCommandsTests();
int runRobustnessTests();
