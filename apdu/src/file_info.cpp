// SPDX-License-Identifier: LGPL-2.1-or-later
// FCP/FCI/FMD parsing (ISO 7816-4 file control parameters).
#include "tscns/apdu/file_info.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/apdu/tlv.hpp"

#include <string>

namespace tscns::apdu {

namespace {
    constexpr std::size_t kMaxSizeBytes = 4;
    constexpr std::size_t kMaxDfName = 16;

    [[noreturn]] void fail(const std::string& what)
    {
        throw Error(Errc::CardData, "file control information: " + what);
    }

    std::size_t readSize(const Tlv& tlv)
    {
        if (tlv.value.empty() || tlv.value.size() > kMaxSizeBytes)
            fail("tag " + tagName(tlv.tag) + " (size) has " + std::to_string(tlv.value.size())
                + " bytes, expected 1 to 4");
        std::size_t n = 0;
        for (auto b : tlv.value)
            n = (n << 8) | b;
        return n;
    }

    template <typename T> void setOnce(std::optional<T>& field, T value, const Tlv& tlv)
    {
        if (field) fail("tag " + tagName(tlv.tag) + " appears twice");
        field = std::move(value);
    }

    void checkLength(const Tlv& tlv, std::size_t expected, const char* what)
    {
        if (tlv.value.size() != expected)
            fail("tag " + tagName(tlv.tag) + " (" + what + ") has "
                + std::to_string(tlv.value.size()) + " bytes, expected "
                + std::to_string(expected));
    }
} // namespace

FileKind fileKindOf(std::uint8_t descriptor) noexcept
{
    if ((descriptor & 0x80) != 0) return FileKind::Other;
    if ((descriptor & 0x38) == 0x38) return FileKind::Df;
    switch (descriptor & 0x07) {
    case 0x01:
        return FileKind::TransparentEf;
    case 0x02: // linear fixed
    case 0x03: // linear fixed, TLV
    case 0x04: // linear variable
    case 0x05: // linear variable, TLV
    case 0x06: // cyclic
    case 0x07: // cyclic, TLV
        return FileKind::RecordEf;
    default:
        return FileKind::Other;
    }
}

FileInfo FileInfo::parse(ByteView response)
{
    TlvReader outer(response, "file control information");
    const auto templ = outer.next();
    if (!templ) fail("empty answer (no template)");
    if (templ->tag != 0x62 && templ->tag != 0x64 && templ->tag != 0x6F)
        fail("outer tag " + tagName(templ->tag) + " is not 62 (FCP), 6F (FCI) or 64 (FMD)");
    if (const auto extra = outer.next())
        fail("unexpected tag " + tagName(extra->tag) + " after the template");

    FileInfo info;
    info.templ = static_cast<FileTemplate>(templ->tag);
    TlvReader inner(templ->value, "file control information template");
    while (const auto tlv = inner.next()) {
        switch (tlv->tag) {
        case 0x80:
            setOnce(info.dataSize, readSize(*tlv), *tlv);
            break;
        case 0x81:
            setOnce(info.allocatedSize, readSize(*tlv), *tlv);
            break;
        case 0x82:
            if (tlv->value.empty()) fail("tag 82 (file descriptor) is empty");
            setOnce(info.descriptor, tlv->value[0], *tlv);
            info.kind = fileKindOf(tlv->value[0]);
            break;
        case 0x83:
            checkLength(*tlv, 2, "file identifier");
            setOnce(
                info.fid, static_cast<std::uint16_t>((tlv->value[0] << 8) | tlv->value[1]), *tlv);
            break;
        case 0x84:
            if (tlv->value.empty() || tlv->value.size() > kMaxDfName)
                fail("tag 84 (DF name) has " + std::to_string(tlv->value.size())
                    + " bytes, expected 1 to 16");
            setOnce(info.dfName, Bytes(tlv->value.begin(), tlv->value.end()), *tlv);
            break;
        case 0x86:
            setOnce(info.security, SecurityAttributes::parse(tlv->value), *tlv);
            break;
        case 0x8A:
            checkLength(*tlv, 1, "life cycle status");
            setOnce(info.lifeCycle, tlv->value[0], *tlv);
            break;
        default:
            break; // 85, 88, A1, A5, CB and other proprietary objects
        }
    }
    return info;
}

} // namespace tscns::apdu
