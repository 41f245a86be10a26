/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Groups "login" (C_Login / C_Logout and the PIN counter flags; google/pkcs11test
 * ReadOnlySessionTest.UserLoginWrongPIN, docs/pkcs11-clients.md §2.3) and "operations" (the rules
 * of the signing operation: not initialized, active, size query, buffer too small, not logged in,
 * bad arguments, data length). Each test runs between C_Initialize and C_Finalize.
 *
 * The virtual card keeps its PIN counter: the one wrong PIN here is always followed by a right
 * one, which resets the counter. */
#define _GNU_SOURCE
#include "abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP(f) cmocka_unit_test_setup_teardown(f, fixture_initialize, fixture_finalize)

static CK_FLAGS token_flags(void)
{
    CK_TOKEN_INFO t;
    assert_ok(p11->C_GetTokenInfo(abi_current_slot, &t));
    return t.flags;
}

static CK_RV login_with(CK_SESSION_HANDLE s, const char* pin)
{
    return p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)pin, (CK_ULONG)strlen(pin));
}

/* ---- login ---- */

static void login_wrong_pin(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    char wrong[64];
    abi_wrong_pin(wrong, sizeof wrong);
    CK_FLAGS before = token_flags();
    if (before & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED))
        fail_msg("token flags 0x%lx before the test: the PIN counter is not full", before);
    assert_rv(login_with(s, wrong), CKR_PIN_INCORRECT);
    assert_int_equal(abi_session_state(s), CKS_RO_PUBLIC_SESSION);
    CK_FLAGS after = token_flags();
    if (!(before & CKF_PROTECTED_AUTHENTICATION_PATH) && !(after & CKF_USER_PIN_COUNT_LOW))
        fail_msg("token flags 0x%lx after a wrong PIN: no CKF_USER_PIN_COUNT_LOW", after);
    if (after & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED))
        fail_msg("token flags 0x%lx after one wrong PIN of three: final try / locked", after);
    abi_login(s); /* the right PIN resets the card's counter */
    assert_int_equal(abi_session_state(s), CKS_RO_USER_FUNCTIONS);
    CK_FLAGS reset = token_flags();
    if (reset & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED))
        fail_msg("token flags 0x%lx after the right PIN: the counter was not reset", reset);
}

