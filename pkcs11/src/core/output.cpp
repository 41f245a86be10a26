// SPDX-License-Identifier: LGPL-2.1-or-later
// Blank-padded fields and the size-query rule.
#include "core/output.hpp"

#include <cstring>

namespace tscns::pkcs11 {

void padField(unsigned char* field, std::size_t size, std::string_view text) noexcept
{
    std::size_t n = text.size();
    if (n > size) {
        n = size;
        // Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
        while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
            --n;
    }
    std::memset(field, ' ', size);
    if (n > 0) std::memcpy(field, text.data(), n);
}

std::optional<CK_RV> sizeCheck(std::size_t size, CK_BYTE_PTR out, CK_ULONG_PTR len) noexcept
{
    if (out == nullptr) {
        *len = size;
        return CKR_OK;
    }
    if (*len < size) {
        *len = size;
        return CKR_BUFFER_TOO_SMALL;
    }
    return std::nullopt;
}

CK_RV copyOut(ByteView data, CK_BYTE_PTR out, CK_ULONG_PTR len) noexcept
{
    if (auto rv = sizeCheck(data.size(), out, len)) return *rv;
    if (!data.empty()) std::memcpy(out, data.data(), data.size());
    *len = data.size();
    return CKR_OK;
}

} // namespace tscns::pkcs11
