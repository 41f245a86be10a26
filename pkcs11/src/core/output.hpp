// SPDX-License-Identifier: LGPL-2.1-or-later
// Output conventions of the C API: blank-padded text fields, and the size-query rule of
// PKCS#11 2.40 §5.2 (one implementation for every function that returns bytes).
#pragma once

#include "core/pkcs11.hpp"

#include "tscns/apdu/bytes.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace tscns::pkcs11 {

/// Writes `text` into a fixed-size, blank-padded, unterminated field (CK_TOKEN_INFO label etc.),
/// truncated at a UTF-8 character boundary when too long.
void padField(unsigned char* field, std::size_t size, std::string_view text) noexcept;

/// §5.2 for output whose size is known before the work is done: nullopt when `out` can take
/// `size` bytes (go ahead); otherwise *len = size and the result to return at once: CKR_OK for a
/// size query (out NULL), CKR_BUFFER_TOO_SMALL for a short buffer. Neither consumes the
/// operation.
std::optional<CK_RV> sizeCheck(std::size_t size, CK_BYTE_PTR out, CK_ULONG_PTR len) noexcept;

/// §5.2 for output in hand: copies `data` into `out` and sets *len, or answers the size query /
/// CKR_BUFFER_TOO_SMALL with *len = data.size().
CK_RV copyOut(ByteView data, CK_BYTE_PTR out, CK_ULONG_PTR len) noexcept;

/// §5.2 for arrays of handles or mechanism types (C_GetSlotList, C_GetMechanismList): out NULL
/// asks for the count; a short array gives CKR_BUFFER_TOO_SMALL with the count needed.
template <typename T>
CK_RV copyList(const std::vector<T>& items, T* out, CK_ULONG_PTR count) noexcept
{
    const CK_ULONG n = items.size();
    if (out != nullptr && *count < n) {
        *count = n;
        return CKR_BUFFER_TOO_SMALL;
    }
    if (out != nullptr) std::copy(items.begin(), items.end(), out);
    *count = n;
    return CKR_OK;
}

} // namespace tscns::pkcs11
