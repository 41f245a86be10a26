// SPDX-License-Identifier: LGPL-2.1-or-later
// File path: a sequence of 2-byte FIDs ("3F00/1100/1101"), literal type for constexpr tables.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tscns::cns {

class Path {
public:
    static constexpr std::size_t kMaxDepth = 8;
    static constexpr std::uint16_t kMf = 0x3F00;

    constexpr Path() noexcept = default;
    /// Throws Error(BadArgument) for an invalid path (see parse); in a constant expression an
    /// invalid path does not compile.
    constexpr Path(std::initializer_list<std::uint16_t> fids)
    {
        for (auto fid : fids)
            append(fid);
    }

    /// "3F00/1100/1101" (absolute) or "1000/1003" (relative to the current DF): FIDs of exactly
    /// 4 hex digits separated by '/'. Rejected with Error(BadArgument): empty text or component,
    /// a component that is not 4 hex digits, 3F00 anywhere but first, the reserved 3FFF and FFFF,
    /// more than 8 FIDs.
    static Path parse(std::string_view text);

    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] constexpr std::uint16_t operator[](std::size_t i) const noexcept
    {
        return fids_[i];
    }
    [[nodiscard]] constexpr const std::uint16_t* begin() const noexcept { return fids_.data(); }
    [[nodiscard]] constexpr const std::uint16_t* end() const noexcept
    {
        return fids_.data() + size_;
    }
    /// Starts at the MF.
    [[nodiscard]] constexpr bool isAbsolute() const noexcept
    {
        return size_ > 0 && fids_[0] == kMf;
    }
    /// Exactly "3F00".
    [[nodiscard]] constexpr bool isMf() const noexcept { return size_ == 1 && fids_[0] == kMf; }

    /// The data field of SELECT by path (ISO 7816-4 SELECT): the FIDs big-endian, without the
    /// leading 3F00 of an absolute path (P1 = 08), or all of them for a relative path (P1 = 09).
    [[nodiscard]] Bytes selectData() const;
    /// "3F00/1100/1101"
    [[nodiscard]] std::string toString() const;
    /// This path plus one FID. Throws like parse.
    [[nodiscard]] Path child(std::uint16_t fid) const;

    friend constexpr bool operator==(const Path& a, const Path& b) noexcept
    {
        if (a.size_ != b.size_) return false;
        for (std::size_t i = 0; i < a.size_; ++i)
            if (a.fids_[i] != b.fids_[i]) return false;
        return true;
    }

private:
    constexpr void append(std::uint16_t fid)
    {
        if (size_ == kMaxDepth) invalid("more than 8 FIDs");
        if (fid == kMf && size_ != 0) invalid("3F00 (MF) only as the first FID");
        if (fid == 0x3FFF || fid == 0xFFFF) invalid("3FFF and FFFF are reserved FIDs");
        fids_[size_++] = fid;
    }
    [[noreturn]] static void invalid(const char* why);

    std::array<std::uint16_t, kMaxDepth> fids_ {};
    std::size_t size_ = 0;
};

} // namespace tscns::cns
