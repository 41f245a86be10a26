// SPDX-License-Identifier: LGPL-2.1-or-later
// Database on PostgreSQL through libpq (placeholder until the backend lands).
#include "db/database.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::portal {

std::unique_ptr<Database> openPostgres(const std::string& conninfo)
{
    throw Error(Errc::Unsupported,
        "PostgreSQL is not available in this build (" + redactDatabaseUrl(conninfo) + ")");
}

} // namespace tscns::portal
