// SPDX-License-Identifier: LGPL-2.1-or-later
// BER-TLV reader.
#include "tscns/apdu/tlv.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::apdu {

namespace {
    constexpr std::uint8_t kConstructedBit = 0x20;
    constexpr std::uint8_t kTagNumberMask = 0x1F; // 1F: the tag number continues in more bytes
    constexpr std::uint8_t kMoreTagBytes = 0x80;
    constexpr std::uint8_t kLongLength = 0x80;
    constexpr std::size_t kMaxLengthBytes = 3;

    std::string hexByte(std::uint8_t b)
    {
        return toHexSpaced(ByteView(&b, 1));
    }
} // namespace

bool Tlv::constructed() const noexcept
{
    const auto first = static_cast<std::uint8_t>(tag > 0xFF ? tag >> 8 : tag);
    return (first & kConstructedBit) != 0;
}

std::string tagName(std::uint32_t tag)
{
    const std::uint8_t bytes[]
        = { static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag & 0xFF) };
    const ByteView view = tag > 0xFF ? ByteView(bytes) : ByteView(bytes).last(1);
    std::string out;
    for (auto b : view)
        out += hexByte(b);
    return out;
}

TlvReader::TlvReader(ByteView data, std::string_view context)
    : data_(data)
    , context_(context)
{
}

void TlvReader::reject(std::size_t at, const std::string& what) const
{
    throw Error(Errc::CardData,
        std::string(context_) + ": " + what + " at offset " + std::to_string(at) + " of "
            + std::to_string(data_.size()) + " bytes");
}

std::optional<Tlv> TlvReader::next()
{
    while (pos_ < data_.size() && (data_[pos_] == 0x00 || data_[pos_] == 0xFF))
        ++pos_;
    if (pos_ >= data_.size()) return std::nullopt;

    Tlv out;
    out.offset = pos_;
    const std::uint8_t first = data_[pos_++];
    out.tag = first;
    if ((first & kTagNumberMask) == kTagNumberMask) {
        if (pos_ >= data_.size()) reject(out.offset, "tag " + hexByte(first) + " truncated");
        const std::uint8_t second = data_[pos_++];
        if ((second & kMoreTagBytes) != 0)
            reject(
                out.offset, "tag " + hexByte(first) + hexByte(second) + "... longer than 2 bytes");
        out.tag = (std::uint32_t { first } << 8) | second;
    }
    const std::string tag = "tag " + tagName(out.tag);

    if (pos_ >= data_.size()) reject(out.offset, tag + ": length missing");
    const std::uint8_t lead = data_[pos_++];
    std::size_t length = lead;
    if ((lead & kLongLength) != 0) {
        const std::size_t count = lead & 0x7F;
        if (count == 0) reject(out.offset, tag + ": indefinite length (80) not allowed");
        if (count > kMaxLengthBytes)
            reject(out.offset,
                tag + ": length field of " + std::to_string(count) + " bytes (at most "
                    + std::to_string(kMaxLengthBytes) + ")");
        if (count > data_.size() - pos_) reject(out.offset, tag + ": length field truncated");
        length = 0;
        for (std::size_t i = 0; i < count; ++i)
            length = (length << 8) | data_[pos_++];
    }
    if (length > data_.size() - pos_)
        reject(out.offset,
            tag + ": length " + std::to_string(length) + " exceeds the "
                + std::to_string(data_.size() - pos_) + " bytes left");
    out.value = data_.subspan(pos_, length);
    pos_ += length;
    return out;
}

std::vector<Tlv> parseTlvs(ByteView data, std::string_view context)
{
    std::vector<Tlv> out;
    TlvReader reader(data, context);
    while (auto tlv = reader.next())
        out.push_back(*tlv);
    return out;
}

} // namespace tscns::apdu
