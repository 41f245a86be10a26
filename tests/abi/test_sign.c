/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Group "sign": every RSA mechanism the module must offer, single-part and multi-part, each
 * signature verified by OpenSSL with the public key of cert.pem (not with the module); PSS
 * parameter checks (docs/pkcs11-clients.md §2.7 "PSS parameter checks"); CKM_RSA_PKCS decryption.
 * One login for the group; each test signs in a session of its own. */
#define _GNU_SOURCE
#include "abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    CK_SESSION_HANDLE login; /* keeps the login for the group */
    CK_SESSION_HANDLE s; /* this test's session */
    CK_OBJECT_HANDLE key;
    size_t k;
} g;

static int group_setup(void** state)
{
    fixture_initialize(state);
    g.login = abi_open(abi_current_slot, 0);
    abi_login(g.login);
    g.key = abi_private_key(g.login);
    g.k = cert_modulus_len();
    return 0;
}
static int group_teardown(void** state)
{
    memset(&g, 0, sizeof g);
    return fixture_finalize(state);
}
static int test_setup(void** state)
{
    (void)state;
    g.s = abi_open(abi_current_slot, 0);
    assert_int_equal(abi_session_state(g.s), CKS_RO_USER_FUNCTIONS);
    return 0;
}
static int test_teardown(void** state)
{
    (void)state;
    (void)p11->C_CloseSession(g.s); /* ends an operation a failed test left active */
    return 0;
}

#define SIG_MAX 1024
/* SHA-256 first: the case TLS uses. */
static const AbiHash order[HASH_COUNT]
    = { HASH_SHA256, HASH_SHA1, HASH_SHA224, HASH_SHA384, HASH_SHA512 };

static void sign_ok(CK_MECHANISM* m, const unsigned char* data, size_t len, unsigned char* sig,
    CK_ULONG* sig_len, int multi)
{
    *sig_len = SIG_MAX;
    CK_RV rv = multi ? p11_sign_multi(g.s, m, g.key, data, len, sig, sig_len)
                     : p11_sign(g.s, m, g.key, data, len, sig, sig_len);
    if (rv != CKR_OK)
        fail_msg("%s %s over %zu bytes: %s", mech_name(m->mechanism),
            multi ? "multi-part" : "C_Sign", len, rv_name(rv));
    if (*sig_len != g.k)
        fail_msg(
            "%s: signature of %lu bytes, expected %zu", mech_name(m->mechanism), *sig_len, g.k);
}

/* ---- raw mechanisms ---- */

static void sign_rsa_pkcs(void** state)
{
    (void)state;
    CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
    unsigned char data[1000], t[128], sig[SIG_MAX];
    CK_ULONG len;
    random_bytes(data, sizeof data);
    /* TLS 1.2 with PKCS#1: a SHA-256 DigestInfo (51 bytes); then every hash. */
    for (size_t i = 0; i < HASH_COUNT; i++) {
        AbiHash h = order[i];
        size_t n = digest_info(h, data, sizeof data, t);
        sign_ok(&m, t, n, sig, &len, 0);
        if (!verify_pkcs1_raw(t, n, sig, len))
            fail_msg("CKM_RSA_PKCS over a %s DigestInfo does not verify", abi_hashes[h].name);
    }
    /* TLS 1.0/1.1: MD5 || SHA-1 (36 bytes), no DigestInfo. */
    sign_ok(&m, data, 36, sig, &len, 0);
    if (!verify_pkcs1_raw(data, 36, sig, len))
        fail_msg("CKM_RSA_PKCS over 36 raw bytes does not verify");
    /* The longest input: k - 11. */
    sign_ok(&m, data, g.k - 11, sig, &len, 0);
    if (!verify_pkcs1_raw(data, g.k - 11, sig, len))
        fail_msg("CKM_RSA_PKCS over k-11 bytes does not verify");
}

static void sign_rsa_x509(void** state)
{
    (void)state;
    CK_MECHANISM m = { CKM_RSA_X_509, NULL, 0 };
    unsigned char block[512], sig[SIG_MAX], t[128], data[100];
    CK_ULONG len;
    /* A full random block below the modulus. */
    random_bytes(block, g.k);
    block[0] = 0x00;
    sign_ok(&m, block, g.k, sig, &len, 0);
    if (!verify_x509_raw(block, g.k, sig, len))
        fail_msg("CKM_RSA_X_509: the public operation does not give the block back");
    /* libp11's fallback: a host-built PKCS#1 type 1 block signed raw is a valid PKCS#1 signature.
     */
    random_bytes(data, sizeof data);
    size_t n = digest_info(HASH_SHA256, data, sizeof data, t);
    block[0] = 0x00;
    block[1] = 0x01;
    memset(block + 2, 0xFF, g.k - n - 3);
    block[g.k - n - 1] = 0x00;
    memcpy(block + g.k - n, t, n);
    sign_ok(&m, block, g.k, sig, &len, 0);
    if (!verify_pkcs1_raw(t, n, sig, len))
        fail_msg("CKM_RSA_X_509 over a type-1 block is not a valid PKCS#1 signature");
}

