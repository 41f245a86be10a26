/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Groups "slots", "sessions" and "mechanisms" (google/pkcs11test Slot.*, ReadOnlySessionTest.*,
 * EnumerateMechanisms; docs/pkcs11-clients.md §1.2, §2.1, §2.2). Each test runs between
 * C_Initialize (setup) and C_Finalize (teardown) with the test card in the reader. */
#define _GNU_SOURCE
#include "abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP(f) cmocka_unit_test_setup_teardown(f, fixture_initialize, fixture_finalize)
static const CK_SLOT_ID BAD_SLOT = 88888;
static const CK_SESSION_HANDLE BAD_SESSIONS[] = { 99999, 77777, CK_INVALID_HANDLE };

static CK_SLOT_ID* slot_list(CK_BBOOL present, CK_ULONG* n)
{
    *n = 0;
    assert_ok(p11->C_GetSlotList(present, NULL, n));
    CK_SLOT_ID* list = calloc(*n + 1, sizeof *list);
    assert_non_null(list);
    CK_ULONG got = *n;
    assert_ok(p11->C_GetSlotList(present, list, &got));
    assert_int_equal(got, *n);
    return list;
}

/* ---- slots ---- */

static void slots_list(void** state)
{
    (void)state;
    CK_ULONG n = 0, np = 0;
    CK_SLOT_ID* all = slot_list(CK_FALSE, &n);
    CK_SLOT_ID* present = slot_list(CK_TRUE, &np);
    assert_true(n >= 1);
    assert_true(np >= 1 && np <= n);
    int found = 0;
    for (CK_ULONG i = 0; i < n; i++)
        found |= all[i] == abi_current_slot;
    assert_true(found);
    for (CK_ULONG i = 0; i < np; i++) { /* every slot of the present list is in the full list */
        int in_all = 0;
        for (CK_ULONG j = 0; j < n; j++)
            in_all |= all[j] == present[i];
        assert_true(in_all);
        CK_SLOT_INFO info;
        assert_ok(p11->C_GetSlotInfo(present[i], &info));
        assert_true(info.flags & CKF_TOKEN_PRESENT);
    }
    /* The list is fixed (NSS reads it once at load). */
    CK_ULONG n2 = 0;
    CK_SLOT_ID* again = slot_list(CK_FALSE, &n2);
    assert_int_equal(n2, n);
    assert_memory_equal(again, all, n * sizeof *all);
    assert_rv(p11->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
    free(all);
    free(present);
    free(again);
}

static void slots_buffer_too_small(void** state)
{
    (void)state;
    for (int present = 0; present <= 1; present++) {
        CK_ULONG n = 0;
        assert_ok(p11->C_GetSlotList((CK_BBOOL)present, NULL, &n));
        assert_true(n >= 1);
        CK_SLOT_ID buf[1];
        CK_ULONG small = n - 1;
        assert_rv(p11->C_GetSlotList((CK_BBOOL)present, buf, &small), CKR_BUFFER_TOO_SMALL);
        if (small != n)
            fail_msg("CKR_BUFFER_TOO_SMALL with count %lu, expected the needed %lu", small, n);
    }
}

static void slots_invalid_id(void** state)
{
    (void)state;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_MECHANISM_INFO mi;
    CK_ULONG n = 0;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    assert_rv(p11->C_GetSlotInfo(BAD_SLOT, &si), CKR_SLOT_ID_INVALID);
    assert_rv(p11->C_GetTokenInfo(BAD_SLOT, &ti), CKR_SLOT_ID_INVALID);
    assert_rv(p11->C_GetMechanismList(BAD_SLOT, NULL, &n), CKR_SLOT_ID_INVALID);
    assert_rv(p11->C_GetMechanismInfo(BAD_SLOT, CKM_RSA_PKCS, &mi), CKR_SLOT_ID_INVALID);
    assert_rv(
        p11->C_OpenSession(BAD_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_SLOT_ID_INVALID);
    assert_rv(p11->C_CloseAllSessions(BAD_SLOT), CKR_SLOT_ID_INVALID);
}

static void slots_info(void** state)
{
    (void)state;
    CK_SLOT_INFO info;
    memset(&info, 0xA5, sizeof info);
    assert_ok(p11->C_GetSlotInfo(abi_current_slot, &info));
    assert_true(blank_padded(info.slotDescription, sizeof info.slotDescription));
    assert_true(blank_padded(info.manufacturerID, sizeof info.manufacturerID));
    if (!(info.flags & CKF_TOKEN_PRESENT))
        fail_msg("slot flags 0x%lx: no CKF_TOKEN_PRESENT", info.flags);
    /* A reader slot is removable: NSS re-checks presence only then
     * (docs/pkcs11-clients.md §2.2). */
    if (!(info.flags & CKF_REMOVABLE_DEVICE))
        fail_msg("slot flags 0x%lx: no CKF_REMOVABLE_DEVICE", info.flags);
    assert_int_equal(
        info.flags & ~(CK_FLAGS)(CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT), 0);
    assert_rv(p11->C_GetSlotInfo(abi_current_slot, NULL), CKR_ARGUMENTS_BAD);
}

static void slots_token_info_null(void** state)
{
    (void)state;
    assert_rv(p11->C_GetTokenInfo(abi_current_slot, NULL), CKR_ARGUMENTS_BAD);
}

/* The other vpcd reader is empty: no token there. */
static void slots_empty_reader(void** state)
{
    (void)state;
    const char* other = getenv("TSCNS_EMPTY_READER");
    if (other == NULL) other = "Virtual PCD 00 01";
    CK_ULONG n = 0;
    CK_SLOT_ID* all = slot_list(CK_FALSE, &n);
    CK_SLOT_ID empty = BAD_SLOT;
    for (CK_ULONG i = 0; i < n && empty == BAD_SLOT; i++) {
        CK_SLOT_INFO info;
        assert_ok(p11->C_GetSlotInfo(all[i], &info));
        if (strstr(field_str(info.slotDescription, sizeof info.slotDescription), other) != NULL)
            empty = all[i];
    }
    free(all);
    if (empty == BAD_SLOT) fail_msg("no slot for the second vpcd reader '%s'", other);
    CK_SLOT_INFO info;
    assert_ok(p11->C_GetSlotInfo(empty, &info));
    assert_false(info.flags & CKF_TOKEN_PRESENT);
    CK_TOKEN_INFO ti;
    CK_SESSION_HANDLE s;
    assert_rv(p11->C_GetTokenInfo(empty, &ti), CKR_TOKEN_NOT_PRESENT);
    assert_rv(p11->C_OpenSession(empty, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_TOKEN_NOT_PRESENT);
}

static void slots_wait_dont_block(void** state)
{
    (void)state;
    CK_SLOT_ID slot = BAD_SLOT;
    CK_RV rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
    if (rv == CKR_FUNCTION_NOT_SUPPORTED)
        fail_msg("C_WaitForSlotEvent unsupported (Firefox needs it, docs/pkcs11-clients.md §2.2)");
    if (rv != CKR_NO_EVENT)
        fail_msg("first C_WaitForSlotEvent(CKF_DONT_BLOCK) returned %s (slot %lu), expected "
                 "CKR_NO_EVENT",
            rv_name(rv), slot);
    assert_rv(p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
    int reserved = 0;
    assert_rv(p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, &reserved), CKR_ARGUMENTS_BAD);
    assert_rv(p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD);
}

/* ---- sessions ---- */

static void sessions_parallel_flag(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    assert_rv(p11->C_OpenSession(abi_current_slot, 0, NULL, NULL, &s),
        CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    assert_rv(p11->C_OpenSession(abi_current_slot, CKF_RW_SESSION, NULL, NULL, &s),
        CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    assert_rv(p11->C_OpenSession(abi_current_slot, CKF_SERIAL_SESSION, NULL, NULL, NULL),
        CKR_ARGUMENTS_BAD);
}

static void check_session(CK_SESSION_HANDLE s, CK_STATE state, CK_FLAGS flags)
{
    CK_SESSION_INFO info;
    memset(&info, 0xA5, sizeof info);
    assert_ok(p11->C_GetSessionInfo(s, &info));
    assert_int_equal(info.slotID, abi_current_slot);
    assert_int_equal(info.state, state);
    assert_int_equal(info.flags, flags);
}

static void sessions_ro_ro_rw(void** state)
{
    (void)state;
    CK_SESSION_HANDLE a = abi_open(abi_current_slot, 0);
    CK_SESSION_HANDLE b = abi_open(abi_current_slot, 0);
    CK_SESSION_HANDLE c = abi_open(abi_current_slot, CKF_RW_SESSION);
    assert_true(a != b && b != c && a != c);
    for (size_t i = 0; i < 3; i++) /* google/pkcs11test uses these as known-invalid values */
        assert_true(a != BAD_SESSIONS[i] && b != BAD_SESSIONS[i] && c != BAD_SESSIONS[i]);
    check_session(a, CKS_RO_PUBLIC_SESSION, CKF_SERIAL_SESSION);
    check_session(b, CKS_RO_PUBLIC_SESSION, CKF_SERIAL_SESSION);
    check_session(c, CKS_RW_PUBLIC_SESSION, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    assert_rv(p11->C_GetSessionInfo(a, NULL), CKR_ARGUMENTS_BAD);
    assert_ok(p11->C_CloseSession(b));
    check_session(a, CKS_RO_PUBLIC_SESSION, CKF_SERIAL_SESSION);
    check_session(c, CKS_RW_PUBLIC_SESSION, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    assert_ok(p11->C_CloseSession(a));
    assert_ok(p11->C_CloseSession(c));
}

static void sessions_closed_handle(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    CK_SESSION_HANDLE keep = abi_open(abi_current_slot, 0); /* the module still has a session */
    assert_ok(p11->C_CloseSession(s));
    CK_SESSION_INFO info;
    assert_rv(p11->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
    assert_rv(p11->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
    assert_rv(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)abi_env.pin,
                  (CK_ULONG)strlen(abi_env.pin)),
        CKR_SESSION_HANDLE_INVALID);
    check_session(keep, CKS_RO_PUBLIC_SESSION, CKF_SERIAL_SESSION);
}

static void sessions_known_invalid(void** state)
{
    (void)state;
    CK_SESSION_HANDLE keep = abi_open(abi_current_slot, 0);
    (void)keep;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };
    CK_MECHANISM mech = { CKM_RSA_PKCS, NULL, 0 };
    CK_BYTE buf[16] = { 0 };
    CK_ULONG len = sizeof buf;
    for (size_t i = 0; i < sizeof BAD_SESSIONS / sizeof BAD_SESSIONS[0]; i++) {
        CK_SESSION_HANDLE s = BAD_SESSIONS[i];
        CK_SESSION_INFO info;
        print_message("session handle %lu\n", s);
        assert_rv(p11->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_FindObjectsInit(s, &t, 1), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_GetAttributeValue(s, 1, &t, 1), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_SignInit(s, &mech, 1), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_Sign(s, buf, sizeof buf, buf, &len), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_Logout(s), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)abi_env.pin,
                      (CK_ULONG)strlen(abi_env.pin)),
            CKR_SESSION_HANDLE_INVALID);
    }
}

static void sessions_close_all(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s[3];
    for (int i = 0; i < 3; i++)
        s[i] = abi_open(abi_current_slot, i == 2 ? CKF_RW_SESSION : 0);
    assert_ok(p11->C_CloseAllSessions(abi_current_slot));
    CK_SESSION_INFO info;
    for (int i = 0; i < 3; i++)
        assert_rv(p11->C_GetSessionInfo(s[i], &info), CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_HANDLE again = abi_open(abi_current_slot, 0);
    check_session(again, CKS_RO_PUBLIC_SESSION, CKF_SERIAL_SESSION);
}

static void sessions_many(void** state)
{
    (void)state;
    enum { N = 64 };
    CK_SESSION_HANDLE s[N];
    for (int i = 0; i < N; i++) {
        s[i] = abi_open(abi_current_slot, (i % 2) ? CKF_RW_SESSION : 0);
        for (int j = 0; j < i; j++)
            if (s[j] == s[i]) fail_msg("session handle %lu handed out twice", s[i]);
    }
    for (int i = 0; i < N; i += 2)
        assert_ok(p11->C_CloseSession(s[i]));
    for (int i = 1; i < N; i += 2)
        check_session(s[i], CKS_RW_PUBLIC_SESSION, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    CK_SESSION_HANDLE fresh = abi_open(abi_current_slot, 0);
    for (int i = 0; i < N; i += 2) /* a closed handle is not reused at once */
        if (fresh == s[i]) print_message("note: closed handle %lu reused\n", fresh);
    for (int i = 1; i < N; i += 2)
        assert_true(fresh != s[i]);
}

/* ---- mechanisms ---- */

typedef struct {
    CK_MECHANISM_TYPE type;
    CK_FLAGS allowed; /* flags the mechanism may carry (PKCS#11 2.40 mechanism table) */
    int sign; /* must be listed with CKF_SIGN */
} MechRule;

#define RSA_ALL                                                                                    \
    (CKF_HW | CKF_ENCRYPT | CKF_DECRYPT | CKF_SIGN | CKF_SIGN_RECOVER | CKF_VERIFY                 \
        | CKF_VERIFY_RECOVER | CKF_WRAP | CKF_UNWRAP)
#define SIG_ONLY (CKF_HW | CKF_SIGN | CKF_VERIFY)
static const MechRule rules[] = {
    { CKM_RSA_PKCS, RSA_ALL, 1 },
    { CKM_RSA_X_509, RSA_ALL, 1 },
    { CKM_RSA_PKCS_PSS, SIG_ONLY, 1 },
    { CKM_SHA1_RSA_PKCS, SIG_ONLY, 1 },
    { CKM_SHA224_RSA_PKCS, SIG_ONLY, 1 },
    { CKM_SHA256_RSA_PKCS, SIG_ONLY, 1 },
    { CKM_SHA384_RSA_PKCS, SIG_ONLY, 1 },
    { CKM_SHA512_RSA_PKCS, SIG_ONLY, 1 },
    { CKM_SHA1_RSA_PKCS_PSS, SIG_ONLY, 1 },
    { CKM_SHA224_RSA_PKCS_PSS, SIG_ONLY, 1 },
    { CKM_SHA256_RSA_PKCS_PSS, SIG_ONLY, 1 },
    { CKM_SHA384_RSA_PKCS_PSS, SIG_ONLY, 1 },
    { CKM_SHA512_RSA_PKCS_PSS, SIG_ONLY, 1 },
    { CKM_MD5_RSA_PKCS, SIG_ONLY, 0 },
    { CKM_RIPEMD160_RSA_PKCS, SIG_ONLY, 0 },
    { CKM_RSA_PKCS_OAEP, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP, 0 },
    { CKM_SHA_1, CKF_HW | CKF_DIGEST, 0 },
    { CKM_SHA224, CKF_HW | CKF_DIGEST, 0 },
    { CKM_SHA256, CKF_HW | CKF_DIGEST, 0 },
    { CKM_SHA384, CKF_HW | CKF_DIGEST, 0 },
    { CKM_SHA512, CKF_HW | CKF_DIGEST, 0 },
    { CKM_MD5, CKF_HW | CKF_DIGEST, 0 },
    { CKM_RIPEMD160, CKF_HW | CKF_DIGEST, 0 },
};
#define RULE_COUNT (sizeof rules / sizeof rules[0])

static CK_MECHANISM_TYPE* mech_list(CK_ULONG* n)
{
    *n = 0;
    assert_ok(p11->C_GetMechanismList(abi_current_slot, NULL, n));
    assert_true(*n >= 1 && *n < 4096);
    CK_MECHANISM_TYPE* list = calloc(*n, sizeof *list);
    assert_non_null(list);
    CK_ULONG got = *n;
    assert_ok(p11->C_GetMechanismList(abi_current_slot, list, &got));
    assert_int_equal(got, *n);
    return list;
}

static void mech_list_required(void** state)
{
    (void)state;
    CK_ULONG n = 0;
    CK_MECHANISM_TYPE* list = mech_list(&n);
    CK_MECHANISM_TYPE one[1];
    CK_ULONG small = 0;
    assert_rv(p11->C_GetMechanismList(abi_current_slot, one, &small), CKR_BUFFER_TOO_SMALL);
    assert_int_equal(small, n);
    assert_rv(p11->C_GetMechanismList(abi_current_slot, NULL, NULL), CKR_ARGUMENTS_BAD);
    for (CK_ULONG i = 0; i < n; i++)
        for (CK_ULONG j = 0; j < i; j++)
            if (list[i] == list[j]) fail_msg("mechanism 0x%lx listed twice", list[i]);
    char missing[1024] = "";
    for (size_t r = 0; r < RULE_COUNT; r++) {
        if (!rules[r].sign) continue;
        int found = 0;
        for (CK_ULONG i = 0; i < n; i++)
            found |= list[i] == rules[r].type;
        if (!found) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, " %s", mech_name(rules[r].type));
        }
    }
    free(list);
    if (missing[0]) fail_msg("signature mechanisms not listed:%s", missing);
}

static void mech_info_sane(void** state)
{
    (void)state;
    CK_ULONG n = 0;
    CK_MECHANISM_TYPE* list = mech_list(&n);
    int bits = cert_bits();
    for (CK_ULONG i = 0; i < n; i++) {
        CK_MECHANISM_INFO info;
        memset(&info, 0xA5, sizeof info);
        CK_RV rv = p11->C_GetMechanismInfo(abi_current_slot, list[i], &info);
        if (rv != CKR_OK)
            fail_msg("C_GetMechanismInfo(%s 0x%lx): %s", mech_name(list[i]), list[i], rv_name(rv));
        if (info.flags == 0 || (info.flags & CKF_EXTENSION))
            fail_msg("%s: flags 0x%lx", mech_name(list[i]), info.flags);
        const MechRule* rule = NULL;
        for (size_t r = 0; r < RULE_COUNT; r++)
            if (rules[r].type == list[i]) rule = &rules[r];
        if (rule == NULL) {
            print_message("note: mechanism 0x%lx (flags 0x%lx) is not in this suite's table\n",
                list[i], info.flags);
            continue;
        }
        if (info.flags & ~rule->allowed)
            fail_msg("%s: flags 0x%lx include 0x%lx, which the mechanism cannot have",
                mech_name(list[i]), info.flags, info.flags & ~rule->allowed);
        if (rule->sign) {
            if (!(info.flags & CKF_SIGN))
                fail_msg("%s: no CKF_SIGN (flags 0x%lx)", mech_name(list[i]), info.flags);
            if (info.ulMinKeySize > info.ulMaxKeySize || info.ulMinKeySize > (CK_ULONG)bits
                || info.ulMaxKeySize < (CK_ULONG)bits)
                fail_msg("%s: key sizes %lu..%lu exclude the card's %d-bit key", mech_name(list[i]),
                    info.ulMinKeySize, info.ulMaxKeySize, bits);
        }
    }
    free(list);
}

static void mech_invalid(void** state)
{
    (void)state;
    CK_MECHANISM_INFO info;
    assert_rv(p11->C_GetMechanismInfo(abi_current_slot, CKM_VENDOR_DEFINED | 0x54534E53UL, &info),
        CKR_MECHANISM_INVALID);
    assert_rv(p11->C_GetMechanismInfo(abi_current_slot, CKM_RSA_PKCS, NULL), CKR_ARGUMENTS_BAD);
    /* google/pkcs11test GetMechanismInfoInvalid / GetMechanismInfoInvalidSlot */
    assert_rv(p11->C_GetMechanismInfo(abi_current_slot, CKM_VENDOR_DEFINED + 1, &info),
        CKR_MECHANISM_INVALID);
    assert_rv(
        p11->C_GetMechanismInfo(BAD_SLOT, CKM_RSA_PKCS_KEY_PAIR_GEN, &info), CKR_SLOT_ID_INVALID);
    CK_ULONG n = 0;
    assert_rv(p11->C_GetMechanismList(BAD_SLOT, NULL, &n), CKR_SLOT_ID_INVALID);
}

/* google/pkcs11test rng.cc: the argument and session checks come before CKR_RANDOM_NO_RNG. */
static void sessions_random(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    CK_TOKEN_INFO ti;
    assert_ok(p11->C_GetTokenInfo(abi_current_slot, &ti));
    CK_BYTE buf[64] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    assert_rv(p11->C_SeedRandom(s, NULL, 1), CKR_ARGUMENTS_BAD);
    assert_rv(p11->C_GenerateRandom(s, NULL, 1), CKR_ARGUMENTS_BAD);
    for (size_t i = 0; i < sizeof BAD_SESSIONS / sizeof BAD_SESSIONS[0]; i++) {
        assert_rv(p11->C_SeedRandom(BAD_SESSIONS[i], buf, 8), CKR_SESSION_HANDLE_INVALID);
        assert_rv(p11->C_GenerateRandom(BAD_SESSIONS[i], buf, 16), CKR_SESSION_HANDLE_INVALID);
    }
    /* The slot ID is not a session either (pkcs11test passes 88888 as the session). */
    assert_rv(p11->C_SeedRandom((CK_SESSION_HANDLE)BAD_SLOT, buf, 8), CKR_SESSION_HANDLE_INVALID);
    if (ti.flags & CKF_RNG) {
        assert_ok(p11->C_SeedRandom(s, buf, 8));
        assert_ok(p11->C_GenerateRandom(s, buf, sizeof buf));
    } else {
        assert_rv(p11->C_SeedRandom(s, buf, 8), CKR_RANDOM_NO_RNG);
        assert_rv(p11->C_GenerateRandom(s, buf, sizeof buf), CKR_RANDOM_NO_RNG);
    }
    assert_ok(p11->C_CloseSession(s));
}

/* google/pkcs11test digest.cc (DigestInitInvalid and the no-operation rules). The module lists no
 * digest mechanism: C_DigestInit refuses an unknown one with CKR_MECHANISM_INVALID, and with no
 * digest operation active the others are CKR_OPERATION_NOT_INITIALIZED. */
static void sessions_digest(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, 0);
    CK_MECHANISM unknown = { 999, NULL, 0 };
    CK_MECHANISM sha256 = { CKM_SHA256, NULL, 0 };
    CK_BYTE data[16] = { 0 };
    CK_BYTE out[64];
    CK_ULONG len = sizeof out;
    assert_rv(p11->C_DigestInit(s, &unknown), CKR_MECHANISM_INVALID);
    assert_rv(p11->C_DigestInit(s, NULL), CKR_ARGUMENTS_BAD);
    for (size_t i = 0; i < sizeof BAD_SESSIONS / sizeof BAD_SESSIONS[0]; i++)
        assert_rv(p11->C_DigestInit(BAD_SESSIONS[i], &sha256), CKR_SESSION_HANDLE_INVALID);
    CK_RV rv = p11->C_DigestInit(s, &sha256);
    if (rv == CKR_OK) { /* a module with digests: finish the operation */
        assert_ok(p11->C_Digest(s, data, sizeof data, out, &len));
        assert_int_equal(len, 32);
    } else {
        assert_rv(rv, CKR_MECHANISM_INVALID);
    }
    len = sizeof out;
    assert_rv(p11->C_DigestUpdate(s, data, 1), CKR_OPERATION_NOT_INITIALIZED);
    assert_rv(p11->C_Digest(s, data, sizeof data, out, &len), CKR_OPERATION_NOT_INITIALIZED);
    assert_rv(p11->C_DigestFinal(s, out, &len), CKR_OPERATION_NOT_INITIALIZED);
    assert_rv(p11->C_Digest(s, data, sizeof data, out, NULL), CKR_ARGUMENTS_BAD);
    assert_rv(p11->C_DigestFinal(BAD_SESSIONS[0], out, &len), CKR_SESSION_HANDLE_INVALID);
    assert_ok(p11->C_CloseSession(s));
}

/* google/pkcs11test session.cc CloseSessionInvalid: the legacy parallel functions answer
 * CKR_FUNCTION_NOT_PARALLEL on a live session. */
static void sessions_legacy(void** state)
{
    (void)state;
    CK_SESSION_HANDLE s = abi_open(abi_current_slot, CKF_RW_SESSION);
    assert_rv(p11->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
    assert_rv(p11->C_CancelFunction(s), CKR_FUNCTION_NOT_PARALLEL);
    assert_rv(p11->C_CloseSession(BAD_SESSIONS[0]), CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_INFO info;
    assert_rv(p11->C_GetSessionInfo(BAD_SESSIONS[0], &info), CKR_SESSION_HANDLE_INVALID);
    assert_rv(p11->C_GetSessionInfo(s, NULL), CKR_ARGUMENTS_BAD);
    assert_ok(p11->C_CloseSession(s));
}

static const struct CMUnitTest slot_tests[] = {
    SETUP(slots_list),
    SETUP(slots_buffer_too_small),
    SETUP(slots_invalid_id),
    SETUP(slots_info),
    SETUP(slots_token_info_null),
    SETUP(slots_empty_reader),
    SETUP(slots_wait_dont_block),
};
static const struct CMUnitTest session_tests[] = {
    SETUP(sessions_parallel_flag),
    SETUP(sessions_ro_ro_rw),
    SETUP(sessions_closed_handle),
    SETUP(sessions_known_invalid),
    SETUP(sessions_close_all),
    SETUP(sessions_many),
    SETUP(sessions_random),
    SETUP(sessions_digest),
    SETUP(sessions_legacy),
};
static const struct CMUnitTest mech_tests[] = {
    SETUP(mech_list_required),
    SETUP(mech_info_sane),
    SETUP(mech_invalid),
};

const AbiGroup abi_group_slots
    = { "slots", slot_tests, sizeof slot_tests / sizeof slot_tests[0], NULL, NULL };
const AbiGroup abi_group_sessions
    = { "sessions", session_tests, sizeof session_tests / sizeof session_tests[0], NULL, NULL };
const AbiGroup abi_group_mechanisms
    = { "mechanisms", mech_tests, sizeof mech_tests / sizeof mech_tests[0], NULL, NULL };
