// SPDX-License-Identifier: LGPL-2.1-or-later
// SqlRow accessors, the URL dispatch between the backends, and URL redaction.
#include "db/database.hpp"

#include "tscns/apdu/error.hpp"

#include <charconv>

namespace tscns::portal {

SqlRow::SqlRow(std::vector<std::optional<std::string>> values)
    : values_(std::move(values))
{
}

bool SqlRow::isNull(std::size_t i) const
{
    if (i >= values_.size())
        throw Error(Errc::Internal, "SQL column " + std::to_string(i) + " out of range");
    return !values_[i].has_value();
}

std::string SqlRow::text(std::size_t i) const
{
    return isNull(i) ? std::string() : *values_[i];
}

std::optional<std::string> SqlRow::optionalText(std::size_t i) const
{
    return isNull(i) ? std::nullopt : values_[i];
}

std::int64_t SqlRow::integer(std::size_t i, std::int64_t fallback) const
{
    if (isNull(i)) return fallback;
    const std::string& s = *values_[i];
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
        throw Error(Errc::Internal, "SQL column " + std::to_string(i) + " is not an integer");
    return v;
}

std::unique_ptr<Database> openDatabase(std::string_view url)
{
    if (url.starts_with("sqlite:")) {
        const std::string path(url.substr(7));
        if (path.empty()) throw Error(Errc::BadArgument, "database URL sqlite: names no file");
        return openSqlite(path);
    }
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")
        || url.find('=') != std::string_view::npos)
        return openPostgres(std::string(url));
    throw Error(Errc::BadArgument,
        "database URL " + redactDatabaseUrl(url)
            + " is neither sqlite:PATH nor a PostgreSQL conninfo (postgresql://...)");
}

std::string redactDatabaseUrl(std::string_view url)
{
    std::string out(url);
    // postgresql://user:secret@host/db
    if (const auto scheme = out.find("://"); scheme != std::string::npos) {
        const auto at = out.find('@', scheme + 3);
        const auto colon = out.find(':', scheme + 3);
        if (at != std::string::npos && colon != std::string::npos && colon < at)
            out.replace(colon + 1, at - colon - 1, "***");
    }
    // key=value form: password=secret
    for (std::size_t pos = out.find("password="); pos != std::string::npos;
         pos = out.find("password=", pos + 1)) {
        const std::size_t start = pos + 9;
        std::size_t end = std::string::npos;
        if (start < out.size() && out[start] == '\'') {
            // A quoted value runs to the closing quote (backslash escapes the next character).
            for (std::size_t i = start + 1; i < out.size(); ++i) {
                if (out[i] == '\\') {
                    ++i;
                } else if (out[i] == '\'') {
                    end = i + 1;
                    break;
                }
            }
        } else {
            end = out.find_first_of(" &", start);
        }
        if (end == std::string::npos) end = out.size();
        out.replace(start, end - start, "***");
    }
    return out;
}

} // namespace tscns::portal
