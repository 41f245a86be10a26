/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Group "init": the function list, C_Initialize / C_Finalize argument and state rules
 * (google/pkcs11test Init.*, docs/pkcs11-clients.md §1.2 and §2.1). Every test starts with the
 * module not initialized and leaves it finalized (teardown). */
#define _GNU_SOURCE
#include "abi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- application mutex callbacks (as NSS passes them) ---- */

static unsigned long mutex_created, mutex_locked;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

static void count(unsigned long* c)
{
    pthread_mutex_lock(&counter_lock);
    (*c)++;
    pthread_mutex_unlock(&counter_lock);
}

static CK_RV app_create_mutex(CK_VOID_PTR_PTR out)
{
    if (out == NULL) return CKR_ARGUMENTS_BAD;
    pthread_mutex_t* m = malloc(sizeof *m);
    if (m == NULL) return CKR_HOST_MEMORY;
    pthread_mutex_init(m, NULL);
    *out = m;
    count(&mutex_created);
    return CKR_OK;
}
static CK_RV app_destroy_mutex(CK_VOID_PTR m)
{
    if (m == NULL) return CKR_MUTEX_BAD;
    pthread_mutex_destroy(m);
    free(m);
    return CKR_OK;
}
static CK_RV app_lock_mutex(CK_VOID_PTR m)
{
    if (m == NULL) return CKR_MUTEX_BAD;
    pthread_mutex_lock(m);
    count(&mutex_locked);
    return CKR_OK;
}
static CK_RV app_unlock_mutex(CK_VOID_PTR m)
{
    if (m == NULL) return CKR_MUTEX_BAD;
    pthread_mutex_unlock(m);
    return CKR_OK;
}

static CK_C_INITIALIZE_ARGS init_args(CK_FLAGS flags, int callbacks)
{
    CK_C_INITIALIZE_ARGS a;
    memset(&a, 0, sizeof a);
    if (callbacks) {
        a.CreateMutex = app_create_mutex;
        a.DestroyMutex = app_destroy_mutex;
        a.LockMutex = app_lock_mutex;
        a.UnlockMutex = app_unlock_mutex;
    }
    a.flags = flags;
    a.pReserved = NULL;
    return a;
}

