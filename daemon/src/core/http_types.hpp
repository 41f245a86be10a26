// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon core's view of HTTP: a request in, a response out, no sockets
// (docs/development.md §5).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tscns::daemon {

/// ASCII case-insensitive ordering for header names (RFC 9110 §5.1).
struct CaseInsensitiveLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept;
};

/// Header fields by name, case-insensitive; a name may repeat.
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;

/// Asks the transport whether the client has closed its connection (it aborted the fetch).
using ClientGoneProbe = std::function<bool()>;

struct Request {
    std::string method; ///< "GET", "POST", "OPTIONS", ...
    std::string path; ///< without the query string
    Headers headers;
    std::string body;
    std::uint16_t localPort = 0; ///< the port the request arrived on (Host check, §3.4 step 1)
    ClientGoneProbe clientGone; ///< may be empty (then the client is never seen to leave)

    /// How many fields named `name` the request has.
    [[nodiscard]] std::size_t headerCount(std::string_view name) const;
    /// The value of the only field named `name`; nullopt when absent or repeated.
    [[nodiscard]] std::optional<std::string> uniqueHeader(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers; ///< in the order they are sent
    std::string body;

    /// The first header named `name` (case-insensitive), if any.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
    void setHeader(std::string name, std::string value);
};

} // namespace tscns::daemon