static void sign_rsa_pkcs_pss(void** state)
{
    (void)state;
    unsigned char data[1000], hash[64], sig[SIG_MAX];
    CK_ULONG len;
    random_bytes(data, sizeof data);
    /* TLS 1.3 first: {SHA256, MGF1_SHA256, 32} over a 32-byte hash; then every hash. */
    for (size_t i = 0; i < HASH_COUNT; i++) {
        AbiHash h = order[i];
        CK_RSA_PKCS_PSS_PARAMS params
            = { abi_hashes[h].digest, abi_hashes[h].mgf, pss_salt_len(h) };
        CK_MECHANISM m = { CKM_RSA_PKCS_PSS, &params, sizeof params };
        hash_data(h, data, sizeof data, hash);
        sign_ok(&m, hash, abi_hashes[h].len, sig, &len, 0);
        if (!verify_pss_hash(h, params.sLen, hash, sig, len))
            fail_msg(
                "CKM_RSA_PKCS_PSS {%s, sLen %lu} does not verify", abi_hashes[h].name, params.sLen);
    }
    /* Salt length 0 is valid too (deterministic PSS). */
    CK_RSA_PKCS_PSS_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, 0 };
    CK_MECHANISM m = { CKM_RSA_PKCS_PSS, &params, sizeof params };
    hash_data(HASH_SHA256, data, sizeof data, hash);
    sign_ok(&m, hash, 32, sig, &len, 0);
    if (!verify_pss_hash(HASH_SHA256, 0, hash, sig, len))
        fail_msg("CKM_RSA_PKCS_PSS with sLen 0 does not verify");
}

/* ---- hash-and-sign mechanisms (one test per mechanism, via the initial state) ---- */

static void sign_hash_pkcs(void** state)
{
    AbiHash h = (AbiHash)(uintptr_t)*state;
    CK_MECHANISM m = { abi_hashes[h].pkcs, NULL, 0 };
    unsigned char data[1500], sig[SIG_MAX];
    CK_ULONG len;
    random_bytes(data, sizeof data);
    sign_ok(&m, data, sizeof data, sig, &len, 0);
    if (!verify_pkcs1_data(h, data, sizeof data, sig, len))
        fail_msg("%s (C_Sign) does not verify", mech_name(m.mechanism));
    sign_ok(&m, data, sizeof data, sig, &len, 1);
    if (!verify_pkcs1_data(h, data, sizeof data, sig, len))
        fail_msg("%s (C_SignUpdate/C_SignFinal) does not verify", mech_name(m.mechanism));
    sign_ok(&m, data, 0, sig, &len, 0); /* empty message */
    if (!verify_pkcs1_data(h, data, 0, sig, len))
        fail_msg("%s over an empty message does not verify", mech_name(m.mechanism));
}

static void sign_hash_pss(void** state)
{
    AbiHash h = (AbiHash)(uintptr_t)*state;
    CK_RSA_PKCS_PSS_PARAMS params = { abi_hashes[h].digest, abi_hashes[h].mgf, pss_salt_len(h) };
    CK_MECHANISM m = { abi_hashes[h].pss, &params, sizeof params };
    unsigned char data[1500], sig[SIG_MAX];
    CK_ULONG len;
    random_bytes(data, sizeof data);
    sign_ok(&m, data, sizeof data, sig, &len, 0);
    if (!verify_pss_data(h, params.sLen, data, sizeof data, sig, len))
        fail_msg("%s sLen %lu (C_Sign) does not verify", mech_name(m.mechanism), params.sLen);
    sign_ok(&m, data, sizeof data, sig, &len, 1);
    if (!verify_pss_data(h, params.sLen, data, sizeof data, sig, len))
        fail_msg("%s sLen %lu (C_SignUpdate/C_SignFinal) does not verify", mech_name(m.mechanism),
            params.sLen);
}

/* ---- PSS parameter errors ---- */

