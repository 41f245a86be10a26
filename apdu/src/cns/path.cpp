// SPDX-License-Identifier: LGPL-2.1-or-later
// File paths.
#include "tscns/cns/path.hpp"

#include "tscns/apdu/error.hpp"

#include "quote.hpp"

namespace tscns::cns {

namespace {
    int hexDigit(char c) noexcept
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
} // namespace

void Path::invalid(const char* why)
{
    throw Error(Errc::BadArgument, std::string("path: ") + why);
}

Path Path::parse(std::string_view text)
{
    if (text.empty()) throw Error(Errc::BadArgument, "path: empty");
    Path out;
    std::size_t start = 0;
    while (true) {
        const auto slash = text.find('/', start);
        const auto part
            = text.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (part.size() != 4)
            throw Error(Errc::BadArgument,
                "path " + detail::quote(text) + ": component " + detail::quote(part)
                    + " is not 4 hex digits");
        std::uint16_t fid = 0;
        for (char c : part) {
            const int d = hexDigit(c);
            if (d < 0)
                throw Error(Errc::BadArgument,
                    "path " + detail::quote(text) + ": component " + detail::quote(part)
                        + " is not 4 hex digits");
            fid = static_cast<std::uint16_t>((fid << 4) | d);
        }
        try {
            out.append(fid);
        } catch (const Error& e) {
            throw Error(Errc::BadArgument, e.message() + " in " + detail::quote(text));
        }
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return out;
}

Bytes Path::selectData() const
{
    Bytes out;
    out.reserve(size_ * 2);
    for (std::size_t i = isAbsolute() ? 1 : 0; i < size_; ++i) {
        out.push_back(static_cast<std::uint8_t>(fids_[i] >> 8));
        out.push_back(static_cast<std::uint8_t>(fids_[i] & 0xFF));
    }
    return out;
}

std::string Path::toString() const
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < size_; ++i) {
        if (i != 0) out.push_back('/');
        for (int shift = 12; shift >= 0; shift -= 4)
            out.push_back(kHex[(fids_[i] >> shift) & 0xF]);
    }
    return out;
}

Path Path::child(std::uint16_t fid) const
{
    Path out = *this;
    out.append(fid);
    return out;
}

} // namespace tscns::cns
