// SPDX-License-Identifier: LGPL-2.1-or-later
// JSON with repeated member names detected while parsing.
#include "tscns/cnsauth/strict_json.hpp"

#include <set>
#include <string>
#include <vector>

namespace tscns::cnsauth {

StrictJson parseStrictJson(std::string_view text)
{
    using Json = nlohmann::json;
    StrictJson out;
    // The callback sees every key before it is stored.
    std::vector<std::set<std::string>> keys;
    const Json::parser_callback_t callback
        = [&](int, Json::parse_event_t event, Json& parsed) -> bool {
        switch (event) {
        case Json::parse_event_t::object_start:
            keys.emplace_back();
            break;
        case Json::parse_event_t::object_end:
            if (!keys.empty()) keys.pop_back();
            break;
        case Json::parse_event_t::key:
            if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
                out.duplicateMember = true;
            break;
        case Json::parse_event_t::array_start:
        case Json::parse_event_t::array_end:
        case Json::parse_event_t::value:
            break;
        }
        return true;
    };
    out.value = Json::parse(text.begin(), text.end(), callback, true, false);
    return out;
}

} // namespace tscns::cnsauth
