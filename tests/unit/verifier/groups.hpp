// SPDX-License-Identifier: LGPL-2.1-or-later
// The cmocka groups of verifier_unit_tests; each returns the number of failed tests.
#pragma once

int runCnsauthTests();
int runStoreTests();
int runVerifyTests();
