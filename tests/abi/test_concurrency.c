/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Groups "threads" (8 threads signing at once, each in its own session under one login; a
 * session open/close stress) and "processes" (two processes signing at once; C_Initialize in a
 * forked child). Workers record their results; the main thread asserts after joining
 * (docs/pkcs11-clients.md §2.6; docs/development.md §6: "Assertions run on the main thread
 * only"). */
#define _GNU_SOURCE
#include "abi.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { THREADS = 8, ROUNDS = 4, SIG_MAX = 1024, JOIN_TIMEOUT_S = 180 };

/* Joins every thread or fails after the deadline (a deadlock in the module). */
static void join_all(pthread_t* t, int n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += JOIN_TIMEOUT_S;
    for (int i = 0; i < n; i++) {
        int e = pthread_timedjoin_np(t[i], NULL, &deadline);
        if (e != 0)
            fail_msg("thread %d did not finish within %d s (%s): deadlock?", i, JOIN_TIMEOUT_S,
                strerror(e));
    }
}

/* ---- threads ---- */

static CK_SESSION_HANDLE login_session;

static int threads_setup(void** state)
{
    fixture_initialize(state);
    login_session = abi_open(abi_current_slot, 0);
    abi_login(login_session);
    return 0;
}

typedef struct {
    int id;
    pthread_barrier_t* start;
    CK_RV rv;
    char step[96];
    unsigned char data[ROUNDS][200];
    unsigned char sig[ROUNDS][SIG_MAX];
    CK_ULONG sig_len[ROUNDS];
    CK_STATE state;
} Signer;

#define STEP(w, what, call)                                                                        \
    do {                                                                                           \
        (w)->rv = (call);                                                                          \
        if ((w)->rv != CKR_OK) {                                                                   \
            snprintf((w)->step, sizeof(w)->step, "%s", what);                                      \
            return NULL;                                                                           \
        }                                                                                          \
    } while (0)

static int signer_pss(int id, int round)
{
    return (id + round) % 2;
}

static void* signer(void* arg)
{
    Signer* w = arg;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    CK_SESSION_INFO info;
    pthread_barrier_wait(w->start);
    STEP(w, "C_OpenSession",
        p11->C_OpenSession(abi_current_slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
    STEP(w, "C_GetSessionInfo", p11->C_GetSessionInfo(s, &info));
    w->state = info.state;
    STEP(w, "find the private key", p11_find_private_key(s, &key));
    for (int r = 0; r < ROUNDS; r++) {
        w->sig_len[r] = SIG_MAX;
        if (signer_pss(w->id, r)) {
            CK_RSA_PKCS_PSS_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
            CK_MECHANISM m = { CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params };
            STEP(w, "sign CKM_SHA256_RSA_PKCS_PSS",
                p11_sign(s, &m, key, w->data[r], sizeof w->data[r], w->sig[r], &w->sig_len[r]));
        } else {
            CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
            STEP(w, "sign CKM_SHA256_RSA_PKCS (multi-part)",
                p11_sign_multi(
                    s, &m, key, w->data[r], sizeof w->data[r], w->sig[r], &w->sig_len[r]));
        }
    }
    STEP(w, "C_CloseSession", p11->C_CloseSession(s));
    return NULL;
}

static void threads_sign_8(void** state)
{
    (void)state;
    static Signer w[THREADS];
    pthread_t t[THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; i++) {
        w[i].id = i;
        w[i].start = &start;
        for (int r = 0; r < ROUNDS; r++)
            random_bytes(w[i].data[r], sizeof w[i].data[r]);
        assert_int_equal(pthread_create(&t[i], NULL, signer, &w[i]), 0);
    }
    join_all(t, THREADS);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].rv != CKR_OK) fail_msg("thread %d: %s: %s", i, w[i].step, rv_name(w[i].rv));
        if (w[i].state != CKS_RO_USER_FUNCTIONS)
            fail_msg("thread %d: new session state %lu, expected CKS_RO_USER_FUNCTIONS (login is "
                     "per token)",
                i, w[i].state);
        for (int r = 0; r < ROUNDS; r++) {
            int ok = signer_pss(i, r) ? verify_pss_data(HASH_SHA256, 32, w[i].data[r],
                         sizeof w[i].data[r], w[i].sig[r], w[i].sig_len[r])
                                      : verify_pkcs1_data(HASH_SHA256, w[i].data[r],
                                          sizeof w[i].data[r], w[i].sig[r], w[i].sig_len[r]);
            if (!ok) fail_msg("thread %d, signature %d does not verify", i, r);
        }
    }
    assert_int_equal(abi_session_state(login_session), CKS_RO_USER_FUNCTIONS);
}

