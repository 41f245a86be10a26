/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared declarations of the PKCS#11 ABI suite (C11 + cmocka). The suite dlopen()s an installed
 * module, takes its function list and drives it against a virtual TS-CNS through pcscd + vpcd.
 *
 * Rules: cmocka assertions run on the main thread of the main process only. Helpers named abi_*
 * assert; helpers named p11_* / verify_* return a result and are safe in worker threads and in
 * forked children. */
#ifndef TSCNS_ABI_H
#define TSCNS_ABI_H

#include <p11-kit/pkcs11.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

/* ---- the module and the test card (from the environment; see run_abi.sh) ---- */

typedef struct {
    const char* module; /* TSCNS_MODULE or --module: the module file */
    const char* pin; /* TSCNS_PIN */
    const char* puk; /* TSCNS_PUK (informational) */
    const char* cert_path; /* TSCNS_CERT: the card's certificate (PEM) */
    const char* card_dir; /* TSCNS_CARD_DIR: the tscns-vcard image */
    const char* card_id; /* TSCNS_CARD_ID: EF_IDCarta, 16 digits */
    const char* given_name; /* TSCNS_GIVEN_NAME */
    const char* surname; /* TSCNS_SURNAME */
    const char* dati_path; /* TSCNS_DATI_PERSONALI: the EF_DatiPersonali file of the image */
    const char* vcard; /* TSCNS_VCARD: tscns-vcard (removal group starts cards itself) */
    const char* reader; /* TSCNS_READER: reader name prefix (default "Virtual PCD 00 00") */
    const char* tmp; /* TSCNS_ABI_TMP: directory for logs (default /tmp) */
    int vpcd_port; /* TSCNS_VPCD_PORT: vpcd port of that reader (default 35963) */
} AbiEnv;

extern AbiEnv abi_env;
extern CK_FUNCTION_LIST_PTR p11; /* the module's function list (C_GetFunctionList) */
extern void* abi_dl; /* dlopen handle */

/* Loads (dlopen + C_GetFunctionList) the module; returns 0 or prints why and returns -1. */
int abi_load_module(void);
void abi_unload_module(void);

/* ---- CK_RV names and assertions ---- */

const char* rv_name(CK_RV rv);
const char* mech_name(CK_MECHANISM_TYPE m);

/* assert_rv(CALL, EXPECTED): evaluates CALL once, fails with both names. */
#define assert_rv(call, expected)                                                                  \
    do {                                                                                           \
        CK_RV abi_rv_ = (call);                                                                    \
        CK_RV abi_exp_ = (expected);                                                               \
        if (abi_rv_ != abi_exp_)                                                                   \
            fail_msg("%s\n  returned %s (0x%lx), expected %s", #call, rv_name(abi_rv_), abi_rv_,   \
                rv_name(abi_exp_));                                                                \
    } while (0)
#define assert_ok(call) assert_rv(call, CKR_OK)

