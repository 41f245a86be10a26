// SPDX-License-Identifier: LGPL-2.1-or-later
// Session: flags, the one active operation per kind, and the PUK between C_Login(CKU_SO) and
// C_InitPIN.
#pragma once

#include "core/mechanism.hpp"
#include "core/pkcs11.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/crypto/rsa_padding.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace tscns::pkcs11 {

class Token;

struct SignOperation {
    SignMechanism mechanism;
    /// Hashing mechanisms: the running hash (C_Sign and C_SignUpdate alike).
    std::optional<crypto::Hasher> hasher;
    /// Raw mechanisms (RSA_PKCS, RSA_X_509, RSA_PKCS_PSS): C_SignUpdate parts are collected, as
    /// OpenSC does, and checked as one input at C_SignFinal; never more than a modulus' worth.
    Bytes buffer;
    bool multiPart = false; ///< C_SignUpdate was called: only C_SignFinal may finish it
};

struct DecryptOperation {
    const MechanismSpec* mechanism = nullptr;
    /// The last result and its input, kept when the caller's buffer was too small so that the
    /// retry does not need the card again.
    Bytes lastInput;
    std::optional<SecureBytes> lastOutput;
};

struct FindOperation {
    std::vector<CK_OBJECT_HANDLE> results;
    std::size_t next = 0;
};

struct Session {
    std::size_t slot = 0;
    const Token* token = nullptr; ///< the token the session was opened on
    bool readWrite = false;
    std::optional<SignOperation> sign;
    std::optional<DecryptOperation> decrypt;
    std::optional<FindOperation> find;
    /// The PUK given to C_Login(CKU_SO), until C_InitPIN or the logout; wiped by SecureBytes.
    std::optional<SecureBytes> puk;
};

} // namespace tscns::pkcs11