typedef struct {
    pthread_barrier_t* start;
    int done;
    CK_RV rv;
    char step[64];
} Churner;

static void* churner(void* arg)
{
    Churner* c = arg;
    pthread_barrier_wait(c->start);
    for (int i = 0; i < 100; i++) {
        CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
        CK_SESSION_INFO info;
        CK_SLOT_INFO si;
        CK_FLAGS flags = CKF_SERIAL_SESSION | (i % 3 == 0 ? CKF_RW_SESSION : 0);
#define CSTEP(what, call)                                                                          \
    do {                                                                                           \
        c->rv = (call);                                                                            \
        if (c->rv != CKR_OK) {                                                                     \
            snprintf(c->step, sizeof c->step, "%s #%d", what, i);                                  \
            return NULL;                                                                           \
        }                                                                                          \
    } while (0)
        CSTEP("C_OpenSession", p11->C_OpenSession(abi_current_slot, flags, NULL, NULL, &s));
        CSTEP("C_GetSessionInfo", p11->C_GetSessionInfo(s, &info));
        if (info.state
            != ((flags & CKF_RW_SESSION) ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS)) {
            c->rv = CKR_GENERAL_ERROR;
            snprintf(c->step, sizeof c->step, "session state %lu #%d", info.state, i);
            return NULL;
        }
        CSTEP("C_GetSlotInfo", p11->C_GetSlotInfo(abi_current_slot, &si));
        CSTEP("C_CloseSession", p11->C_CloseSession(s));
        c->done++;
    }
    return NULL;
}

static void threads_session_stress(void** state)
{
    (void)state;
    Churner c[THREADS];
    pthread_t t[THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    memset(c, 0, sizeof c);
    for (int i = 0; i < THREADS; i++) {
        c[i].start = &start;
        assert_int_equal(pthread_create(&t[i], NULL, churner, &c[i]), 0);
    }
    join_all(t, THREADS);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < THREADS; i++)
        if (c[i].rv != CKR_OK) fail_msg("thread %d: %s: %s", i, c[i].step, rv_name(c[i].rv));
    /* The login survived: the long-lived session is still logged in. */
    assert_int_equal(abi_session_state(login_session), CKS_RO_USER_FUNCTIONS);
}

/* ---- processes ---- */

/* Child helpers: no cmocka here; a failure prints the reason and returns a step number. */
#define CHILD(n, what, call)                                                                       \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != CKR_OK) {                                                                       \
            fprintf(stderr, "child %d: %s: %s\n", id, what, rv_name(rv_));                         \
            return n;                                                                              \
        }                                                                                          \
    } while (0)

/* One signature (PKCS#1 or PSS by `round`), verified; CKR_OK or the failure (sig_rv). */
static int child_sign_once(
    int id, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, int round, CK_RV* sig_rv)
{
    unsigned char data[256], sig[SIG_MAX];
    CK_ULONG len = sizeof sig;
    random_bytes(data, sizeof data);
    CK_RSA_PKCS_PSS_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
    CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params };
    CK_MECHANISM pkcs = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    *sig_rv = p11_sign(s, round % 2 ? &pss : &pkcs, key, data, sizeof data, sig, &len);
    if (*sig_rv != CKR_OK) return 7;
    int ok = round % 2 ? verify_pss_data(HASH_SHA256, 32, data, sizeof data, sig, len)
                       : verify_pkcs1_data(HASH_SHA256, data, sizeof data, sig, len);
    if (!ok) {
        fprintf(stderr, "child %d: signature %d does not verify\n", id, round);
        return 8;
    }
    return 0;
}

/* C_Initialize, the slot, a session, optionally C_Login and the key. */
static int child_open(int id, int login, CK_SESSION_HANDLE* s, CK_OBJECT_HANDLE* key)
{
    CK_SLOT_ID slot = 0;
    CHILD(2, "C_Initialize", p11->C_Initialize(NULL));
    CHILD(3, "find the slot", p11_find_slot(&slot));
    CHILD(4, "C_OpenSession", p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, s));
    if (!login) return 0;
    CHILD(5, "C_Login",
        p11->C_Login(
            *s, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)abi_env.pin, (CK_ULONG)strlen(abi_env.pin)));
    CHILD(6, "find the private key", p11_find_private_key(*s, key));
    return 0;
}

