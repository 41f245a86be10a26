// SPDX-License-Identifier: LGPL-2.1-or-later
// Strict JSON parsing for cns-auth inputs (daemon request bodies, tokens).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace tscns::cnsauth {

struct StrictJson {
    nlohmann::json value;
    /// A member name repeated within one object, at any depth. nlohmann keeps the last one
    /// silently: two parsers could then disagree on what was sent, so callers refuse it.
    bool duplicateMember = false;
};

/// Parses one JSON document: valid UTF-8, no data after it. Throws nlohmann::json::exception
/// when it is not valid JSON; reports repeated member names in the result.
StrictJson parseStrictJson(std::string_view text);

} // namespace tscns::cnsauth
