// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's schema and its migrations (one list, applied in order, for both backends).
#pragma once

#include "db/database.hpp"

namespace tscns::portal {

/// The schema version this build writes.
std::int64_t schemaVersion() noexcept;

/// Applies the migrations the database lacks, each in its own transaction, serialized between
/// processes (lockForMigration). Throws Error(BadArgument) when the database was written by a
/// newer tscns-portal (a higher version than this build knows).
void migrate(Database& db);

} // namespace tscns::portal
