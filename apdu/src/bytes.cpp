// SPDX-License-Identifier: LGPL-2.1-or-later
// Hex helpers and SecureBytes.
#include "tscns/apdu/bytes.hpp"

#include "tscns/apdu/error.hpp"

#include <cstring>
#include <utility>

namespace tscns {

namespace {
    constexpr char kLower[] = "0123456789abcdef";
    constexpr char kUpper[] = "0123456789ABCDEF";

    int hexValue(char c) noexcept
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
} // namespace

std::string toHex(ByteView bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(kLower[b >> 4]);
        out.push_back(kLower[b & 0x0F]);
    }
    return out;
}

std::string toHexSpaced(ByteView bytes)
{
    std::string out;
    out.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) out.push_back(' ');
        out.push_back(kUpper[bytes[i] >> 4]);
        out.push_back(kUpper[bytes[i] & 0x0F]);
    }
    return out;
}

Bytes fromHex(std::string_view hex)
{
    Bytes out;
    int high = -1;
    for (char c : hex) {
        if (c == ' ' || c == ':' || c == '\t' || c == '\n') {
            if (high >= 0) throw Error(Errc::BadArgument, "hex: separator inside a byte");
            continue;
        }
        const int v = hexValue(c);
        if (v < 0)
            throw Error(Errc::BadArgument, std::string("hex: invalid character '") + c + "'");
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0) throw Error(Errc::BadArgument, "hex: odd number of digits");
    return out;
}

void secureWipe(void* data, std::size_t size) noexcept
{
    if (data == nullptr || size == 0) return;
    volatile auto* p = static_cast<volatile std::uint8_t*>(data);
    while (size-- > 0)
        *p++ = 0;
    // Keep the stores from being treated as dead.
    asm volatile("" : : "r"(data) : "memory");
}

SecureBytes::SecureBytes(std::size_t capacity)
{
    data_.reserve(capacity);
}

SecureBytes::SecureBytes(ByteView bytes, std::size_t capacity)
{
    data_.reserve(capacity < bytes.size() ? bytes.size() : capacity);
    data_.insert(data_.end(), bytes.begin(), bytes.end());
}

SecureBytes::~SecureBytes()
{
    secureWipe(data_.data(), data_.capacity());
}

SecureBytes::SecureBytes(SecureBytes&& other) noexcept
    : data_(std::move(other.data_))
{
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept
{
    if (this != &other) {
        secureWipe(data_.data(), data_.capacity());
        data_ = std::move(other.data_);
    }
    return *this;
}

void SecureBytes::append(ByteView bytes)
{
    if (data_.size() + bytes.size() > data_.capacity())
        throw Error(Errc::BadArgument, "secret too long for its reserved buffer");
    data_.insert(data_.end(), bytes.begin(), bytes.end());
}

void SecureBytes::clear() noexcept
{
    secureWipe(data_.data(), data_.size());
    data_.clear();
}

} // namespace tscns
