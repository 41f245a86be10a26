// SPDX-License-Identifier: LGPL-2.1-or-later
// cmocka for C++: the 1.1.5 header needs these includes first and has no extern "C" guard.
#pragma once

// cmocka defines a macro named fail(), which breaks standard headers (<ios>: ios_base::failure
// members) included after it: the common ones come first.

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ios>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}
