// SPDX-License-Identifier: LGPL-2.1-or-later
// The composition root's one seam: each module target links exactly one definition of
// makeReaderProvider() (PC/SC in tscns-pkcs11, virtual cards in the test twin).
#pragma once

#include "core/reader_provider.hpp"

#include <memory>

namespace tscns::pkcs11 {

/// Called by C_Initialize. Must not throw for a missing service: a provider without readers
/// gives a module without slots.
std::unique_ptr<ReaderProvider> makeReaderProvider();

} // namespace tscns::pkcs11
