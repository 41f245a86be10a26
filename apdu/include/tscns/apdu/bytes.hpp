// SPDX-License-Identifier: LGPL-2.1-or-later
// Byte buffer vocabulary: Bytes, ByteView, SecureBytes (wiped, move-only) and hex helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tscns {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// Lower-case hex, no separators ("00a4").
std::string toHex(ByteView bytes);
/// Upper-case hex with a space between bytes ("00 A4").
std::string toHexSpaced(ByteView bytes);
/// Parses hex; spaces, colons and tabs between digit pairs are ignored.
/// Throws Error(BadArgument) on an odd digit count or a non-hex character.
Bytes fromHex(std::string_view hex);

inline ByteView asBytes(std::string_view s)
{
    return { reinterpret_cast<const std::uint8_t*>(s.data()), s.size() };
}

/// Overwrites memory in a way the optimiser cannot drop.
void secureWipe(void* data, std::size_t size) noexcept;

/// A buffer for PINs and other secrets: move-only, capacity reserved up front so that appending
/// never reallocates (a reallocation would leave an unwiped copy), wiped on destruction.
class SecureBytes {
public:
    static constexpr std::size_t kDefaultCapacity = 64;

    explicit SecureBytes(std::size_t capacity = kDefaultCapacity);
    SecureBytes(ByteView bytes, std::size_t capacity = kDefaultCapacity);
    ~SecureBytes();
    SecureBytes(SecureBytes&& other) noexcept;
    SecureBytes& operator=(SecureBytes&& other) noexcept;
    SecureBytes(const SecureBytes&) = delete;
    SecureBytes& operator=(const SecureBytes&) = delete;

    /// Appends; throws Error(BadArgument) instead of growing past the reserved capacity.
    void append(ByteView bytes);
    void push_back(std::uint8_t byte) { append(ByteView(&byte, 1)); }
    void clear() noexcept;

    [[nodiscard]] ByteView view() const noexcept { return { data_.data(), data_.size() }; }
    [[nodiscard]] const std::uint8_t* data() const noexcept { return data_.data(); }
    [[nodiscard]] std::size_t size() const noexcept { return data_.size(); }
    [[nodiscard]] bool empty() const noexcept { return data_.empty(); }
    [[nodiscard]] std::size_t capacity() const noexcept { return data_.capacity(); }
    std::uint8_t operator[](std::size_t i) const { return data_.at(i); }

private:
    Bytes data_;
};

} // namespace tscns
