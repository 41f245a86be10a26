// SPDX-License-Identifier: LGPL-2.1-or-later
// Reader selection.
#include "card_session.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <cctype>

namespace tscns::tool {

namespace {
    std::string lower(std::string s)
    {
        std::transform(s.begin(), s.end(), s.begin(),
            [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s;
    }
} // namespace

std::string pickReader(reader::Context& context, const std::optional<std::string>& wanted)
{
    const auto readers = context.readers();
    if (readers.empty()) throw Error(Errc::NoReader, "no smart card reader found");
    if (!wanted) {
        for (const auto& r : readers)
            if (r.cardPresent) return r.name;
        throw Error(Errc::CardAbsent,
            readers.size() == 1
                ? "no card in the reader \"" + readers[0].name + "\""
                : "no card in any of the " + std::to_string(readers.size()) + " readers");
    }
    for (const auto& r : readers)
        if (r.name == *wanted) return r.name;
    if (!wanted->empty() && std::all_of(wanted->begin(), wanted->end(), [](unsigned char c) {
            return std::isdigit(c);
        })) {
        const unsigned long n = std::stoul(*wanted);
        if (n < readers.size()) return readers[n].name;
        throw Error(Errc::NoReader,
            "no reader number " + *wanted + " (there are " + std::to_string(readers.size()) + ")");
    }
    const std::string needle = lower(*wanted);
    std::optional<std::string> found;
    for (const auto& r : readers) {
        if (lower(r.name).find(needle) != std::string::npos) {
            if (found)
                throw Error(Errc::NoReader,
                    "\"" + *wanted
                        + "\" matches more than one reader: give its full name or number");
            found = r.name;
        }
    }
    if (!found)
        throw Error(Errc::NoReader, "no reader matches \"" + *wanted + "\" (see tscns readers)");
    return *found;
}

} // namespace tscns::tool
