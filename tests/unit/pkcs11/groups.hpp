// SPDX-License-Identifier: LGPL-2.1-or-later
// The cmocka groups of pkcs11_unit_tests; each returns the number of failed tests.
#pragma once

int runTokenTests();
int runObjectTests();
int runLoginTests();
int runSignTests();
int runEventTests();
int runPinPadTests();
