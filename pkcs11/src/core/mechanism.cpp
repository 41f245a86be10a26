// SPDX-License-Identifier: LGPL-2.1-or-later
// Mechanism table, parameter checks, host-side encodings.
#include "core/mechanism.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>
#include <array>

namespace tscns::pkcs11 {

namespace {
    using crypto::HashAlg;

    constexpr std::array kMechanisms {
        MechanismSpec { CKM_RSA_PKCS, MechanismKind::RsaPkcs, std::nullopt, true },
        MechanismSpec { CKM_RSA_X_509, MechanismKind::RsaX509, std::nullopt, true },
        MechanismSpec { CKM_RSA_PKCS_PSS, MechanismKind::RsaPss, std::nullopt, false },
        MechanismSpec { CKM_SHA1_RSA_PKCS, MechanismKind::HashPkcs, HashAlg::Sha1, false },
        MechanismSpec { CKM_SHA224_RSA_PKCS, MechanismKind::HashPkcs, HashAlg::Sha224, false },
        MechanismSpec { CKM_SHA256_RSA_PKCS, MechanismKind::HashPkcs, HashAlg::Sha256, false },
        MechanismSpec { CKM_SHA384_RSA_PKCS, MechanismKind::HashPkcs, HashAlg::Sha384, false },
        MechanismSpec { CKM_SHA512_RSA_PKCS, MechanismKind::HashPkcs, HashAlg::Sha512, false },
        MechanismSpec { CKM_SHA1_RSA_PKCS_PSS, MechanismKind::HashPss, HashAlg::Sha1, false },
        MechanismSpec { CKM_SHA224_RSA_PKCS_PSS, MechanismKind::HashPss, HashAlg::Sha224, false },
        MechanismSpec { CKM_SHA256_RSA_PKCS_PSS, MechanismKind::HashPss, HashAlg::Sha256, false },
        MechanismSpec { CKM_SHA384_RSA_PKCS_PSS, MechanismKind::HashPss, HashAlg::Sha384, false },
        MechanismSpec { CKM_SHA512_RSA_PKCS_PSS, MechanismKind::HashPss, HashAlg::Sha512, false },
    };

    std::optional<HashAlg> hashOfMechanism(CK_MECHANISM_TYPE m)
    {
        switch (m) {
        case CKM_SHA_1:
            return HashAlg::Sha1;
        case CKM_SHA224:
            return HashAlg::Sha224;
        case CKM_SHA256:
            return HashAlg::Sha256;
        case CKM_SHA384:
            return HashAlg::Sha384;
        case CKM_SHA512:
            return HashAlg::Sha512;
        default:
            return std::nullopt;
        }
    }

    std::optional<HashAlg> hashOfMgf(CK_RSA_PKCS_MGF_TYPE mgf)
    {
        switch (mgf) {
        case CKG_MGF1_SHA1:
            return HashAlg::Sha1;
        case CKG_MGF1_SHA224:
            return HashAlg::Sha224;
        case CKG_MGF1_SHA256:
            return HashAlg::Sha256;
        case CKG_MGF1_SHA384:
            return HashAlg::Sha384;
        case CKG_MGF1_SHA512:
            return HashAlg::Sha512;
        default:
            return std::nullopt;
        }
    }

    /// RFC 8017 §9.1.1 step 3: emLen >= hLen + sLen + 2, emLen = ceil((modBits - 1) / 8).
    bool saltFits(std::size_t modulusBits, HashAlg hash, std::size_t salt)
    {
        if (modulusBits < 2) return false;
        const std::size_t emLen = (modulusBits - 1 + 7) / 8;
        const std::size_t h = crypto::hashLength(hash);
        return emLen >= h + 2 && salt <= emLen - h - 2;
    }

