// SPDX-License-Identifier: LGPL-2.1-or-later
// FCP tag 86 security attributes in the 9-byte CNS layout (cns-card.md §1).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tscns::apdu {

/// Operation index for an EF (cns-card.md §1, as card-itacns.c decodes it).
enum class EfOperation : std::uint8_t {
    Read,
    Update,
    Append,
    Invalidate,
    Rehabilitate,
    Erase,
    Admin,
    Increase,
    Decrease,
};

/// Operation index for a DF.
enum class DfOperation : std::uint8_t {
    LifeCycle,
    UpdateObjects,
    AppendObjects,
    Invalidate,
    Rehabilitate,
    Delete,
    AdminDf,
    Create,
    Reserved,
};

struct AccessCondition {
    enum class Kind : std::uint8_t {
        Always, ///< 00
        Never, ///< FF or 66
        Pin, ///< 01..1F: the CHV with reference `reference` (10 = PIN)
        Unknown, ///< 20..FE except 66
    };
    Kind kind = Kind::Never;
    std::uint8_t reference = 0; ///< CHV reference for Kind::Pin, else 0
    std::uint8_t raw = 0xFF;

    [[nodiscard]] static AccessCondition decode(std::uint8_t byte) noexcept;
    [[nodiscard]] std::string toString() const; ///< "always", "never", "PIN 10", "unknown (3A)"
    friend bool operator==(const AccessCondition&, const AccessCondition&) = default;
};

class SecurityAttributes {
public:
    static constexpr std::size_t kSize = 9;

    /// All "never" (FF).
    SecurityAttributes() noexcept;
    /// Tag 86 value: up to 9 bytes, missing bytes default to FF (never).
    /// Throws Error(BadArgument) for more than 9 bytes.
    static SecurityAttributes parse(ByteView value);

    [[nodiscard]] AccessCondition at(std::size_t index) const;
    [[nodiscard]] AccessCondition ef(EfOperation op) const
    {
        return at(static_cast<std::size_t>(op));
    }
    [[nodiscard]] AccessCondition df(DfOperation op) const
    {
        return at(static_cast<std::size_t>(op));
    }
    [[nodiscard]] const std::array<std::uint8_t, kSize>& bytes() const noexcept { return bytes_; }
    /// Number of bytes the card actually sent (0..9).
    [[nodiscard]] std::size_t encodedSize() const noexcept { return encodedSize_; }

    friend bool operator==(const SecurityAttributes&, const SecurityAttributes&) = default;

private:
    std::array<std::uint8_t, kSize> bytes_;
    std::size_t encodedSize_ = 0;
};

} // namespace tscns::apdu
