// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_tlv: the BER-TLV reader (flat and nested), FCP/FCI/FMD parsing (file_info) and the CNS
// security attributes (tag 86).
#include "fuzz_support.hpp"

#include "tscns/apdu/file_info.hpp"
#include "tscns/apdu/security_attributes.hpp"
#include "tscns/apdu/tlv.hpp"

namespace {
void walk(tscns::ByteView data, int depth)
{
    for (const auto& t : tscns::apdu::parseTlvs(data, "fuzz")) {
        (void)tscns::apdu::tagName(t.tag);
        if (t.constructed() && depth < 8) walk(t.value, depth + 1);
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const tscns::ByteView bytes(data, size);
    tscns::fuzz::refusalsAllowed([&] { walk(bytes, 0); });
    tscns::fuzz::refusalsAllowed([&] {
        const auto info = tscns::apdu::FileInfo::parse(bytes);
        (void)info.size();
        if (info.security) {
            for (std::size_t i = 0; i < tscns::apdu::SecurityAttributes::kSize; ++i)
                (void)info.security->at(i).toString();
        }
    });
    tscns::fuzz::refusalsAllowed([&] {
        const auto sa = tscns::apdu::SecurityAttributes::parse(bytes);
        for (std::size_t i = 0; i < tscns::apdu::SecurityAttributes::kSize; ++i)
            (void)sa.at(i).toString();
    });
    return 0;
}