static void login_twice(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    abi_login(s);
    assert_rv(login_with(s, abi_env.pin), CKR_USER_ALREADY_LOGGED_IN);
    assert_int_equal(abi_session_state(s), CKS_RO_USER_FUNCTIONS);
    assert_ok(p11->C_Logout(s));
    assert_int_equal(abi_session_state(s), CKS_RO_PUBLIC_SESSION);
    assert_rv(p11->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
}

/* The login belongs to the token: every session of the application shares it. */
static void login_shared_by_sessions(void** state)
{
    (void)state;
    CK_SESSION_HANDLE a = abi_open(abi_current_slot, 0);
    CK_SESSION_HANDLE rw = abi_open(abi_current_slot, CKF_RW_SESSION);
    abi_login(a);
    CK_SESSION_HANDLE later = abi_open(abi_current_slot, 0);
    assert_int_equal(abi_session_state(a), CKS_RO_USER_FUNCTIONS);
    assert_int_equal(abi_session_state(rw), CKS_RW_USER_FUNCTIONS);
    assert_int_equal(abi_session_state(later), CKS_RO_USER_FUNCTIONS);
    assert_rv(login_with(later, abi_env.pin), CKR_USER_ALREADY_LOGGED_IN);
    assert_ok(p11->C_Logout(later));
    assert_int_equal(abi_session_state(a), CKS_RO_PUBLIC_SESSION);
    assert_int_equal(abi_session_state(rw), CKS_RW_PUBLIC_SESSION);
}

static void login_arguments(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    assert_rv(p11->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
    assert_rv(
        p11->C_Login(s, 7, (CK_UTF8CHAR_PTR)(uintptr_t)abi_env.pin, (CK_ULONG)strlen(abi_env.pin)),
        CKR_USER_TYPE_INVALID);
    if (!(token_flags() & CKF_PROTECTED_AUTHENTICATION_PATH))
        assert_rv(p11->C_Login(s, CKU_USER, NULL, 5), CKR_ARGUMENTS_BAD);
    assert_int_equal(abi_session_state(s), CKS_RO_PUBLIC_SESSION);
}

/* A PIN outside ulMinPinLen..ulMaxPinLen never reaches the card. */
static void login_pin_len_range(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    CK_TOKEN_INFO t;
    assert_ok(p11->C_GetTokenInfo(abi_current_slot, &t));
    char pin[80];
    if (t.ulMinPinLen > 1 && t.ulMinPinLen < sizeof pin) {
        memset(pin, '1', t.ulMinPinLen - 1);
        pin[t.ulMinPinLen - 1] = 0;
        assert_rv(login_with(s, pin), CKR_PIN_LEN_RANGE);
    }
    if (t.ulMaxPinLen + 1 < sizeof pin) {
        memset(pin, '1', t.ulMaxPinLen + 1);
        pin[t.ulMaxPinLen + 1] = 0;
        assert_rv(login_with(s, pin), CKR_PIN_LEN_RANGE);
    }
    abi_login(s);
    if (token_flags() & CKF_USER_PIN_COUNT_LOW) fail_msg("the PIN counter did not recover");
}

/* Closing the last session logs the user out (PKCS#11 2.40 §5.6 C_CloseSession). */
static void login_close_all_logs_out(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    abi_login(s);
    assert_ok(p11->C_CloseAllSessions(abi_current_slot));
    CK_SESSION_HANDLE again = abi_open(abi_current_slot, 0);
    assert_int_equal(abi_session_state(again), CKS_RO_PUBLIC_SESSION);
    assert_ok(p11->C_CloseSession(again));
    s = abi_open(abi_current_slot, 0);
    abi_login(s);
    assert_ok(p11->C_CloseSession(s)); /* the last one */
    again = abi_open(abi_current_slot, 0);
    assert_int_equal(abi_session_state(again), CKS_RO_PUBLIC_SESSION);
}

/* ---- operations ---- */

typedef struct {
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    size_t k; /* modulus bytes */
} Op;
static Op op;

static int setup_op(void** state)
{
    fixture_initialize(state);
    op.s = abi_open(abi_current_slot, 0);
    abi_login(op.s);
    op.key = abi_private_key(op.s);
    op.k = cert_modulus_len();
    return 0;
}
#define OP(f) cmocka_unit_test_setup_teardown(f, setup_op, fixture_finalize)

static CK_MECHANISM rsa_pkcs = { CKM_RSA_PKCS, NULL, 0 };

static size_t tbs(unsigned char* out)
{ /* a SHA-256 DigestInfo over fixed data */
    static const unsigned char data[] = "tscns ABI suite";
    return digest_info(HASH_SHA256, data, sizeof data - 1, out);
}

static void ops_sign_not_initialized(void** state)
{
    (void)state;
    unsigned char t[128], sig[1024];
    size_t n = tbs(t);
    CK_ULONG len = sizeof sig;
    assert_rv(p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
    assert_rv(p11->C_SignUpdate(op.s, t, (CK_ULONG)n), CKR_OPERATION_NOT_INITIALIZED);
    len = sizeof sig;
    assert_rv(p11->C_SignFinal(op.s, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
    /* After a completed signature the operation is over. */
    len = sizeof sig;
    assert_ok(p11_sign(op.s, &rsa_pkcs, op.key, t, n, sig, &len));
    assert_true(verify_pkcs1_raw(t, n, sig, len));
    len = sizeof sig;
    assert_rv(p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
}

static void ops_signinit_twice(void** state)
{
    (void)state;
    unsigned char t[128], sig[1024];
    size_t n = tbs(t);
    CK_MECHANISM pss_mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    assert_ok(p11->C_SignInit(op.s, &rsa_pkcs, op.key));
    assert_rv(p11->C_SignInit(op.s, &pss_mech, op.key), CKR_OPERATION_ACTIVE);
    /* The first operation is still the active one. */
    CK_ULONG len = sizeof sig;
    assert_ok(p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len));
    assert_int_equal(len, op.k);
    assert_true(verify_pkcs1_raw(t, n, sig, len));
}

/* Size query and a too-small buffer leave the operation active (PKCS#11 2.40 §5.2). */
static void ops_sign_size_query(void** state)
{
    (void)state;
    unsigned char t[128], sig[1024];
    size_t n = tbs(t);
    assert_ok(p11->C_SignInit(op.s, &rsa_pkcs, op.key));
    CK_ULONG len = 0;
    assert_ok(p11->C_Sign(op.s, t, (CK_ULONG)n, NULL, &len));
    assert_int_equal(len, op.k);
    len = 0;
    assert_ok(p11->C_Sign(op.s, t, (CK_ULONG)n, NULL, &len)); /* twice */
    assert_int_equal(len, op.k);
    len = 10;
    memset(sig, 0xA5, sizeof sig);
    assert_rv(p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(len, op.k);
    len = sizeof sig;
    assert_ok(p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len));
    assert_int_equal(len, op.k);
    assert_true(verify_pkcs1_raw(t, n, sig, len));
    len = sizeof sig;
    assert_rv(p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
}

static void ops_signfinal_size_query(void** state)
{
    (void)state;
    static const unsigned char data[] = "multi-part data for the size query";
    unsigned char sig[1024];
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    assert_ok(p11->C_SignInit(op.s, &m, op.key));
    assert_ok(p11->C_SignUpdate(op.s, (CK_BYTE_PTR)(uintptr_t)data, 10));
    assert_ok(p11->C_SignUpdate(op.s, (CK_BYTE_PTR)(uintptr_t)(data + 10), sizeof data - 11));
    CK_ULONG len = 0;
    assert_ok(p11->C_SignFinal(op.s, NULL, &len));
    assert_int_equal(len, op.k);
    len = 10;
    assert_rv(p11->C_SignFinal(op.s, sig, &len), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(len, op.k);
    len = sizeof sig;
    assert_ok(p11->C_SignFinal(op.s, sig, &len));
    assert_int_equal(len, op.k);
    assert_true(verify_pkcs1_data(HASH_SHA256, data, sizeof data - 1, sig, len));
    len = sizeof sig;
    assert_rv(p11->C_SignFinal(op.s, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
    /* C_Sign after C_SignUpdate is not allowed: the operation ends (any error) */
    assert_ok(p11->C_SignInit(op.s, &m, op.key));
    assert_ok(p11->C_SignUpdate(op.s, (CK_BYTE_PTR)(uintptr_t)data, 10));
    len = sizeof sig;
    CK_RV rv = p11->C_Sign(op.s, (CK_BYTE_PTR)(uintptr_t)data, 10, sig, &len);
    if (rv == CKR_OK) fail_msg("C_Sign after C_SignUpdate returned CKR_OK");
}

static void ops_sign_not_logged_in(void** state)
{
    (void)state;
    unsigned char t[128], sig[1024];
    size_t n = tbs(t);
    assert_ok(p11->C_Logout(op.s));
    CK_ULONG len = sizeof sig;
    CK_RV rv = p11->C_SignInit(op.s, &rsa_pkcs, op.key);
    if (rv == CKR_OK) rv = p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len);
    /* The key is a private object: after C_Logout its handle may also be invalid. */
    if (rv != CKR_USER_NOT_LOGGED_IN && rv != CKR_KEY_HANDLE_INVALID
        && rv != CKR_OBJECT_HANDLE_INVALID)
        fail_msg("signing after C_Logout: %s, expected CKR_USER_NOT_LOGGED_IN", rv_name(rv));
    /* Without any login since C_Initialize (a fresh session, key handle from before). */
    abi_finalize_quiet();
    abi_initialize();
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    abi_login(s);
    CK_OBJECT_HANDLE key = abi_private_key(s);
    assert_ok(p11->C_Logout(s));
    rv = p11->C_SignInit(s, &rsa_pkcs, key);
    len = sizeof sig;
    if (rv == CKR_OK) rv = p11->C_Sign(s, t, (CK_ULONG)n, sig, &len);
    if (rv != CKR_USER_NOT_LOGGED_IN && rv != CKR_KEY_HANDLE_INVALID
        && rv != CKR_OBJECT_HANDLE_INVALID)
        fail_msg("signing without login: %s, expected CKR_USER_NOT_LOGGED_IN", rv_name(rv));
    if (rv != CKR_USER_NOT_LOGGED_IN)
        print_message("note: signing without login gave %s\n", rv_name(rv));
}

static void ops_signinit_bad_args(void** state)
{
    (void)state;
    CK_MECHANISM vendor = { CKM_VENDOR_DEFINED | 0x54534E53UL, NULL, 0 };
    CK_MECHANISM digest = { CKM_SHA256, NULL, 0 };
    assert_rv(p11->C_SignInit(op.s, &vendor, op.key), CKR_MECHANISM_INVALID);
    assert_rv(p11->C_SignInit(op.s, &digest, op.key), CKR_MECHANISM_INVALID);
    assert_rv(p11->C_SignInit(op.s, NULL, op.key), CKR_ARGUMENTS_BAD);
    assert_rv_in(
        p11->C_SignInit(op.s, &rsa_pkcs, 99999), CKR_KEY_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID);
    CK_OBJECT_HANDLE cert = abi_find_one(op.s, CKO_CERTIFICATE);
    assert_rv_in(p11->C_SignInit(op.s, &rsa_pkcs, cert), CKR_KEY_HANDLE_INVALID,
        CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED);
    /* None of the refusals left an operation behind. */
    unsigned char t[128], sig[1024];
    size_t n = tbs(t);
    CK_ULONG len = sizeof sig;
    assert_ok(p11_sign(op.s, &rsa_pkcs, op.key, t, n, sig, &len));
    assert_true(verify_pkcs1_raw(t, n, sig, len));
}

/* Input too long for the mechanism: CKR_DATA_LEN_RANGE, and the operation ends. */
static void ops_data_len_range(void** state)
{
    (void)state;
    unsigned char data[1100], sig[1024];
    random_bytes(data, sizeof data);
    data[0] = 0;
    CK_ULONG len = sizeof sig;
    assert_ok(p11->C_SignInit(op.s, &rsa_pkcs, op.key));
    assert_rv(p11->C_Sign(op.s, data, (CK_ULONG)(op.k - 10), sig, &len), CKR_DATA_LEN_RANGE);
    CK_MECHANISM x509 = { CKM_RSA_X_509, NULL, 0 };
    assert_ok(p11->C_SignInit(op.s, &x509, op.key)); /* not CKR_OPERATION_ACTIVE */
    len = sizeof sig;
    assert_rv(p11->C_Sign(op.s, data, (CK_ULONG)(op.k + 1), sig, &len), CKR_DATA_LEN_RANGE);
    unsigned char t[128];
    size_t n = tbs(t);
    len = sizeof sig;
    assert_ok(p11_sign(op.s, &rsa_pkcs, op.key, t, n, sig, &len));
    assert_true(verify_pkcs1_raw(t, n, sig, len));
}

/* Operations are per session. */
static void ops_two_sessions(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s2 = abi_open(abi_current_slot, 0);
    unsigned char t[128], sig[1024];
    size_t n = tbs(t);
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    static const unsigned char data[] = "second session";
    assert_ok(p11->C_SignInit(op.s, &rsa_pkcs, op.key));
    assert_ok(p11->C_SignInit(s2, &m, op.key));
    assert_ok(p11->C_SignUpdate(s2, (CK_BYTE_PTR)(uintptr_t)data, sizeof data - 1));
    CK_ULONG len = sizeof sig;
    assert_ok(p11->C_Sign(op.s, t, (CK_ULONG)n, sig, &len));
    assert_true(verify_pkcs1_raw(t, n, sig, len));
    len = sizeof sig;
    assert_ok(p11->C_SignFinal(s2, sig, &len));
    assert_true(verify_pkcs1_data(HASH_SHA256, data, sizeof data - 1, sig, len));
    /* Closing a session with an active operation is fine. */
    assert_ok(p11->C_SignInit(s2, &m, op.key));
    assert_ok(p11->C_CloseSession(s2));
    len = sizeof sig;
    assert_ok(p11_sign(op.s, &rsa_pkcs, op.key, t, n, sig, &len));
}

static const struct CMUnitTest login_tests[] = {
    SETUP(login_wrong_pin),
    SETUP(login_twice),
    SETUP(login_shared_by_sessions),
    SETUP(login_arguments),
    SETUP(login_pin_len_range),
    SETUP(login_close_all_logs_out),
};
static const struct CMUnitTest op_tests[] = {
    OP(ops_sign_not_initialized),
    OP(ops_signinit_twice),
    OP(ops_sign_size_query),
    OP(ops_signfinal_size_query),
    OP(ops_sign_not_logged_in),
    OP(ops_signinit_bad_args),
    OP(ops_data_len_range),
    OP(ops_two_sessions),
};

const AbiGroup abi_group_login
    = { "login", login_tests, sizeof login_tests / sizeof login_tests[0], NULL, NULL };
const AbiGroup abi_group_operations
    = { "operations", op_tests, sizeof op_tests / sizeof op_tests[0], NULL, NULL };
