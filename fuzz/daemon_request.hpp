// SPDX-License-Identifier: LGPL-2.1-or-later
// Decodes a fuzz input into a daemon Request: method and path picked from the real ones (or
// free text), headers with names picked from those the checks read (or free text), then the
// body. Shared by fuzz_daemon_checks and fuzz_daemon_core.
#pragma once

#include "fuzz_support.hpp"

#include "core/http_types.hpp"

#include <array>
#include <string_view>

namespace tscns::fuzz {

inline daemon::Request decodeRequest(Input& in, std::uint16_t port)
{
    static constexpr std::array<std::string_view, 4> kMethods = { "GET", "POST", "OPTIONS", "PUT" };
    static constexpr std::array<std::string_view, 5> kPaths
        = { "/v1/status", "/v1/authenticate", "/v1/identity", "/v1/cancel", "/" };
    static constexpr std::array<std::string_view, 12> kHeaders
        = { "Host", "Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "X-CNS-Client",
              "Content-Type", "Access-Control-Request-Method", "Access-Control-Request-Headers",
              "Access-Control-Request-Private-Network", "Content-Length", "Referer" };
    daemon::Request r;
    r.localPort = port;
    const std::uint8_t m = in.byte();
    r.method = m < kMethods.size() * 60 ? std::string(kMethods[m % kMethods.size()])
                                        : Input::text(in.chunk());
    const std::uint8_t p = in.byte();
    r.path
        = p < kPaths.size() * 50 ? std::string(kPaths[p % kPaths.size()]) : Input::text(in.chunk());
    const std::size_t headers = in.byte() % 16;
    for (std::size_t i = 0; i < headers; ++i) {
        const std::uint8_t h = in.byte();
        std::string name = h < kHeaders.size() * 20 ? std::string(kHeaders[h % kHeaders.size()])
                                                    : Input::text(in.chunk());
        r.headers.emplace(std::move(name), Input::text(in.chunk()));
    }
    r.body = Input::text(in.rest());
    return r;
}

} // namespace tscns::fuzz
