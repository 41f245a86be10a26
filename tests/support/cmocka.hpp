// SPDX-License-Identifier: LGPL-2.1-or-later
// cmocka for C++: the 1.1.5 header needs these includes first and has no extern "C" guard.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <csetjmp>

extern "C" {
#include <cmocka.h>
}