    void requireNoParameters(const CK_MECHANISM& m)
    {
        // A NULL pointer with length 0 is the norm; some callers pass a pointer with length 0.
        if (m.ulParameterLen != 0) fail(CKR_MECHANISM_PARAM_INVALID);
    }
} // namespace

std::span<const MechanismSpec> mechanisms() noexcept
{
    return kMechanisms;
}

const MechanismSpec* findMechanism(CK_MECHANISM_TYPE type) noexcept
{
    for (const auto& m : kMechanisms)
        if (m.type == type) return &m;
    return nullptr;
}

CK_MECHANISM_INFO mechanismInfo(const MechanismSpec& spec, std::size_t keyBits, bool keyDecrypts)
{
    CK_MECHANISM_INFO info {};
    info.ulMinKeySize = keyBits;
    info.ulMaxKeySize = keyBits;
    info.flags = CKF_HW | CKF_SIGN;
    if (spec.canDecrypt && keyDecrypts) info.flags |= CKF_DECRYPT;
    return info;
}

SignMechanism checkSignMechanism(const CK_MECHANISM& mechanism, std::size_t modulusBits)
{
    const MechanismSpec* spec = findMechanism(mechanism.mechanism);
    if (spec == nullptr) fail(CKR_MECHANISM_INVALID);
    SignMechanism out { spec, std::nullopt };
    if (spec->kind != MechanismKind::RsaPss && spec->kind != MechanismKind::HashPss) {
        requireNoParameters(mechanism);
        return out;
    }
    // PKCS#11 2.40 §2.1.14-15, as OpenSC checks them (docs/pkcs11-clients.md §2.7).
    if (mechanism.pParameter == nullptr
        || mechanism.ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
        fail(CKR_MECHANISM_PARAM_INVALID);
    const auto& p = *static_cast<const CK_RSA_PKCS_PSS_PARAMS*>(mechanism.pParameter);
    const auto hash = hashOfMechanism(p.hashAlg);
    const auto mgf = hashOfMgf(p.mgf);
    if (!hash || !mgf) fail(CKR_MECHANISM_PARAM_INVALID);
    if (spec->kind == MechanismKind::HashPss && *hash != *spec->hash)
        fail(CKR_MECHANISM_PARAM_INVALID);
    if (!saltFits(modulusBits, *hash, p.sLen)) fail(CKR_MECHANISM_PARAM_INVALID);
    out.pss = PssParams { *hash, *mgf, static_cast<std::size_t>(p.sLen) };
    return out;
}

const MechanismSpec& checkDecryptMechanism(const CK_MECHANISM& mechanism)
{
    const MechanismSpec* spec = findMechanism(mechanism.mechanism);
    if (spec == nullptr || !spec->canDecrypt) fail(CKR_MECHANISM_INVALID);
    requireNoParameters(mechanism);
    return *spec;
}

Bytes rawBlock(ByteView input, const CertificateData& key, CK_RV tooLong, CK_RV notBelowModulus)
{
    const std::size_t k = key.modulusBytes();
    if (input.size() > k) fail(tooLong);
    Bytes block(k - input.size(), 0);
    block.insert(block.end(), input.begin(), input.end());
    // Big-endian comparison with the modulus (left-padded to k as well).
    Bytes n(k - std::min(k, key.modulus.size()), 0);
    n.insert(n.end(), key.modulus.begin(), key.modulus.end());
    if (!std::lexicographical_compare(block.begin(), block.end(), n.begin(), n.end()))
        fail(notBelowModulus);
    return block;
}

Bytes encodeForSignature(const SignMechanism& m, ByteView input, const CertificateData& key)
{
    const std::size_t k = key.modulusBytes();
    switch (m.spec->kind) {
    case MechanismKind::RsaPkcs:
        // PKCS#11 2.40 §2.1.6: at most k - 11 bytes.
        if (k < 11 || input.size() > k - 11) fail(CKR_DATA_LEN_RANGE);
        return crypto::pkcs1Type1Pad(input, k);
    case MechanismKind::RsaX509:
        return rawBlock(input, key, CKR_DATA_LEN_RANGE, CKR_DATA_INVALID);
    case MechanismKind::RsaPss:
        // §2.1.15: the input is the hash, of exactly hashAlg's length.
        if (input.size() != crypto::hashLength(m.pss->hash)) fail(CKR_DATA_LEN_RANGE);
        return crypto::pssEncode(
            input, m.pss->hash, m.pss->mgfHash, m.pss->saltLength, key.modulusBits);
    case MechanismKind::HashPkcs: {
        const Bytes info = crypto::digestInfo(*m.spec->hash, input);
        if (k < 11 || info.size() > k - 11) fail(CKR_KEY_SIZE_RANGE);
        return crypto::pkcs1Type1Pad(info, k);
    }
    case MechanismKind::HashPss:
        return crypto::pssEncode(
            input, m.pss->hash, m.pss->mgfHash, m.pss->saltLength, key.modulusBits);
    }
    fail(CKR_GENERAL_ERROR);
}

} // namespace tscns::pkcs11
