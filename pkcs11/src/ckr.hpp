// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's one translator from exceptions (tscns::Error, CkError, anything else) to CK_RV.
#pragma once

#include "core/pkcs11.hpp"

#include "tscns/apdu/error.hpp"

namespace tscns::pkcs11 {

/// Errc → CK_RV, one exhaustive switch (docs/development.md §3).
CK_RV toCkr(Errc code) noexcept;
/// The exception being handled → CK_RV. Call it only inside a catch block: CkError gives its
/// value, tscns::Error goes through toCkr(), std::bad_alloc is CKR_HOST_MEMORY and anything else
/// CKR_GENERAL_ERROR.
CK_RV currentExceptionToCkr() noexcept;

} // namespace tscns::pkcs11