/* The module is usable: C_GetInfo and C_GetSlotList work. */
static void assert_usable(void)
{
    CK_INFO info;
    CK_ULONG n = 0;
    assert_ok(p11->C_GetInfo(&info));
    assert_ok(p11->C_GetSlotList(CK_FALSE, NULL, &n));
    assert_true(n >= 1);
}
static void assert_not_initialized(void)
{
    CK_INFO info;
    assert_rv(p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
}

/* ---- tests ---- */

static void init_function_list(void** state)
{
    (void)state;
    void* sym = dlsym(abi_dl, "C_GetFunctionList");
    CK_C_GetFunctionList get = NULL;
    assert_non_null(sym);
    memcpy(&get, &sym, sizeof get);
    assert_rv(get(NULL), CKR_ARGUMENTS_BAD);
    CK_FUNCTION_LIST_PTR list = NULL;
    assert_ok(get(&list));
    assert_non_null(list);
    /* PKCS#11 2.x table; a 3.0 module still returns the 2.x list from C_GetFunctionList. */
    if (list->version.major != 2)
        fail_msg(
            "function list version %u.%u, expected 2.x", list->version.major, list->version.minor);
    assert_true(list->version.minor >= 20);
    /* Every entry is present (unsupported functions are stubs returning
     * CKR_FUNCTION_NOT_SUPPORTED): 68 function pointers after the version. */
    const unsigned char* p = (const unsigned char*)list + offsetof(CK_FUNCTION_LIST, C_Initialize);
    size_t count = (sizeof(CK_FUNCTION_LIST) - offsetof(CK_FUNCTION_LIST, C_Initialize))
        / sizeof(CK_C_Initialize);
    assert_int_equal(count, 68);
    for (size_t i = 0; i < count; i++) {
        void* fn = NULL;
        memcpy(&fn, p + i * sizeof(CK_C_Initialize), sizeof fn);
        if (fn == NULL) fail_msg("function list entry %zu is NULL", i);
    }
    /* C_GetFunctionList through the list gives the same table. */
    CK_FUNCTION_LIST_PTR again = NULL;
    assert_ok(list->C_GetFunctionList(&again));
    assert_non_null(again);
    assert_true(again->C_Initialize == list->C_Initialize);
}

/* PKCS#11 3.0 C_GetInterface (not in p11-kit 0.24's 2.40 header): optional, checked if exported. */
typedef struct {
    CK_UTF8CHAR* pInterfaceName;
    void* pFunctionList;
    CK_FLAGS flags;
} AbiInterface;
typedef CK_RV (*AbiGetInterface)(CK_UTF8CHAR*, CK_VERSION*, AbiInterface**, CK_FLAGS);

static void init_get_interface(void** state)
{
    (void)state;
    void* sym = dlsym(abi_dl, "C_GetInterface");
    if (sym == NULL) {
        /* Our module must export the 3.0 interface calls (issue: "plus the 3.0 interface
           calls"). A pure 2.40 module (e.g. an older reference) may be run with
           TSCNS_ABI_V2_MODULE=1, where not exporting it is correct. */
        const char* v2 = getenv("TSCNS_ABI_V2_MODULE");
        if (v2 != NULL && strcmp(v2, "1") == 0) {
            print_message("C_GetInterface is not exported (2.40 module): nothing to check\n");
            skip();
        }
        fail_msg("C_GetInterface is not exported");
    }
    AbiGetInterface get = NULL;
    memcpy(&get, &sym, sizeof get);
    AbiInterface* iface = NULL;
    assert_rv(get(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
    assert_ok(get(NULL, NULL, &iface, 0));
    assert_non_null(iface);
    assert_non_null(iface->pInterfaceName);
    assert_string_equal((const char*)iface->pInterfaceName, "PKCS 11");
    const CK_VERSION* v = iface->pFunctionList;
    assert_non_null(v);
    assert_true(v->major == 2 || v->major == 3);
    /* NSS asks for "PKCS 11" with CKF_INTERFACE_FORK_SAFE (0x1) first. */
    iface = NULL;
    CK_RV rv = get((CK_UTF8CHAR*)(uintptr_t) "PKCS 11", NULL, &iface, 0x1);
    assert_true(rv == CKR_OK || rv == CKR_ARGUMENTS_BAD || rv == CKR_FUNCTION_FAILED);
    /* An unknown interface name is refused. */
    assert_rv_in(get((CK_UTF8CHAR*)(uintptr_t) "No Such Interface", NULL, &iface, 0),
        CKR_ARGUMENTS_BAD, CKR_FUNCTION_FAILED);
}

/* Every function except C_Initialize / C_GetFunctionList returns CKR_CRYPTOKI_NOT_INITIALIZED
 * before C_Initialize. Arguments are plausible, so an argument check cannot answer first. */
static char ni_report[8192];
static int ni_failures;
static void ni(const char* what, CK_RV rv)
{
    if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) return;
    ni_failures++;
    size_t used = strlen(ni_report);
    snprintf(ni_report + used, sizeof ni_report - used, "\n  %s -> %s", what, rv_name(rv));
}
#define NI(call) ni(#call, (call))

static void init_not_initialized(void** state)
{
    (void)state;
    ni_report[0] = 0;
    ni_failures = 0;
    CK_INFO info;
    CK_SLOT_INFO slot_info;
    CK_TOKEN_INFO token_info;
    CK_MECHANISM_INFO mech_info;
    CK_SESSION_INFO session_info;
    CK_SLOT_ID slots[8], slot = 0;
    CK_ULONG n = 8, len = 0;
    CK_MECHANISM_TYPE mechs[64];
    CK_SESSION_HANDLE s = 1;
    CK_OBJECT_HANDLE o = 1, o2 = 0, handles[4];
    CK_MECHANISM mech = { CKM_RSA_PKCS, NULL, 0 };
    CK_BYTE buf[512], out[512];
    CK_UTF8CHAR pin[] = "12345", label[32];
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE attr = { CKA_CLASS, &cls, sizeof cls };
    CK_ATTRIBUTE_PTR tmpl = &attr;
    memset(buf, 1, sizeof buf);
    memset(label, ' ', sizeof label);

    NI(p11->C_Finalize(NULL));
    NI(p11->C_GetInfo(&info));
    n = 8;
    NI(p11->C_GetSlotList(CK_FALSE, slots, &n));
    n = 0;
    NI(p11->C_GetSlotList(CK_TRUE, NULL, &n));
    NI(p11->C_GetSlotInfo(slot, &slot_info));
    NI(p11->C_GetTokenInfo(slot, &token_info));
    n = 64;
    NI(p11->C_GetMechanismList(slot, mechs, &n));
    NI(p11->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &mech_info));
    NI(p11->C_InitToken(slot, pin, 5, label));
    NI(p11->C_InitPIN(s, pin, 5));
    NI(p11->C_SetPIN(s, pin, 5, pin, 5));
    NI(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
    NI(p11->C_CloseSession(s));
    NI(p11->C_CloseAllSessions(slot));
    NI(p11->C_GetSessionInfo(s, &session_info));
    len = sizeof out;
    NI(p11->C_GetOperationState(s, out, &len));
    NI(p11->C_SetOperationState(s, buf, 16, 0, 0));
    NI(p11->C_Login(s, CKU_USER, pin, 5));
    NI(p11->C_Logout(s));
    NI(p11->C_CreateObject(s, tmpl, 1, &o2));
    NI(p11->C_CopyObject(s, o, tmpl, 1, &o2));
    NI(p11->C_DestroyObject(s, o));
    NI(p11->C_GetObjectSize(s, o, &len));
    NI(p11->C_GetAttributeValue(s, o, tmpl, 1));
    NI(p11->C_SetAttributeValue(s, o, tmpl, 1));
    NI(p11->C_FindObjectsInit(s, tmpl, 1));
    NI(p11->C_FindObjects(s, handles, 4, &n));
    NI(p11->C_FindObjectsFinal(s));
    NI(p11->C_EncryptInit(s, &mech, o));
    len = sizeof out;
    NI(p11->C_Encrypt(s, buf, 16, out, &len));
    len = sizeof out;
    NI(p11->C_EncryptUpdate(s, buf, 16, out, &len));
    len = sizeof out;
    NI(p11->C_EncryptFinal(s, out, &len));
    NI(p11->C_DecryptInit(s, &mech, o));
    len = sizeof out;
    NI(p11->C_Decrypt(s, buf, 256, out, &len));
    len = sizeof out;
    NI(p11->C_DecryptUpdate(s, buf, 16, out, &len));
    len = sizeof out;
    NI(p11->C_DecryptFinal(s, out, &len));
    mech.mechanism = CKM_SHA256;
    NI(p11->C_DigestInit(s, &mech));
    len = sizeof out;
    NI(p11->C_Digest(s, buf, 16, out, &len));
    NI(p11->C_DigestUpdate(s, buf, 16));
    NI(p11->C_DigestKey(s, o));
    len = sizeof out;
    NI(p11->C_DigestFinal(s, out, &len));
    mech.mechanism = CKM_RSA_PKCS;
    NI(p11->C_SignInit(s, &mech, o));
    len = sizeof out;
    NI(p11->C_Sign(s, buf, 32, out, &len));
    NI(p11->C_SignUpdate(s, buf, 16));
    len = sizeof out;
    NI(p11->C_SignFinal(s, out, &len));
    NI(p11->C_SignRecoverInit(s, &mech, o));
    len = sizeof out;
    NI(p11->C_SignRecover(s, buf, 16, out, &len));
    NI(p11->C_VerifyInit(s, &mech, o));
    NI(p11->C_Verify(s, buf, 32, out, 256));
    NI(p11->C_VerifyUpdate(s, buf, 16));
    NI(p11->C_VerifyFinal(s, out, 256));
    NI(p11->C_VerifyRecoverInit(s, &mech, o));
    len = sizeof out;
    NI(p11->C_VerifyRecover(s, buf, 256, out, &len));
    len = sizeof out;
    NI(p11->C_DigestEncryptUpdate(s, buf, 16, out, &len));
    len = sizeof out;
    NI(p11->C_DecryptDigestUpdate(s, buf, 16, out, &len));
    len = sizeof out;
    NI(p11->C_SignEncryptUpdate(s, buf, 16, out, &len));
    len = sizeof out;
    NI(p11->C_DecryptVerifyUpdate(s, buf, 16, out, &len));
    NI(p11->C_GenerateKey(s, &mech, tmpl, 1, &o2));
    NI(p11->C_GenerateKeyPair(s, &mech, tmpl, 1, tmpl, 1, &o2, &o2));
    len = sizeof out;
    NI(p11->C_WrapKey(s, &mech, o, o, out, &len));
    NI(p11->C_UnwrapKey(s, &mech, o, buf, 16, tmpl, 1, &o2));
    NI(p11->C_DeriveKey(s, &mech, o, tmpl, 1, &o2));
    NI(p11->C_SeedRandom(s, buf, 16));
    NI(p11->C_GenerateRandom(s, out, 16));
    NI(p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL));
    /* Legacy functions: CKR_FUNCTION_NOT_PARALLEL is their documented answer. */
    CK_RV rv = p11->C_GetFunctionStatus(s);
    if (rv != CKR_FUNCTION_NOT_PARALLEL) NI(rv);
    rv = p11->C_CancelFunction(s);
    if (rv != CKR_FUNCTION_NOT_PARALLEL) NI(rv);
    if (ni_failures) {
        print_message("not CKR_CRYPTOKI_NOT_INITIALIZED before C_Initialize:%s\n", ni_report);
        fail_msg("%d function(s) did not return CKR_CRYPTOKI_NOT_INITIALIZED (listed above)",
            ni_failures);
    }
}

static void init_twice(void** state)
{
    (void)state;
    assert_ok(p11->C_Initialize(NULL));
    assert_rv(p11->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    CK_C_INITIALIZE_ARGS a = init_args(CKF_OS_LOCKING_OK, 0);
    assert_rv(p11->C_Initialize(&a), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    assert_usable();
    CK_INFO info;
    memset(&info, 0xA5, sizeof info);
    assert_ok(p11->C_GetInfo(&info));
    if (info.cryptokiVersion.major != 2 || info.cryptokiVersion.minor < 20)
        fail_msg("cryptokiVersion %u.%u, expected 2.20..2.40", info.cryptokiVersion.major,
            info.cryptokiVersion.minor);
    assert_true(blank_padded(info.manufacturerID, sizeof info.manufacturerID));
    assert_true(blank_padded(info.libraryDescription, sizeof info.libraryDescription));
    assert_int_equal(info.flags, 0); /* no flags are defined for CK_INFO */
    assert_rv(p11->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
}

static void init_reserved_not_null(void** state)
{
    (void)state;
    int reserved = 0;
    CK_C_INITIALIZE_ARGS a = init_args(0, 0);
    a.pReserved = &reserved;
    assert_rv(p11->C_Initialize(&a), CKR_ARGUMENTS_BAD);
    assert_not_initialized();
}

/* NSS, Chromium and p11-kit: OS locking plus the application's mutex callbacks, and
 * CKF_LIBRARY_CANT_CREATE_OS_THREADS (docs/pkcs11-clients.md §0 item 5). */
static void init_nss_flags(void** state)
{
    (void)state;
    CK_C_INITIALIZE_ARGS a = init_args(CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS, 1);
    assert_ok(p11->C_Initialize(&a));
    assert_usable();
    CK_SESSION_HANDLE s = abi_open(abi_slot(), 0);
    assert_ok(p11->C_CloseSession(s));
    assert_ok(p11->C_Finalize(NULL));
}

static void init_os_locking_only(void** state)
{
    (void)state;
    CK_C_INITIALIZE_ARGS a = init_args(CKF_OS_LOCKING_OK, 0);
    assert_ok(p11->C_Initialize(&a));
    assert_usable();
    assert_ok(p11->C_Finalize(NULL));
}

/* Callbacks without CKF_OS_LOCKING_OK: the library must use them, or refuse with CKR_CANT_LOCK. */
static void init_callbacks_without_os_locking(void** state)
{
    (void)state;
    CK_C_INITIALIZE_ARGS a = init_args(0, 1);
    CK_RV rv = p11->C_Initialize(&a);
    if (rv == CKR_CANT_LOCK) {
        assert_not_initialized();
        return;
    }
    if (rv != CKR_OK)
        fail_msg("C_Initialize(callbacks, flags 0) returned %s, expected CKR_OK or CKR_CANT_LOCK",
            rv_name(rv));
    assert_usable();
    assert_ok(p11->C_Finalize(NULL));
}

static void init_partial_callbacks(void** state)
{
    (void)state;
    CK_C_INITIALIZE_ARGS a = init_args(0, 0);
    a.CreateMutex = app_create_mutex; /* the others NULL: "either all or none" */
    assert_rv(p11->C_Initialize(&a), CKR_ARGUMENTS_BAD);
    assert_not_initialized();
    a = init_args(CKF_OS_LOCKING_OK, 1);
    a.UnlockMutex = NULL;
    assert_rv(p11->C_Initialize(&a), CKR_ARGUMENTS_BAD);
    assert_not_initialized();
}

static void init_cant_create_threads_only(void** state)
{
    (void)state;
    CK_C_INITIALIZE_ARGS a = init_args(CKF_LIBRARY_CANT_CREATE_OS_THREADS, 0);
    CK_RV rv = p11->C_Initialize(&a);
    if (rv == CKR_NEED_TO_CREATE_THREADS) {
        assert_not_initialized();
        return;
    }
    if (rv != CKR_OK)
        fail_msg("C_Initialize(CANT_CREATE_OS_THREADS) returned %s, expected CKR_OK or "
                 "CKR_NEED_TO_CREATE_THREADS",
            rv_name(rv));
    assert_usable();
}

static void init_finalize_twice(void** state)
{
    (void)state;
    assert_ok(p11->C_Initialize(NULL));
    assert_ok(p11->C_Finalize(NULL));
    assert_rv(p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    assert_not_initialized();
}

static void init_finalize_reserved(void** state)
{
    (void)state;
    int reserved = 0;
    assert_ok(p11->C_Initialize(NULL));
    assert_rv(p11->C_Finalize(&reserved), CKR_ARGUMENTS_BAD);
    assert_usable(); /* still initialized */
    assert_ok(p11->C_Finalize(NULL));
}

/* p11test alone runs 11 cycles; each cycle also opens a session and reads the token. */
static void init_cycles(void** state)
{
    (void)state;
    for (int i = 0; i < 10; i++) {
        CK_RV rv = p11->C_Initialize(NULL);
        if (rv != CKR_OK) fail_msg("cycle %d: C_Initialize returned %s", i, rv_name(rv));
        CK_SLOT_ID slot = abi_slot();
        CK_TOKEN_INFO t;
        assert_ok(p11->C_GetTokenInfo(slot, &t));
        CK_SESSION_HANDLE s = abi_open(slot, 0);
        assert_int_equal(abi_session_state(s), CKS_RO_PUBLIC_SESSION);
        rv = p11->C_Finalize(NULL);
        if (rv != CKR_OK) fail_msg("cycle %d: C_Finalize returned %s", i, rv_name(rv));
    }
}

/* C_Finalize ends the sessions and the login: after a new C_Initialize, a new session is public. */
static void init_finalize_ends_login(void** state)
{
    (void)state;
    assert_ok(p11->C_Initialize(NULL));
    CK_SLOT_ID slot = abi_slot();
    CK_SESSION_HANDLE s = abi_open(slot, 0);
    abi_login(s);
    assert_int_equal(abi_session_state(s), CKS_RO_USER_FUNCTIONS);
    assert_ok(p11->C_Finalize(NULL));
    assert_rv(p11->C_GetSessionInfo(s, &(CK_SESSION_INFO) { 0 }), CKR_CRYPTOKI_NOT_INITIALIZED);
    assert_ok(p11->C_Initialize(NULL));
    slot = abi_slot();
    CK_SESSION_HANDLE s2 = abi_open(slot, 0);
    assert_int_equal(abi_session_state(s2), CKS_RO_PUBLIC_SESSION);
}

/* Applications (NSS, p11-kit) unload modules: dlclose and load again must work. */
static void init_dlclose_reload(void** state)
{
    (void)state;
    assert_ok(p11->C_Initialize(NULL));
    CK_SESSION_HANDLE s = abi_open(abi_slot(), 0);
    (void)s;
    assert_ok(p11->C_Finalize(NULL));
    abi_unload_module();
    if (abi_load_module() != 0) fail_msg("the module cannot be loaded again after dlclose");
    assert_ok(p11->C_Initialize(NULL));
    assert_usable();
    assert_ok(p11->C_Finalize(NULL));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown(init_function_list, fixture_finalize),
    cmocka_unit_test_teardown(init_get_interface, fixture_finalize),
    cmocka_unit_test_teardown(init_not_initialized, fixture_finalize),
    cmocka_unit_test_teardown(init_twice, fixture_finalize),
    cmocka_unit_test_teardown(init_reserved_not_null, fixture_finalize),
    cmocka_unit_test_teardown(init_nss_flags, fixture_finalize),
    cmocka_unit_test_teardown(init_os_locking_only, fixture_finalize),
    cmocka_unit_test_teardown(init_callbacks_without_os_locking, fixture_finalize),
    cmocka_unit_test_teardown(init_partial_callbacks, fixture_finalize),
    cmocka_unit_test_teardown(init_cant_create_threads_only, fixture_finalize),
    cmocka_unit_test_teardown(init_finalize_twice, fixture_finalize),
    cmocka_unit_test_teardown(init_finalize_reserved, fixture_finalize),
    cmocka_unit_test_teardown(init_cycles, fixture_finalize),
    cmocka_unit_test_teardown(init_finalize_ends_login, fixture_finalize),
    cmocka_unit_test_teardown(init_dlclose_reload, fixture_finalize),
};

const AbiGroup abi_group_init = { "init", tests, sizeof tests / sizeof tests[0], NULL, NULL };