/* True when rv is one of the n values. */
int rv_in(CK_RV rv, size_t n, const CK_RV* set);
#define RV_SET(...) ((const CK_RV[]) { __VA_ARGS__ })
#define RV_COUNT(...) (sizeof((const CK_RV[]) { __VA_ARGS__ }) / sizeof(CK_RV))
/* assert_rv_in(CALL, A, B, ...): CALL returns one of the listed values. */
#define assert_rv_in(call, ...)                                                                    \
    do {                                                                                           \
        CK_RV abi_rv_ = (call);                                                                    \
        if (!rv_in(abi_rv_, RV_COUNT(__VA_ARGS__), RV_SET(__VA_ARGS__)))                           \
            fail_msg("%s\n  returned %s (0x%lx), expected one of: %s", #call, rv_name(abi_rv_),    \
                abi_rv_, #__VA_ARGS__);                                                            \
    } while (0)

/* ---- module helpers (asserting) ---- */

void abi_initialize(void); /* C_Initialize(NULL) == CKR_OK */
void abi_finalize_quiet(void); /* C_Finalize(NULL), any result */
CK_SLOT_ID abi_slot(void); /* the slot of the test reader (token present) */
CK_SESSION_HANDLE abi_open(CK_SLOT_ID slot, CK_FLAGS extra); /* CKF_SERIAL_SESSION | extra */
void abi_login(CK_SESSION_HANDLE s); /* CKU_USER with the test PIN */
CK_STATE abi_session_state(CK_SESSION_HANDLE s);
/* Finds objects matching a template (at most max); returns the number found. */
size_t abi_find(
    CK_SESSION_HANDLE s, CK_ATTRIBUTE* tmpl, CK_ULONG n, CK_OBJECT_HANDLE* out, size_t max);
CK_OBJECT_HANDLE abi_find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls); /* exactly one */
CK_OBJECT_HANDLE abi_private_key(CK_SESSION_HANDLE s); /* the (only) private key; logged in */
/* CKA value, malloc'd (size query + fetch); *len gets the length. */
unsigned char* abi_attr(
    CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_ULONG* len);
CK_BBOOL abi_attr_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t);
CK_ULONG abi_attr_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t);
void abi_wrong_pin(char* out, size_t size); /* the test PIN with every digit changed */

/* ---- module helpers (non-asserting; threads and children) ---- */

CK_RV p11_find_slot(CK_SLOT_ID* slot); /* the test reader's slot */
CK_RV p11_find_private_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE* key); /* exactly one */
CK_RV p11_slot_present(CK_SLOT_ID slot, int* present);
/* Polls C_GetSlotInfo until the token is present (want 1) or absent (want 0); 1 when reached. */
int p11_wait_token(CK_SLOT_ID slot, int want, int timeout_ms);
/* One signature: C_SignInit + C_Sign (size query, then fetch). */
CK_RV p11_sign(CK_SESSION_HANDLE s, CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
    const unsigned char* data, size_t len, unsigned char* sig, CK_ULONG* sig_len);
/* Multi-part: C_SignInit, C_SignUpdate in uneven chunks, C_SignFinal (size query, then fetch). */
CK_RV p11_sign_multi(CK_SESSION_HANDLE s, CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
    const unsigned char* data, size_t len, unsigned char* sig, CK_ULONG* sig_len);

/* ---- the certificate and OpenSSL verification (thread-safe) ---- */

/* Loads TSCNS_CERT once (main thread, before threads); 0 on success. */
int cert_load(void);
const unsigned char* cert_der(size_t* len);
int cert_bits(void); /* modulus bits */
size_t cert_modulus_len(void); /* modulus bytes */
/* Big-endian modulus / public exponent without leading zeros. */
const unsigned char* cert_modulus(size_t* len);
const unsigned char* cert_exponent(size_t* len);
const unsigned char* cert_subject(size_t* len);
const unsigned char* cert_issuer(size_t* len);
const unsigned char* cert_serial(size_t* len); /* DER INTEGER (tag, length, value) */

typedef enum { HASH_SHA1, HASH_SHA224, HASH_SHA256, HASH_SHA384, HASH_SHA512, HASH_COUNT } AbiHash;
typedef struct {
    const char* name;
    CK_MECHANISM_TYPE digest; /* CKM_SHA_1 ... */
    CK_RSA_PKCS_MGF_TYPE mgf; /* CKG_MGF1_SHA1 ... */
    CK_MECHANISM_TYPE pkcs; /* CKM_SHA1_RSA_PKCS ... */
    CK_MECHANISM_TYPE pss; /* CKM_SHA1_RSA_PKCS_PSS ... */
    size_t len; /* digest length */
} AbiHashInfo;
extern const AbiHashInfo abi_hashes[HASH_COUNT];

