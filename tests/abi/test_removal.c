/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Group "removal": the card leaves the reader in the middle of a signature, and slot events.
 * The tests run tscns-vcard themselves (TSCNS_VCARD, TSCNS_CARD_DIR, TSCNS_VPCD_PORT), so the
 * reader must be empty when the group starts (run_abi.sh stops its card first).
 *
 * removal_during_sign first measures how many command APDUs the module sends up to C_SignInit
 * (K) and for C_Sign (S), then reruns the same steps with `--remove-after K+1`: the card answers
 * the first APDU of the signature and leaves the reader (`--reinsert-after-ms` brings it back). */
#define _GNU_SOURCE
#include "abi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static AbiCard card;
static int wedged; /* a C_WaitForSlotEvent never returned: later tests cannot run */

static int removal_setup(void** state)
{
    (void)state;
    if (wedged) skip();
    if (*abi_env.vcard == 0 || *abi_env.card_dir == 0)
        fail_msg("TSCNS_VCARD and TSCNS_CARD_DIR are needed");
    return 0;
}
static int removal_teardown(void** state)
{
    (void)state;
    if (!wedged) abi_finalize_quiet();
    card_stop(&card);
    return 0;
}

/* Waits until pcscd powered the card on (it does at insertion), so that the module meets the
 * same card state every time. */
static void wait_power_on(const AbiCard* c)
{
    for (int i = 0; i < 200; i++) {
        size_t len = 0;
        char* log = read_file(c->log, &len);
        int on = log != NULL && strstr(log, "# power on") != NULL;
        free(log);
        if (on) break;
        sleep_ms(50);
    }
    sleep_ms(300);
}

static void start_card(const char* tag, const char* const* extra)
{
    if (card_start(&card, tag, extra) != 0) fail_msg("cannot start %s", abi_env.vcard);
    wait_power_on(&card);
    if (!card_running(&card)) fail_msg("tscns-vcard exited at once (see %s)", card.out);
}

/* The slot of the test reader, waiting for the token. */
static CK_SLOT_ID present_slot(void)
{
    CK_SLOT_ID slot = 0;
    assert_ok(p11_find_slot(&slot));
    if (!p11_wait_token(slot, 1, 15000))
        fail_msg("the token did not appear in slot %lu within 15 s", slot);
    return slot;
}

static const CK_MECHANISM rsa_pkcs = { CKM_RSA_PKCS, NULL, 0 };

/* Opens a session, logs in, finds the key, C_SignInit: the state just before C_Sign. */
static void prepare_sign(CK_SLOT_ID slot, CK_SESSION_HANDLE* s, CK_OBJECT_HANDLE* key)
{
    *s = abi_open(slot, 0);
    abi_login(*s);
    *key = abi_private_key(*s);
    assert_ok(p11->C_SignInit(*s, (CK_MECHANISM_PTR)(uintptr_t)&rsa_pkcs, *key));
}

