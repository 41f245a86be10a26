// SPDX-License-Identifier: LGPL-2.1-or-later
// ApduLog: timestamped, flushed transcript lines.
#include "link_apdu_log.hpp"

#include "tscns/apdu/error.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace tscns::vcard {

std::unique_ptr<ApduLog> ApduLog::open(const std::string& path)
{
    if (path == "-") return std::make_unique<ApduLog>(stderr);
    std::FILE* stream = std::fopen(path.c_str(), "we");
    if (stream == nullptr) {
        throw Error(
            Errc::BadArgument, "cannot open APDU log '" + path + "': " + std::strerror(errno));
    }
    return std::unique_ptr<ApduLog>(new ApduLog(stream, true));
}

ApduLog::~ApduLog()
{
    if (owned_) std::fclose(stream_);
}

void ApduLog::line(char marker, std::string_view text)
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    tm utc {};
    ::gmtime_r(&now.tv_sec, &utc);
    std::array<char, 32> stamp {};
    const std::size_t length = std::strftime(stamp.data(), stamp.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    std::string out(stamp.data(), length);
    const long millis = now.tv_nsec / 1'000'000;
    out += '.';
    out += static_cast<char>('0' + millis / 100);
    out += static_cast<char>('0' + millis / 10 % 10);
    out += static_cast<char>('0' + millis % 10);
    out += "Z ";
    out += marker;
    out += ' ';
    out += text;
    out += '\n';
    // One write per line and a flush: tests and tail -f read the file while the card runs.
    std::fwrite(out.data(), 1, out.size(), stream_);
    std::fflush(stream_);
}

} // namespace tscns::vcard