/* Digest with OpenSSL; out holds at least 64 bytes. */
void hash_data(AbiHash h, const unsigned char* data, size_t len, unsigned char* out);
/* DigestInfo (PKCS#1 v1.5 T) of data; returns its length; out holds at least 83 bytes. */
size_t digest_info(AbiHash h, const unsigned char* data, size_t len, unsigned char* out);
/* The PSS salt length this suite uses: hLen, or the largest that fits the key. */
size_t pss_salt_len(AbiHash h);

/* Each returns 1 when sig verifies with the certificate's public key, else 0 (reason on stderr). */
int verify_pkcs1_raw(const unsigned char* tbs, size_t tbs_len, const unsigned char* sig,
    size_t sig_len); /* CKM_RSA_PKCS */
int verify_x509_raw(const unsigned char* block, size_t block_len, const unsigned char* sig,
    size_t sig_len); /* CKM_RSA_X_509 */
int verify_pss_hash(AbiHash h, size_t salt, const unsigned char* hash, const unsigned char* sig,
    size_t sig_len); /* CKM_RSA_PKCS_PSS */
int verify_pkcs1_data(AbiHash h, const unsigned char* data, size_t len, const unsigned char* sig,
    size_t sig_len); /* CKM_SHAx_RSA_PKCS */
int verify_pss_data(AbiHash h, size_t salt, const unsigned char* data, size_t len,
    const unsigned char* sig, size_t sig_len); /* CKM_SHAx_RSA_PKCS_PSS */
/* RSAES-PKCS1-v1_5 encryption with the certificate's key; returns the ciphertext length. */
size_t encrypt_pkcs1(const unsigned char* msg, size_t len, unsigned char* out, size_t out_size);
void random_bytes(unsigned char* out, size_t len);

/* ---- the virtual card as a child process (removal group) ---- */

typedef struct {
    pid_t pid;
    char log[512]; /* --apdu-log file */
    char out[512]; /* stdout/stderr of tscns-vcard */
} AbiCard;
/* Starts `tscns-vcard run DIR --vpcd 127.0.0.1:PORT --apdu-log LOG [extra...]` (NULL-terminated
 * extra). The child dies with this process. Returns 0 or -1. */
int card_start(AbiCard* card, const char* tag, const char* const* extra);
void card_stop(AbiCard* card); /* SIGTERM + waitpid; no-op when not running */
int card_running(AbiCard* card); /* 0 once the child exited (reaps it) */
long card_commands(const AbiCard* card); /* command APDUs in the log so far */

/* ---- misc ---- */
double now_ms(void);
void sleep_ms(int ms);
char* read_file(const char* path, size_t* len); /* malloc'd, NULL on error */
/* Text field of a CK_*_INFO: every byte printable ASCII (blank padded, no NUL). */
int blank_padded(const CK_UTF8CHAR* field, size_t size);
/* The field without trailing blanks, as a C string in a static buffer (main thread only). */
const char* field_str(const CK_UTF8CHAR* field, size_t size);

/* ---- groups ---- */
typedef struct {
    const char* name;
    const struct CMUnitTest* tests;
    size_t count;
    CMFixtureFunction setup;
    CMFixtureFunction teardown;
} AbiGroup;

/* Each test file exposes its groups. */
extern const AbiGroup abi_group_init;
extern const AbiGroup abi_group_slots;
extern const AbiGroup abi_group_sessions;
extern const AbiGroup abi_group_mechanisms;
extern const AbiGroup abi_group_token;
extern const AbiGroup abi_group_objects;
extern const AbiGroup abi_group_login;
extern const AbiGroup abi_group_operations;
extern const AbiGroup abi_group_sign;
extern const AbiGroup abi_group_removal;
extern const AbiGroup abi_group_threads;
extern const AbiGroup abi_group_processes;

/* Common fixtures. */
int fixture_finalize(void** state); /* teardown: C_Finalize, any result */
int fixture_initialize(void** state); /* setup: C_Initialize(NULL) + the slot */
extern CK_SLOT_ID abi_current_slot; /* set by fixture_initialize */

#endif
