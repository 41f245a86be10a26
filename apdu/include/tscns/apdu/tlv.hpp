// SPDX-License-Identifier: LGPL-2.1-or-later
// BER-TLV reader (ISO 7816-4 / ISO 8825-1) for FCP/FCI templates: 1-2 byte tags, lengths up
// to 3 bytes, strict bounds.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::apdu {

/// One data object. `value` points into the buffer given to the reader: it lives only as long as
/// that buffer.
struct Tlv {
    std::uint32_t tag = 0; ///< tag bytes big-endian: 0x83, 0x5F20
    ByteView value;
    std::size_t offset = 0; ///< position of the tag in the reader's buffer

    /// Bit 6 of the first tag byte: the value is itself a sequence of data objects.
    [[nodiscard]] bool constructed() const noexcept;
};

/// "83", "5F20".
[[nodiscard]] std::string tagName(std::uint32_t tag);

/// Reads consecutive data objects from a buffer.
///
/// Accepted: tags of 1 or 2 bytes, definite lengths in short form (00..7F) or long form with 1-3
/// length bytes (81 xx, 82 xx xx, 83 xx xx xx). '00' and 'FF' bytes between objects are padding
/// and skipped (ISO 7816-4 allows them). Rejected with Error(BadArgument) and a message naming the
/// context, tag and offset: a truncated tag or length, tags of 3+ bytes, the indefinite length 80,
/// length fields of 4+ bytes, and a length larger than the bytes left.
class TlvReader {
public:
    explicit TlvReader(ByteView data, std::string_view context = "TLV");

    /// The next object, or nullopt at the end of the buffer (after trailing padding).
    std::optional<Tlv> next();

private:
    [[noreturn]] void reject(std::size_t at, const std::string& what) const;

    ByteView data_;
    std::string_view context_;
    std::size_t pos_ = 0;
};

/// All top-level objects of `data` (see TlvReader for what is rejected).
[[nodiscard]] std::vector<Tlv> parseTlvs(ByteView data, std::string_view context = "TLV");

} // namespace tscns::apdu