static void removal_during_sign(void** state)
{
    (void)state;
    unsigned char data[100], t[128], sig[1024];
    random_bytes(data, sizeof data);
    size_t n = digest_info(HASH_SHA256, data, sizeof data, t);
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    CK_ULONG len = sizeof sig;

    /* 1. Calibration: the same steps without removal. */
    start_card("calibrate", NULL);
    abi_initialize();
    CK_SLOT_ID slot = present_slot();
    prepare_sign(slot, &s, &key);
    long k = card_commands(&card);
    assert_ok(p11->C_Sign(s, t, (CK_ULONG)n, sig, &len));
    long sign_apdus = card_commands(&card) - k;
    assert_true(verify_pkcs1_raw(t, n, sig, len));
    print_message("calibration: %ld command APDUs before C_Sign, %ld for C_Sign\n", k, sign_apdus);
    if (sign_apdus < 1) fail_msg("C_Sign sent no APDU to the card");
    /* Removal without an operation: C_GetSlotInfo shows it. */
    card_stop(&card);
    if (!p11_wait_token(slot, 0, 10000))
        fail_msg("C_GetSlotInfo still shows the token 10 s after the card left");
    abi_finalize_quiet();

    /* 2. The card leaves after the first APDU of C_Sign (or just before C_Sign if it takes one). */
    char after[32];
    snprintf(after, sizeof after, "%ld", sign_apdus >= 2 ? k + 1 : k);
    const char* const opts[] = { "--remove-after", after, "--reinsert-after-ms", "4000", NULL };
    start_card("remove", opts);
    abi_initialize();
    slot = present_slot();
    prepare_sign(slot, &s, &key);
    long k2 = card_commands(&card);
    if (k2 != k)
        fail_msg(
            "the module sent %ld APDUs before C_Sign this time, %ld in the calibration run", k2, k);
    len = sizeof sig;
    double t0 = now_ms();
    CK_RV rv = p11->C_Sign(s, t, (CK_ULONG)n, sig, &len);
    if (rv != CKR_DEVICE_REMOVED && rv != CKR_TOKEN_NOT_PRESENT && rv != CKR_DEVICE_ERROR)
        fail_msg("C_Sign while the card leaves: %s, expected CKR_DEVICE_REMOVED, "
                 "CKR_TOKEN_NOT_PRESENT or CKR_DEVICE_ERROR",
            rv_name(rv));
    if (now_ms() - t0 > 3000) fail_msg("C_Sign took %.0f ms to report the removal", now_ms() - t0);

    /* The slot shows the token absent; the old session is gone. */
    if (!p11_wait_token(slot, 0, 2500))
        fail_msg("C_GetSlotInfo shows the token present after the removal");
    CK_SESSION_INFO info;
    assert_rv(p11->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
    CK_TOKEN_INFO ti;
    assert_rv(p11->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_PRESENT);
    CK_SESSION_HANDLE none;
    assert_rv(
        p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &none), CKR_TOKEN_NOT_PRESENT);

    /* The same card comes back: the old session stays dead, a new one needs a new login. */
    if (!p11_wait_token(slot, 1, 15000))
        fail_msg("the re-inserted card did not appear within 15 s");
    assert_rv(p11->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
    assert_rv(p11->C_SignInit(s, (CK_MECHANISM_PTR)(uintptr_t)&rsa_pkcs, key),
        CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_HANDLE fresh = abi_open(slot, 0);
    assert_int_equal(abi_session_state(fresh), CKS_RO_PUBLIC_SESSION);
    abi_login(fresh); /* CKR_OK, not CKR_USER_ALREADY_LOGGED_IN: a fresh token */
    key = abi_private_key(fresh);
    len = sizeof sig;
    assert_ok(p11_sign(fresh, (CK_MECHANISM_PTR)(uintptr_t)&rsa_pkcs, key, t, n, sig, &len));
    assert_true(verify_pkcs1_raw(t, n, sig, len));
}

/* ---- C_WaitForSlotEvent in a thread ---- */

typedef struct {
    pthread_t thread;
    atomic_int done;
    CK_RV rv;
    CK_SLOT_ID slot;
} Waiter;

static void* wait_thread(void* arg)
{
    Waiter* w = arg;
    w->rv = p11->C_WaitForSlotEvent(0, &w->slot, NULL);
    atomic_store(&w->done, 1);
    return NULL;
}

static void waiter_start(Waiter* w)
{
    memset(w, 0, sizeof *w);
    w->slot = 88888;
    assert_int_equal(pthread_create(&w->thread, NULL, wait_thread, w), 0);
}

/* 1 when the waiter returned within ms; joins it. 0 otherwise (still blocked). */
static int waiter_done(Waiter* w, int ms)
{
    double end = now_ms() + ms;
    while (!atomic_load(&w->done) && now_ms() < end)
        sleep_ms(20);
    if (!atomic_load(&w->done)) return 0;
    pthread_join(w->thread, NULL);
    return 1;
}

static void waiter_abandon(Waiter* w, const char* what)
{
    pthread_detach(w->thread);
    wedged = 1;
    fail_msg("a blocking C_WaitForSlotEvent did not return %s", what);
}

static void drain_events(void)
{
    CK_SLOT_ID slot;
    for (int i = 0; i < 20; i++) {
        CK_RV rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
        if (rv == CKR_NO_EVENT) return;
        if (rv != CKR_OK) fail_msg("C_WaitForSlotEvent(CKF_DONT_BLOCK): %s", rv_name(rv));
    }
    fail_msg("C_WaitForSlotEvent(CKF_DONT_BLOCK) keeps reporting events");
}

static void removal_wait_for_slot_event(void** state)
{
    (void)state;
    Waiter w;
    start_card("events", NULL);
    abi_initialize();
    CK_SLOT_ID slot = present_slot();
    CK_SESSION_HANDLE s = abi_open(slot, 0);
    abi_login(s);
    drain_events();

    /* Removal. */
    waiter_start(&w);
    if (waiter_done(&w, 500))
        fail_msg("blocking C_WaitForSlotEvent returned %s (slot %lu) with no event", rv_name(w.rv),
            w.slot);
    card_stop(&card);
    if (!waiter_done(&w, 10000)) waiter_abandon(&w, "within 10 s of the removal");
    if (w.rv != CKR_OK || w.slot != slot)
        fail_msg("C_WaitForSlotEvent after the removal: %s, slot %lu (expected CKR_OK, slot %lu)",
            rv_name(w.rv), w.slot, slot);
    if (!p11_wait_token(slot, 0, 3000))
        fail_msg("C_GetSlotInfo shows the token present after the removal event");
    CK_SESSION_INFO info;
    assert_rv(p11->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
    sleep_ms(300);
    drain_events();

    /* Insertion. */
    waiter_start(&w);
    if (waiter_done(&w, 500))
        fail_msg("blocking C_WaitForSlotEvent returned %s (slot %lu) with no event", rv_name(w.rv),
            w.slot);
    start_card("events2", NULL);
    if (!waiter_done(&w, 15000)) waiter_abandon(&w, "within 15 s of the insertion");
    if (w.rv != CKR_OK || w.slot != slot)
        fail_msg("C_WaitForSlotEvent after the insertion: %s, slot %lu (expected CKR_OK, slot %lu)",
            rv_name(w.rv), w.slot, slot);
    if (!p11_wait_token(slot, 1, 5000))
        fail_msg("C_GetSlotInfo shows no token after the insertion event");
    assert_rv(p11->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_HANDLE fresh = abi_open(slot, 0);
    assert_int_equal(abi_session_state(fresh), CKS_RO_PUBLIC_SESSION);
}

/* Firefox stops its smart-card thread with C_Finalize from another thread
 * (docs/pkcs11-clients.md §0 item 6). */
static void removal_finalize_wakes_waiter(void** state)
{
    (void)state;
    Waiter w;
    start_card("finalize", NULL);
    abi_initialize();
    CK_SLOT_ID slot = present_slot();
    drain_events();
    waiter_start(&w);
    if (waiter_done(&w, 500))
        fail_msg("blocking C_WaitForSlotEvent returned %s with no event", rv_name(w.rv));
    double t0 = now_ms();
    assert_ok(p11->C_Finalize(NULL));
    if (!waiter_done(&w, 3000)) waiter_abandon(&w, "within 3 s of C_Finalize");
    print_message("the waiter returned %.0f ms after C_Finalize\n", now_ms() - t0);
    assert_rv(w.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
    /* NSS initializes again afterwards. */
    abi_initialize();
    assert_true(p11_wait_token(present_slot(), 1, 5000));
    (void)slot;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(removal_during_sign, removal_setup, removal_teardown),
    cmocka_unit_test_setup_teardown(removal_wait_for_slot_event, removal_setup, removal_teardown),
    cmocka_unit_test_setup_teardown(removal_finalize_wakes_waiter, removal_setup, removal_teardown),
};

const AbiGroup abi_group_removal = { "removal", tests, sizeof tests / sizeof tests[0], NULL, NULL };
