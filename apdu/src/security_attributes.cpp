// SPDX-License-Identifier: LGPL-2.1-or-later
// CNS security attribute decoding.
#include "tscns/apdu/security_attributes.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>

namespace tscns::apdu {

AccessCondition AccessCondition::decode(std::uint8_t byte) noexcept
{
    AccessCondition c;
    c.raw = byte;
    if (byte == 0x00) {
        c.kind = Kind::Always;
    } else if (byte == 0xFF || byte == 0x66) {
        c.kind = Kind::Never;
    } else if (byte <= 0x1F) {
        c.kind = Kind::Pin;
        c.reference = byte;
    } else {
        c.kind = Kind::Unknown;
    }
    return c;
}

std::string AccessCondition::toString() const
{
    const std::string hex = toHexSpaced(ByteView(&raw, 1));
    switch (kind) {
    case Kind::Always:
        return "always";
    case Kind::Never:
        return "never";
    case Kind::Pin:
        return "PIN " + hex;
    case Kind::Unknown:
        return "unknown (" + hex + ")";
    }
    return "unknown (" + hex + ")";
}

SecurityAttributes::SecurityAttributes() noexcept
    : bytes_ {}
{
    bytes_.fill(0xFF);
}

SecurityAttributes SecurityAttributes::parse(ByteView value)
{
    if (value.size() > kSize)
        throw Error(Errc::CardData,
            "security attributes (tag 86): " + std::to_string(value.size())
                + " bytes, the CNS layout has at most 9");
    SecurityAttributes out;
    std::copy(value.begin(), value.end(), out.bytes_.begin());
    out.encodedSize_ = value.size();
    return out;
}

AccessCondition SecurityAttributes::at(std::size_t index) const
{
    if (index >= kSize)
        throw Error(Errc::CardData,
            "security attribute index " + std::to_string(index) + " out of range (0..8)");
    return AccessCondition::decode(bytes_[index]);
}

} // namespace tscns::apdu
