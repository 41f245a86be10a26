// SPDX-License-Identifier: LGPL-2.1-or-later
// FileInfo: the SELECT answer (FCP 62, FCI 6F or FMD 64 template, ISO 7816-4) parsed.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/security_attributes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tscns::apdu {

enum class FileTemplate : std::uint8_t {
    Fcp = 0x62,
    Fmd = 0x64,
    Fci = 0x6F,
};

/// File descriptor byte (tag 82, first byte; ISO 7816-4).
enum class FileKind : std::uint8_t {
    Df, ///< 0x38 (b6-b4 = 111)
    TransparentEf, ///< working or internal EF, structure 001
    RecordEf, ///< linear fixed, linear variable or cyclic EF
    Other, ///< proprietary (b8 set) or an undefined structure
};

struct FileInfo {
    FileTemplate templ = FileTemplate::Fcp;
    std::optional<std::size_t> dataSize; ///< tag 80: data bytes (EF size)
    std::optional<std::size_t> allocatedSize; ///< tag 81: bytes including structural info
    std::optional<std::uint8_t> descriptor; ///< tag 82, first byte
    std::optional<FileKind> kind; ///< decoded from `descriptor`
    std::optional<std::uint16_t> fid; ///< tag 83
    std::optional<Bytes> dfName; ///< tag 84 (DF name / AID)
    std::optional<SecurityAttributes> security; ///< tag 86 (CNS layout)
    std::optional<std::uint8_t> lifeCycle; ///< tag 8A

    /// The size to read: tag 80, else tag 81.
    [[nodiscard]] std::optional<std::size_t> size() const noexcept
    {
        return dataSize ? dataSize : allocatedSize;
    }
    [[nodiscard]] bool isDf() const noexcept { return kind == FileKind::Df; }
    [[nodiscard]] bool isTransparentEf() const noexcept { return kind == FileKind::TransparentEf; }

    /// Parses a SELECT response data field: exactly one 62, 6F or 64 template, then only padding.
    /// Inside, tags 80 81 82 83 84 86 8A are decoded and all others skipped (85, 88, A1, CB…).
    /// Throws Error(BadArgument) on: an empty answer, another outer tag, trailing objects,
    /// malformed BER-TLV, a repeated known tag, a size of 0 or more than 4 bytes, an empty
    /// descriptor, a FID not of 2 bytes, a DF name of 0 or more than 16 bytes, more than 9
    /// security attribute bytes, an LCS not of 1 byte.
    static FileInfo parse(ByteView response);
};

[[nodiscard]] FileKind fileKindOf(std::uint8_t descriptor) noexcept;

} // namespace tscns::apdu
