// SPDX-License-Identifier: LGPL-2.1-or-later
// The RSA mechanisms of the module: table, parameter checks and host-side encoding. The card only
// does the raw private-key operation (cns-card.md §6); hashing and padding happen here, with
// crypto/rsa_padding.hpp.
#pragma once

#include "core/certificate_data.hpp"
#include "core/pkcs11.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/crypto/rsa_padding.hpp"

#include <optional>
#include <span>

namespace tscns::pkcs11 {

enum class MechanismKind {
    RsaPkcs, ///< CKM_RSA_PKCS: PKCS#1 v1.5 type 1 around the caller's data (a DigestInfo)
    RsaX509, ///< CKM_RSA_X_509: raw, the data left-padded with zeros to the modulus length
    RsaPss, ///< CKM_RSA_PKCS_PSS: EMSA-PSS around the caller's hash
    HashPkcs, ///< CKM_SHAx_RSA_PKCS: hash, DigestInfo, type 1
    HashPss, ///< CKM_SHAx_RSA_PKCS_PSS: hash, EMSA-PSS
};

struct MechanismSpec {
    CK_MECHANISM_TYPE type;
    MechanismKind kind;
    std::optional<crypto::HashAlg> hash; ///< the hash of HashPkcs / HashPss
    bool canDecrypt; ///< also a decryption mechanism (RSA_PKCS, RSA_X_509)
};

/// Every mechanism, in the order C_GetMechanismList reports them.
std::span<const MechanismSpec> mechanisms() noexcept;
/// nullptr for a mechanism the module does not have.
const MechanismSpec* findMechanism(CK_MECHANISM_TYPE type) noexcept;
/// CKF_HW | CKF_SIGN, plus CKF_DECRYPT for RSA_PKCS / RSA_X_509 when the key can decrypt.
CK_MECHANISM_INFO mechanismInfo(const MechanismSpec& spec, std::size_t keyBits, bool keyDecrypts);

struct PssParams {
    crypto::HashAlg hash;
    crypto::HashAlg mgfHash;
    std::size_t saltLength;
};

/// A checked signature mechanism with its parameters.
struct SignMechanism {
    const MechanismSpec* spec = nullptr;
    std::optional<PssParams> pss;
};

/// C_SignInit's checks (docs/pkcs11-clients.md §2.7): CKR_MECHANISM_INVALID for an unknown
/// mechanism; CKR_MECHANISM_PARAM_INVALID for a PSS parameter block of the wrong size, an unknown
/// hash or MGF, a SHAx-PSS hash that is not the mechanism's, a salt too long for the key, or
/// parameters given to a mechanism that takes none.
SignMechanism checkSignMechanism(const CK_MECHANISM& mechanism, std::size_t modulusBits);
/// C_DecryptInit's checks: RSA_PKCS and RSA_X_509 only, no parameters.
const MechanismSpec& checkDecryptMechanism(const CK_MECHANISM& mechanism);

/// Whether the mechanism hashes its input (multi-part through a Hasher).
inline bool hashesInput(const SignMechanism& m) noexcept
{
    return m.spec->hash.has_value();
}

/// The modulus-sized block to give the card for `input`: the caller's data for the raw
/// mechanisms, or the digest for the hashing ones. Throws CkError(CKR_DATA_LEN_RANGE) for input
/// of the wrong length and CkError(CKR_DATA_INVALID) for an X.509 block not below the modulus.
Bytes encodeForSignature(
    const SignMechanism& m, ByteView inputOrDigest, const CertificateData& key);

/// Left-pads an RSA_X_509 input to the modulus length and checks it is below the modulus.
/// `tooLong` is the CK_RV for input longer than the modulus.
Bytes rawBlock(ByteView input, const CertificateData& key, CK_RV tooLong, CK_RV notBelowModulus);

} // namespace tscns::pkcs11
