// SPDX-License-Identifier: LGPL-2.1-or-later
// ApduLog: the `--apdu-log` transcript, one flushed line per command, response or card event.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace tscns::vcard {

/// Line format ("2025-01-31T12:00:00.123Z" is the UTC time the line was written):
///   2025-01-31T12:00:00.123Z > 00 A4 08 0C 04 10 00 10 03     command from vpcd
///   2025-01-31T12:00:00.124Z < 90 00                          response to vpcd
///   2025-01-31T12:00:00.124Z # power on                       event (power, reset, link)
/// ATR polls are not logged: vpcd sends one between any two APDUs.
class ApduLog {
public:
    /// Opens (truncates) `path`; "-" writes to stderr. Throws Error(BadArgument) on failure.
    static std::unique_ptr<ApduLog> open(const std::string& path);
    /// Writes to `stream` without owning it.
    explicit ApduLog(std::FILE* stream) noexcept
        : stream_(stream)
    {
    }
    ~ApduLog();
    ApduLog(const ApduLog&) = delete;
    ApduLog& operator=(const ApduLog&) = delete;

    void command(ByteView apdu) { line('>', toHexSpaced(apdu)); }
    void response(ByteView apdu) { line('<', toHexSpaced(apdu)); }
    void event(std::string_view text) { line('#', text); }

private:
    ApduLog(std::FILE* stream, bool owned) noexcept
        : stream_(stream)
        , owned_(owned)
    {
    }
    void line(char marker, std::string_view text);

    std::FILE* stream_;
    bool owned_ = false;
};

} // namespace tscns::vcard
