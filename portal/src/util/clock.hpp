// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's time: milliseconds since the epoch, and UTC text for dates and logs.
#pragma once

#include <cstdint>
#include <string>

namespace tscns::portal {

/// The system clock in milliseconds since the epoch.
std::int64_t systemNowMs();
/// The UTC day of `ms` as YYYY-MM-DD.
std::string utcDate(std::int64_t ms);
/// `ms` as ISO 8601 UTC, YYYY-MM-DDTHH:MM:SSZ.
std::string utcTimestamp(std::int64_t ms);

} // namespace tscns::portal
