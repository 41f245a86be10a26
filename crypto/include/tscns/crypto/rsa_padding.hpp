// SPDX-License-Identifier: LGPL-2.1-or-later
// Host-side RSA encoding for a card that only does the raw private-key operation (cns-card.md §6):
// hashing, DigestInfo, EMSA-PKCS1-v1_5 (block type 1), EMSA-PSS, and RSAES-PKCS1-v1_5 decoding.
// Everything is done with OpenSSL; nothing here is hand-written crypto.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <memory>
#include <optional>

namespace tscns::crypto {

enum class HashAlg { Sha1, Sha224, Sha256, Sha384, Sha512 };

/// Digest length in bytes (20, 28, 32, 48, 64).
std::size_t hashLength(HashAlg alg) noexcept;
/// One-shot hash. Throws Error(Internal) only if OpenSSL fails.
Bytes hash(HashAlg alg, ByteView data);

/// Incremental hash for multi-part signing (C_SignUpdate). Move-only. update() and finish() on a
/// finished or moved-from Hasher throw Error(BadArgument).
class Hasher {
public:
    explicit Hasher(HashAlg alg);
    ~Hasher();
    Hasher(Hasher&&) noexcept;
    Hasher& operator=(Hasher&&) noexcept;
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    void update(ByteView data);
    /// Finishes; the Hasher cannot be updated (or finished) afterwards.
    Bytes finish();
    [[nodiscard]] HashAlg alg() const noexcept { return alg_; }

private:
    HashAlg alg_;
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

/// DER DigestInfo (RFC 8017 §9.2): AlgorithmIdentifier of `alg` (with NULL parameters, the note 1
/// encodings) + OCTET STRING `digest`. Throws Error(BadArgument) when digest has the wrong length.
Bytes digestInfo(HashAlg alg, ByteView digest);

/// EMSA-PKCS1-v1_5 block type 01 of `modulusBytes` around `t` (usually a DigestInfo):
/// 00 01 FF..FF 00 t (at least 8 FF). Throws Error(BadArgument) when t is longer than
/// modulusBytes - 11 (or modulusBytes > 2048, OpenSSL's 16384-bit limit).
Bytes pkcs1Type1Pad(ByteView t, std::size_t modulusBytes);

/// EMSA-PSS encoding (RFC 8017 §9.1.1) of a message `digest` computed with `hashAlg`, MGF1 with
/// `mgfHash`, salt length `saltLen` (random salt), for a key of `modulusBits` bits (the exact bit
/// length of n, e.g. from the certificate; not rounded). Returns the modulus-length block,
/// ceil(modulusBits / 8) bytes, to give to the raw private-key operation. EM is emLen =
/// ceil((modulusBits - 1) / 8) bytes, so the block starts with a 00 byte when modulusBits % 8 == 1
/// (e.g. 1025 bits); for the usual 1024/2048-bit keys there is no extra byte, and the top bit of
/// the first byte is cleared. Throws Error(BadArgument) on a wrong digest length, a modulus outside
/// 2..16384 bits, or a salt too long: saltLen must be <= emLen - hLen - 2 (2048-bit key, SHA-256:
/// 222; 1024-bit key, SHA-512: 62).
Bytes pssEncode(ByteView digest, HashAlg hashAlg, HashAlg mgfHash, std::size_t saltLen,
    std::size_t modulusBits);

/// RSAES-PKCS1-v1_5 decoding (block type 02) of the raw decryption result `block` (modulus
/// length, leading 00 included). Returns the message (possibly empty), or nullopt when the padding
/// is invalid or the block shorter than 11 bytes. Uses OpenSSL's constant-time
/// RSA_padding_check_PKCS1_type_2 (no implicit rejection); callers must report failure without
/// saying why (Bleichenbacher), e.g. always CKR_ENCRYPTED_DATA_INVALID.
std::optional<Bytes> pkcs1Type2Unpad(ByteView block);

/// Verification helpers for tests and self-checks, with the public key of a DER certificate
/// (which must hold an "RSA" key; anything else, or bytes that are not exactly one certificate,
/// throws Error(BadArgument)).
///
/// Raw RSA public operation (block^e mod n). `block` must be exactly the modulus length and
/// numerically below n, else Error(BadArgument). The result has the modulus length.
Bytes rsaPublicRaw(ByteView certificateDer, ByteView block);
/// RSASSA-PKCS1-v1_5 verification of `message` (the data; hashed here with `alg`). Returns false
/// for any bad signature, including a wrong length.
bool verifyPkcs1(ByteView certificateDer, HashAlg alg, ByteView message, ByteView signature);
/// As verifyPkcs1, with the precomputed `digest` of the data. Throws Error(BadArgument) on a wrong
/// digest length.
bool verifyPkcs1Digest(ByteView certificateDer, HashAlg alg, ByteView digest, ByteView signature);
/// RSASSA-PSS verification of `message` (the data; hashed here with `alg`), MGF1 with `mgfHash`,
/// salt length exactly `saltLen`. Returns false for any bad signature.
bool verifyPss(ByteView certificateDer, HashAlg alg, HashAlg mgfHash, std::size_t saltLen,
    ByteView message, ByteView signature);
/// As verifyPss, with the precomputed `digest` of the data (CKM_RSA_PKCS_PSS style).
bool verifyPssDigest(ByteView certificateDer, HashAlg alg, HashAlg mgfHash, std::size_t saltLen,
    ByteView digest, ByteView signature);

} // namespace tscns::crypto