/* Like `pkcs11-tool -L -O`: read the token and the objects without logging in. */
static int child_browse(int id)
{
    CK_SESSION_HANDLE s;
    CK_SLOT_ID slot = 0;
    CK_TOKEN_INFO ti;
    CK_OBJECT_HANDLE h[32];
    CK_ULONG n = 0;
    int r = child_open(id, 0, &s, NULL);
    if (r) return r;
    CHILD(3, "find the slot", p11_find_slot(&slot));
    CHILD(10, "C_GetTokenInfo", p11->C_GetTokenInfo(slot, &ti));
    CHILD(11, "C_FindObjectsInit", p11->C_FindObjectsInit(s, NULL, 0));
    CHILD(12, "C_FindObjects", p11->C_FindObjects(s, h, 32, &n));
    CHILD(13, "C_FindObjectsFinal", p11->C_FindObjectsFinal(s));
    CHILD(9, "C_Finalize", p11->C_Finalize(NULL));
    return 0;
}

/* Reads one byte from fd (the parent's "go"); EOF counts as go. */
static void wait_go(int fd)
{
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR) { }
}
static void say(int fd)
{
    char c = 'x';
    while (write(fd, &c, 1) < 0 && errno == EINTR) { }
}

/* Waits for a child (deadline in seconds); returns its exit status, or -1 (killed: timeout). */
static int wait_child(pid_t pid, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        if (r < 0) return -2;
        sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* Reads one byte from fd within `seconds`; 1 when it came. */
static int hear(int fd, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd, &set);
        struct timeval tv = { 0, 50000 };
        if (select(fd + 1, &set, NULL, NULL, &tv) > 0) {
            char c;
            return read(fd, &c, 1) == 1;
        }
    }
    return 0;
}

static void check_child(const char* who, int status, int seconds)
{
    if (status == -1) fail_msg("%s did not finish within %d s", who, seconds);
    if (status != 0) fail_msg("%s failed at step %d (its reason is on stderr)", who, status);
}

/* Two processes sign at the same time: fork before any C_Initialize (Chromium's pattern). Both
 * sign N times, and only then do they finalize. */
static int child_sign_both(int id, int go_fd, int done_fd, int end_fd)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    wait_go(go_fd); /* both children exist */
    int r = child_open(id, 1, &s, &key);
    for (int round = 0; r == 0 && round < 6; round++) {
        CK_RV rv = CKR_OK;
        r = child_sign_once(id, s, key, round, &rv);
        if (r == 7) fprintf(stderr, "child %d: signature %d: %s\n", id, round, rv_name(rv));
    }
    say(done_fd);
    wait_go(end_fd); /* finalize only when both are done signing */
    if (r == 0 && p11->C_Finalize(NULL) != CKR_OK) r = 9;
    return r;
}

static void processes_sign_2(void** state)
{
    (void)state;
    int go[2], done[2], end[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(done), 0);
    assert_int_equal(pipe(end), 0);
    pid_t pid[2];
    fflush(NULL);
    for (int i = 0; i < 2; i++) {
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            close(go[1]);
            close(done[0]);
            close(end[1]);
            _exit(child_sign_both(i, go[0], done[1], end[0]));
        }
    }
    close(go[0]);
    close(done[1]);
    close(end[0]);
    close(go[1]); /* both children start now (EOF) */
    int signed_ = hear(done[0], 240) + hear(done[0], 240);
    close(end[1]);
    close(done[0]);
    int status[2];
    for (int i = 0; i < 2; i++)
        status[i] = wait_child(pid[i], 60);
    check_child("child 0", status[0], 240);
    check_child("child 1", status[1], 240);
    assert_int_equal(signed_, 2);
}

/* Process A is logged in. (1) Process B only reads the token (pkcs11-tool -L -O) and
 * finalizes: A still signs. (2) Process B logs in, signs and finalizes, which may clear the
 * card's PIN state: A then either still signs, or gets CKR_USER_NOT_LOGGED_IN with its sessions
 * reporting the public state (never "logged in" and refusing to sign), and a new C_Login works. */
