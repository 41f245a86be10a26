// SPDX-License-Identifier: LGPL-2.1-or-later
// The cmocka groups of cns_unit_tests; each returns the number of failed tests.
#pragma once

int runScriptedChannelTests();
int runGetResponseChannelTests();
int runCnsCardScriptTests();
int runCnsCardVirtualCardTests();
int runCardVarietyTests();
int runCnsConnectionTests();
int runPinPadTests();