static void sign_pss_param_errors(void** state)
{
    (void)state;
    unsigned char hash[64], sig[SIG_MAX];
    CK_ULONG len;
    random_bytes(hash, sizeof hash);
    CK_RSA_PKCS_PSS_PARAMS good = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
    CK_MECHANISM m = { CKM_RSA_PKCS_PSS, NULL, 0 };
    /* No parameter block. */
    assert_rv(p11->C_SignInit(g.s, &m, g.key), CKR_MECHANISM_PARAM_INVALID);
    m.mechanism = CKM_SHA256_RSA_PKCS_PSS;
    assert_rv(p11->C_SignInit(g.s, &m, g.key), CKR_MECHANISM_PARAM_INVALID);
    /* A parameter block of the wrong size. */
    m.mechanism = CKM_RSA_PKCS_PSS;
    m.pParameter = &good;
    m.ulParameterLen = sizeof good - 1;
    assert_rv(p11->C_SignInit(g.s, &m, g.key), CKR_MECHANISM_PARAM_INVALID);
    /* hashAlg different from the mechanism's hash. */
    CK_RSA_PKCS_PSS_PARAMS sha1 = { CKM_SHA_1, CKG_MGF1_SHA1, 20 };
    CK_MECHANISM m256 = { CKM_SHA256_RSA_PKCS_PSS, &sha1, sizeof sha1 };
    assert_rv(p11->C_SignInit(g.s, &m256, g.key), CKR_MECHANISM_PARAM_INVALID);
    /* An unknown MGF and an unknown hash. */
    CK_RSA_PKCS_PSS_PARAMS bad_mgf = { CKM_SHA256, 0x99, 32 };
    CK_MECHANISM mm = { CKM_RSA_PKCS_PSS, &bad_mgf, sizeof bad_mgf };
    assert_rv(p11->C_SignInit(g.s, &mm, g.key), CKR_MECHANISM_PARAM_INVALID);
    CK_RSA_PKCS_PSS_PARAMS bad_hash = { CKM_VENDOR_DEFINED | 0x77, CKG_MGF1_SHA256, 32 };
    mm.pParameter = &bad_hash;
    assert_rv(p11->C_SignInit(g.s, &mm, g.key), CKR_MECHANISM_PARAM_INVALID);
    /* A salt that cannot fit the key: refused at C_SignInit or at C_Sign, never signed. */
    CK_RSA_PKCS_PSS_PARAMS big_salt = { CKM_SHA256, CKG_MGF1_SHA256, g.k };
    mm.pParameter = &big_salt;
    CK_RV rv = p11->C_SignInit(g.s, &mm, g.key);
    if (rv == CKR_OK) {
        len = sizeof sig;
        rv = p11->C_Sign(g.s, hash, 32, sig, &len);
    }
    if (rv == CKR_OK) fail_msg("CKM_RSA_PKCS_PSS with sLen = modulus length signed");
    /* CKM_RSA_PKCS_PSS: the input is exactly one hash of hashAlg. */
    m.pParameter = &good;
    m.ulParameterLen = sizeof good;
    assert_ok(p11->C_SignInit(g.s, &m, g.key));
    len = sizeof sig;
    assert_rv(p11->C_Sign(g.s, hash, 20, sig, &len), CKR_DATA_LEN_RANGE);
    assert_ok(p11->C_SignInit(g.s, &m, g.key)); /* the error ended the operation */
    len = sizeof sig;
    assert_rv(p11->C_Sign(g.s, hash, 33, sig, &len), CKR_DATA_LEN_RANGE);
    /* Nothing is left active; the right parameters work. */
    sign_ok(&m, hash, 32, sig, &len, 0);
    if (!verify_pss_hash(HASH_SHA256, 32, hash, sig, len))
        fail_msg("CKM_RSA_PKCS_PSS after the errors does not verify");
}

/* ---- decryption ---- */