static int child_a(int id, int tell_fd, int go_fd)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    CK_RV rv = CKR_OK;
    int r = child_open(id, 1, &s, &key);
    if (r == 0) r = child_sign_once(id, s, key, 0, &rv);
    say(tell_fd);
    if (r) return r;
    wait_go(go_fd); /* B browsed */
    r = child_sign_once(id, s, key, 1, &rv);
    if (r) {
        fprintf(stderr, "child A: after another process read the token: %s\n", rv_name(rv));
        return 20 + r;
    }
    say(tell_fd);
    wait_go(go_fd); /* B logged in, signed and finalized */
    r = child_sign_once(id, s, key, 2, &rv);
    if (r == 7 && rv == CKR_USER_NOT_LOGGED_IN) {
        CK_SESSION_INFO info;
        CHILD(30, "C_GetSessionInfo", p11->C_GetSessionInfo(s, &info));
        if (info.state != CKS_RO_PUBLIC_SESSION) {
            fprintf(stderr,
                "child A: C_Sign says CKR_USER_NOT_LOGGED_IN, the session state is %lu\n",
                info.state);
            return 31;
        }
        CHILD(32, "C_Login again",
            p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)abi_env.pin,
                (CK_ULONG)strlen(abi_env.pin)));
        CHILD(33, "find the private key again", p11_find_private_key(s, &key));
        r = child_sign_once(id, s, key, 3, &rv);
    }
    if (r) {
        fprintf(
            stderr, "child A: after another process logged in and finalized: %s\n", rv_name(rv));
        return 40 + r;
    }
    CHILD(9, "C_Finalize", p11->C_Finalize(NULL));
    return 0;
}

static int child_b_login(int id)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE key;
    CK_RV rv;
    int r = child_open(id, 1, &s, &key);
    if (r == 0) r = child_sign_once(id, s, key, 0, &rv);
    if (r == 0 && p11->C_Finalize(NULL) != CKR_OK) r = 9;
    return r;
}

static void processes_other_process_finalizes(void** state)
{
    (void)state;
    int tell[2], go[2];
    assert_int_equal(pipe(tell), 0);
    assert_int_equal(pipe(go), 0);
    fflush(NULL);
    pid_t a = fork();
    assert_true(a >= 0);
    if (a == 0) {
        close(tell[0]);
        close(go[1]);
        _exit(child_a(0, tell[1], go[0]));
    }
    close(tell[1]);
    close(go[0]);
    int ok = hear(tell[0], 120);
    int b_status = -3, b2_status = -3;
    if (ok) {
        pid_t b = fork();
        assert_true(b >= 0);
        if (b == 0) _exit(child_browse(1));
        b_status = wait_child(b, 120);
        say(go[1]);
        ok = hear(tell[0], 120);
    }
    if (ok) {
        pid_t b = fork();
        assert_true(b >= 0);
        if (b == 0) _exit(child_b_login(2));
        b2_status = wait_child(b, 120);
        say(go[1]);
    }
    close(go[1]);
    int a_status = wait_child(a, 120);
    close(tell[0]);
    check_child("process B (no login)", b_status == -3 ? 0 : b_status, 120);
    check_child("process B (login)", b2_status == -3 ? 0 : b2_status, 120);
    check_child("process A (logged in meanwhile)", a_status, 120);
}

/* The parent initialized and logged in; its forked child calls C_Initialize (as pkcs11-tool
 * --test-fork does): CKR_OK, and the child reads the token. The parent's login survives. */
static void processes_fork_after_initialize(void** state)
{
    (void)state;
    abi_initialize();
    CK_SLOT_ID slot = abi_slot();
    CK_SESSION_HANDLE s = abi_open(slot, 0);
    abi_login(s);
    CK_OBJECT_HANDLE key = abi_private_key(s);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(child_browse(9));
    int status = wait_child(pid, 120);
    check_child("the forked child (2 = C_Initialize)", status, 120);
    assert_int_equal(abi_session_state(s), CKS_RO_USER_FUNCTIONS);
    unsigned char data[64], sig[SIG_MAX];
    CK_ULONG len = sizeof sig;
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    random_bytes(data, sizeof data);
    assert_ok(p11_sign(s, &m, key, data, sizeof data, sig, &len));
    assert_true(verify_pkcs1_data(HASH_SHA256, data, sizeof data, sig, len));
}

static const struct CMUnitTest thread_tests[] = {
    cmocka_unit_test(threads_sign_8),
    cmocka_unit_test(threads_session_stress),
};
static const struct CMUnitTest process_tests[] = {
    cmocka_unit_test_teardown(processes_sign_2, fixture_finalize),
    cmocka_unit_test_teardown(processes_other_process_finalizes, fixture_finalize),
    cmocka_unit_test_teardown(processes_fork_after_initialize, fixture_finalize),
};

const AbiGroup abi_group_threads = { "threads", thread_tests,
    sizeof thread_tests / sizeof thread_tests[0], threads_setup, fixture_finalize };
const AbiGroup abi_group_processes
    = { "processes", process_tests, sizeof process_tests / sizeof process_tests[0], NULL, NULL };
