// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#11 C types for the core: p11-kit's 2.40 header plus our 3.0 additions, and CkError.
#pragma once

#include "pkcs11_v3.hpp"

#include <exception>

namespace tscns::pkcs11 {

/// A PKCS#11 result other than CKR_OK whose reason is PKCS#11's own (handles, operation state,
/// mechanism parameters, login state). Card and reader failures travel as tscns::Error instead
/// and are translated once, in ckr.cpp.
class CkError : public std::exception {
public:
    explicit CkError(CK_RV rv) noexcept
        : rv_(rv)
    {
    }
    [[nodiscard]] CK_RV rv() const noexcept { return rv_; }
    [[nodiscard]] const char* what() const noexcept override { return "PKCS#11 error"; }

private:
    CK_RV rv_;
};

[[noreturn]] inline void fail(CK_RV rv)
{
    throw CkError(rv);
}

} // namespace tscns::pkcs11
