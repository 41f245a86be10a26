// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns doctor`: checks pcscd, readers, cards, browser registrations, p11-kit and tscnsd, each
// with a status and, when not ok, a one-line fix.
#pragma once

#include <string>
#include <vector>

namespace tscns::tool {

extern const char* const kDoctorUsage;

/// `tscns doctor [--json] [--config FILE]`; `args` are the words after "doctor". Returns 0 when
/// no check found a problem (warnings allowed), kDoctorProblem otherwise.
int cmdDoctor(const std::vector<std::string>& args);

} // namespace tscns::tool