static void sign_decrypt_rsa_pkcs(void** state)
{
    (void)state;
    CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
    unsigned char msg[32], ct[SIG_MAX], pt[SIG_MAX];
    random_bytes(msg, sizeof msg);
    size_t ct_len = encrypt_pkcs1(msg, sizeof msg, ct, sizeof ct);
    assert_int_equal(ct_len, g.k);
    CK_BBOOL can = abi_attr_bool(g.s, g.key, CKA_DECRYPT);
    if (!can) {
        print_message("the private key has CKA_DECRYPT = FALSE: decryption must be refused\n");
        assert_rv(p11->C_DecryptInit(g.s, &m, g.key), CKR_KEY_FUNCTION_NOT_PERMITTED);
        return;
    }
    CK_ULONG len = 0;
    assert_rv(p11->C_Decrypt(g.s, ct, (CK_ULONG)ct_len, pt, &len), CKR_OPERATION_NOT_INITIALIZED);
    assert_ok(p11->C_DecryptInit(g.s, &m, g.key));
    assert_ok(
        p11->C_Decrypt(g.s, ct, (CK_ULONG)ct_len, NULL, &len)); /* size query: an upper bound */
    assert_true(len >= sizeof msg && len <= g.k);
    len = sizeof pt;
    assert_ok(p11->C_Decrypt(g.s, ct, (CK_ULONG)ct_len, pt, &len));
    assert_int_equal(len, sizeof msg);
    assert_memory_equal(pt, msg, sizeof msg);
    /* Ciphertext of the wrong length. */
    assert_ok(p11->C_DecryptInit(g.s, &m, g.key));
    len = sizeof pt;
    assert_rv_in(p11->C_Decrypt(g.s, ct, (CK_ULONG)ct_len - 1, pt, &len),
        CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID);
    /* Garbage that is not a PKCS#1 type 2 block. */
    assert_ok(p11->C_DecryptInit(g.s, &m, g.key));
    memset(ct, 0, g.k);
    ct[g.k - 1] = 2;
    len = sizeof pt;
    CK_RV rv = p11->C_Decrypt(g.s, ct, (CK_ULONG)ct_len, pt, &len);
    if (rv == CKR_OK) fail_msg("C_Decrypt of an invalid block returned CKR_OK (%lu bytes)", len);
}

/* Many signatures in a row in one session (no stale card state between them). */
static void sign_in_a_row(void** state)
{
    (void)state;
    unsigned char data[300], sig[SIG_MAX];
    CK_ULONG len;
    for (int i = 0; i < 12; i++) {
        random_bytes(data, sizeof data);
        AbiHash h = (AbiHash)(i % HASH_COUNT);
        if (i % 2) {
            CK_RSA_PKCS_PSS_PARAMS params
                = { abi_hashes[h].digest, abi_hashes[h].mgf, pss_salt_len(h) };
            CK_MECHANISM m = { abi_hashes[h].pss, &params, sizeof params };
            sign_ok(&m, data, sizeof data, sig, &len, 0);
            if (!verify_pss_data(h, params.sLen, data, sizeof data, sig, len))
                fail_msg("signature %d does not verify", i);
        } else {
            CK_MECHANISM m = { abi_hashes[h].pkcs, NULL, 0 };
            sign_ok(&m, data, sizeof data, sig, &len, 0);
            if (!verify_pkcs1_data(h, data, sizeof data, sig, len))
                fail_msg("signature %d does not verify", i);
        }
    }
}

#define T(name, fn, st)                                                                            \
    {                                                                                              \
        name, fn, test_setup, test_teardown, (void*)(uintptr_t)(st)                                \
    }
static const struct CMUnitTest tests[] = {
    T("sign_rsa_pkcs", sign_rsa_pkcs, 0),
    T("sign_rsa_x509", sign_rsa_x509, 0),
    T("sign_rsa_pkcs_pss", sign_rsa_pkcs_pss, 0),
    T("sign_sha1_rsa_pkcs", sign_hash_pkcs, HASH_SHA1),
    T("sign_sha224_rsa_pkcs", sign_hash_pkcs, HASH_SHA224),
    T("sign_sha256_rsa_pkcs", sign_hash_pkcs, HASH_SHA256),
    T("sign_sha384_rsa_pkcs", sign_hash_pkcs, HASH_SHA384),
    T("sign_sha512_rsa_pkcs", sign_hash_pkcs, HASH_SHA512),
    T("sign_sha1_rsa_pkcs_pss", sign_hash_pss, HASH_SHA1),
    T("sign_sha224_rsa_pkcs_pss", sign_hash_pss, HASH_SHA224),
    T("sign_sha256_rsa_pkcs_pss", sign_hash_pss, HASH_SHA256),
    T("sign_sha384_rsa_pkcs_pss", sign_hash_pss, HASH_SHA384),
    T("sign_sha512_rsa_pkcs_pss", sign_hash_pss, HASH_SHA512),
    T("sign_pss_param_errors", sign_pss_param_errors, 0),
    T("sign_decrypt_rsa_pkcs", sign_decrypt_rsa_pkcs, 0),
    T("sign_in_a_row", sign_in_a_row, 0),
};

const AbiGroup abi_group_sign
    = { "sign", tests, sizeof tests / sizeof tests[0], group_setup, group_teardown };
