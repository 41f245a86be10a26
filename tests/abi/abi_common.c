/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Module loading, CK_RV names, PKCS#11 helpers, OpenSSL verification and card processes. */
#define _GNU_SOURCE
#include "abi.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

AbiEnv abi_env;
CK_FUNCTION_LIST_PTR p11;
void* abi_dl;
CK_SLOT_ID abi_current_slot;

/* ------------------------------------------------------------------------------------------ */
/* Loading */

int abi_load_module(void)
{
    abi_dl = dlopen(abi_env.module, RTLD_NOW | RTLD_LOCAL);
    if (abi_dl == NULL) {
        fprintf(stderr, "dlopen(%s): %s\n", abi_env.module, dlerror());
        return -1;
    }
    void* sym = dlsym(abi_dl, "C_GetFunctionList");
    if (sym == NULL) {
        fprintf(stderr, "%s does not export C_GetFunctionList\n", abi_env.module);
        return -1;
    }
    CK_C_GetFunctionList get = NULL;
    memcpy(&get, &sym, sizeof get); /* object pointer → function pointer, the POSIX way */
    CK_RV rv = get(&p11);
    if (rv != CKR_OK || p11 == NULL) {
        fprintf(stderr, "C_GetFunctionList: %s\n", rv_name(rv));
        return -1;
    }
    return 0;
}

void abi_unload_module(void)
{
    if (abi_dl != NULL) dlclose(abi_dl);
    abi_dl = NULL;
    p11 = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Names */

#define NAME(x)                                                                                    \
    case x:                                                                                        \
        return #x
const char* rv_name(CK_RV rv)
{
    switch (rv) {
        NAME(CKR_OK);
        NAME(CKR_CANCEL);
        NAME(CKR_HOST_MEMORY);
        NAME(CKR_SLOT_ID_INVALID);
        NAME(CKR_GENERAL_ERROR);
        NAME(CKR_FUNCTION_FAILED);
        NAME(CKR_ARGUMENTS_BAD);
        NAME(CKR_NO_EVENT);
        NAME(CKR_NEED_TO_CREATE_THREADS);
        NAME(CKR_CANT_LOCK);
        NAME(CKR_ATTRIBUTE_READ_ONLY);
        NAME(CKR_ATTRIBUTE_SENSITIVE);
        NAME(CKR_ATTRIBUTE_TYPE_INVALID);
        NAME(CKR_ATTRIBUTE_VALUE_INVALID);
        NAME(CKR_ACTION_PROHIBITED);
        NAME(CKR_DATA_INVALID);
        NAME(CKR_DATA_LEN_RANGE);
        NAME(CKR_DEVICE_ERROR);
        NAME(CKR_DEVICE_MEMORY);
        NAME(CKR_DEVICE_REMOVED);
        NAME(CKR_ENCRYPTED_DATA_INVALID);
        NAME(CKR_ENCRYPTED_DATA_LEN_RANGE);
        NAME(CKR_FUNCTION_CANCELED);
        NAME(CKR_FUNCTION_NOT_PARALLEL);
        NAME(CKR_FUNCTION_NOT_SUPPORTED);
        NAME(CKR_KEY_HANDLE_INVALID);
        NAME(CKR_KEY_SIZE_RANGE);
        NAME(CKR_KEY_TYPE_INCONSISTENT);
        NAME(CKR_KEY_FUNCTION_NOT_PERMITTED);
        NAME(CKR_MECHANISM_INVALID);
        NAME(CKR_MECHANISM_PARAM_INVALID);
        NAME(CKR_OBJECT_HANDLE_INVALID);
        NAME(CKR_OPERATION_ACTIVE);
        NAME(CKR_OPERATION_NOT_INITIALIZED);
        NAME(CKR_PIN_INCORRECT);
        NAME(CKR_PIN_INVALID);
        NAME(CKR_PIN_LEN_RANGE);
        NAME(CKR_PIN_EXPIRED);
        NAME(CKR_PIN_LOCKED);
        NAME(CKR_SESSION_CLOSED);
        NAME(CKR_SESSION_COUNT);
        NAME(CKR_SESSION_HANDLE_INVALID);
        NAME(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
        NAME(CKR_SESSION_READ_ONLY);
        NAME(CKR_SESSION_EXISTS);
        NAME(CKR_SESSION_READ_ONLY_EXISTS);
        NAME(CKR_SESSION_READ_WRITE_SO_EXISTS);
        NAME(CKR_SIGNATURE_INVALID);
        NAME(CKR_SIGNATURE_LEN_RANGE);
        NAME(CKR_TEMPLATE_INCOMPLETE);
        NAME(CKR_TEMPLATE_INCONSISTENT);
        NAME(CKR_TOKEN_NOT_PRESENT);
        NAME(CKR_TOKEN_NOT_RECOGNIZED);
        NAME(CKR_TOKEN_WRITE_PROTECTED);
        NAME(CKR_USER_ALREADY_LOGGED_IN);
        NAME(CKR_USER_NOT_LOGGED_IN);
        NAME(CKR_USER_PIN_NOT_INITIALIZED);
        NAME(CKR_USER_TYPE_INVALID);
        NAME(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
        NAME(CKR_USER_TOO_MANY_TYPES);
        NAME(CKR_RANDOM_SEED_NOT_SUPPORTED);
        NAME(CKR_RANDOM_NO_RNG);
        NAME(CKR_BUFFER_TOO_SMALL);
        NAME(CKR_SAVED_STATE_INVALID);
        NAME(CKR_INFORMATION_SENSITIVE);
        NAME(CKR_STATE_UNSAVEABLE);
        NAME(CKR_CRYPTOKI_NOT_INITIALIZED);
        NAME(CKR_CRYPTOKI_ALREADY_INITIALIZED);
        NAME(CKR_MUTEX_BAD);
        NAME(CKR_MUTEX_NOT_LOCKED);
        NAME(CKR_FUNCTION_REJECTED);
    default:
        return "CKR_(unknown)";
    }
}

const char* mech_name(CK_MECHANISM_TYPE m)
{
    switch (m) {
        NAME(CKM_RSA_PKCS);
        NAME(CKM_RSA_X_509);
        NAME(CKM_RSA_PKCS_PSS);
        NAME(CKM_RSA_PKCS_OAEP);
        NAME(CKM_SHA1_RSA_PKCS);
        NAME(CKM_SHA224_RSA_PKCS);
        NAME(CKM_SHA256_RSA_PKCS);
        NAME(CKM_SHA384_RSA_PKCS);
        NAME(CKM_SHA512_RSA_PKCS);
        NAME(CKM_SHA1_RSA_PKCS_PSS);
        NAME(CKM_SHA224_RSA_PKCS_PSS);
        NAME(CKM_SHA256_RSA_PKCS_PSS);
        NAME(CKM_SHA384_RSA_PKCS_PSS);
        NAME(CKM_SHA512_RSA_PKCS_PSS);
        NAME(CKM_MD5_RSA_PKCS);
        NAME(CKM_RIPEMD160_RSA_PKCS);
        NAME(CKM_SHA_1);
        NAME(CKM_SHA224);
        NAME(CKM_SHA256);
        NAME(CKM_SHA384);
        NAME(CKM_SHA512);
        NAME(CKM_MD5);
        NAME(CKM_RIPEMD160);
    default:
        return "CKM_(other)";
    }
}
#undef NAME

int rv_in(CK_RV rv, size_t n, const CK_RV* set)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == rv) return 1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* PKCS#11 helpers */

void abi_initialize(void)
{
    assert_ok(p11->C_Initialize(NULL));
}

void abi_finalize_quiet(void)
{
    if (p11 != NULL) (void)p11->C_Finalize(NULL);
}

int fixture_finalize(void** state)
{
    (void)state;
    abi_finalize_quiet();
    return 0;
}

int fixture_initialize(void** state)
{
    (void)state;
    abi_initialize();
    abi_current_slot = abi_slot();
    return 0;
}

static int field_contains(const CK_UTF8CHAR* field, size_t size, const char* needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > size) return 0;
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(field + i, needle, n) == 0) return 1;
    return 0;
}

CK_RV p11_find_slot(CK_SLOT_ID* slot)
{
    CK_ULONG n = 0;
    CK_RV rv = p11->C_GetSlotList(CK_FALSE, NULL, &n);
    if (rv != CKR_OK) return rv;
    if (n == 0 || n > 1024) return CKR_SLOT_ID_INVALID;
    CK_SLOT_ID* list = calloc(n, sizeof *list);
    if (list == NULL) return CKR_HOST_MEMORY;
    rv = p11->C_GetSlotList(CK_FALSE, list, &n);
    if (rv != CKR_OK) {
        free(list);
        return rv;
    }
    /* Preference: the test reader with a token, the test reader, any slot with a token. */
    int best = -1, best_score = 0;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_SLOT_INFO info;
        if (p11->C_GetSlotInfo(list[i], &info) != CKR_OK) continue;
        int named
            = field_contains(info.slotDescription, sizeof info.slotDescription, abi_env.reader);
        int present = (info.flags & CKF_TOKEN_PRESENT) != 0;
        int score = named * 2 + present;
        if (score > best_score) {
            best_score = score;
            best = (int)i;
        }
    }
    if (best >= 0) *slot = list[best];
    free(list);
    return best >= 0 ? CKR_OK : CKR_TOKEN_NOT_PRESENT;
}

CK_SLOT_ID abi_slot(void)
{
    CK_SLOT_ID slot = 0;
    CK_RV rv = p11_find_slot(&slot);
    if (rv != CKR_OK)
        fail_msg("no slot for reader '%s' with a token: %s", abi_env.reader, rv_name(rv));
    return slot;
}

CK_SESSION_HANDLE abi_open(CK_SLOT_ID slot, CK_FLAGS extra)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    assert_ok(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | extra, NULL, NULL, &s));
    assert_true(s != CK_INVALID_HANDLE);
    return s;
}

void abi_login(CK_SESSION_HANDLE s)
{
    assert_ok(p11->C_Login(
        s, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)abi_env.pin, (CK_ULONG)strlen(abi_env.pin)));
}

CK_STATE abi_session_state(CK_SESSION_HANDLE s)
{
    CK_SESSION_INFO info;
    memset(&info, 0xA5, sizeof info);
    assert_ok(p11->C_GetSessionInfo(s, &info));
    return info.state;
}

size_t abi_find(
    CK_SESSION_HANDLE s, CK_ATTRIBUTE* tmpl, CK_ULONG n, CK_OBJECT_HANDLE* out, size_t max)
{
    CK_ULONG found = 0;
    assert_ok(p11->C_FindObjectsInit(s, tmpl, n));
    assert_ok(p11->C_FindObjects(s, out, (CK_ULONG)max, &found));
    assert_ok(p11->C_FindObjectsFinal(s));
    assert_true(found <= max);
    return (size_t)found;
}

CK_OBJECT_HANDLE abi_find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls)
{
    CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };
    CK_OBJECT_HANDLE h[8];
    size_t n = abi_find(s, t, 1, h, 8);
    if (n != 1) fail_msg("objects of class 0x%lx: %zu, expected exactly 1", cls, n);
    return h[0];
}

CK_OBJECT_HANDLE abi_private_key(CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    CK_RV rv = p11_find_private_key(s, &key);
    if (rv != CKR_OK) fail_msg("the private key: %s", rv_name(rv));
    return key;
}

CK_RV p11_find_private_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE* key)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };
    CK_OBJECT_HANDLE h[4];
    CK_ULONG found = 0;
    CK_RV rv = p11->C_FindObjectsInit(s, t, 1);
    if (rv != CKR_OK) return rv;
    rv = p11->C_FindObjects(s, h, 4, &found);
    CK_RV rv2 = p11->C_FindObjectsFinal(s);
    if (rv != CKR_OK) return rv;
    if (rv2 != CKR_OK) return rv2;
    if (found != 1) return CKR_KEY_HANDLE_INVALID; /* none visible, or more than one */
    *key = h[0];
    return CKR_OK;
}

unsigned char* abi_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_ULONG* len)
{
    CK_ATTRIBUTE a = { t, NULL, 0 };
    assert_ok(p11->C_GetAttributeValue(s, o, &a, 1));
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > 1000000)
        fail_msg("attribute 0x%lx: size query gave ulValueLen %lu", t, a.ulValueLen);
    CK_ULONG size = a.ulValueLen;
    unsigned char* buf = malloc(size + 1);
    assert_non_null(buf);
    memset(buf, 0xA5, size + 1);
    a.pValue = buf;
    assert_ok(p11->C_GetAttributeValue(s, o, &a, 1));
    if (a.ulValueLen != size)
        fail_msg("attribute 0x%lx: size query said %lu, fetch gave %lu", t, size, a.ulValueLen);
    buf[size] = 0;
    *len = size;
    return buf;
}

CK_BBOOL abi_attr_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
    CK_BBOOL v = 0xA5;
    CK_ATTRIBUTE a = { t, &v, sizeof v };
    assert_ok(p11->C_GetAttributeValue(s, o, &a, 1));
    assert_int_equal(a.ulValueLen, sizeof v);
    if (v != CK_TRUE && v != CK_FALSE) fail_msg("attribute 0x%lx: CK_BBOOL value %u", t, v);
    return v;
}

CK_ULONG abi_attr_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
    CK_ULONG v = 0xA5A5A5A5UL;
    CK_ATTRIBUTE a = { t, &v, sizeof v };
    assert_ok(p11->C_GetAttributeValue(s, o, &a, 1));
    assert_int_equal(a.ulValueLen, sizeof v);
    return v;
}

void abi_wrong_pin(char* out, size_t size)
{
    size_t n = strlen(abi_env.pin);
    assert_true(n + 1 <= size);
    for (size_t i = 0; i < n; i++) {
        char c = abi_env.pin[i];
        out[i] = (c >= '0' && c <= '8') ? (char)(c + 1) : '0';
    }
    out[n] = 0;
}

CK_RV p11_slot_present(CK_SLOT_ID slot, int* present)
{
    CK_SLOT_INFO info;
    CK_RV rv = p11->C_GetSlotInfo(slot, &info);
    if (rv == CKR_OK) *present = (info.flags & CKF_TOKEN_PRESENT) != 0;
    return rv;
}

int p11_wait_token(CK_SLOT_ID slot, int want, int timeout_ms)
{
    double end = now_ms() + timeout_ms;
    do {
        int present = -1;
        if (p11_slot_present(slot, &present) == CKR_OK && present == want) return 1;
        sleep_ms(50);
    } while (now_ms() < end);
    return 0;
}

CK_RV p11_sign(CK_SESSION_HANDLE s, CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
    const unsigned char* data, size_t len, unsigned char* sig, CK_ULONG* sig_len)
{
    CK_ULONG cap = *sig_len, need = 0;
    CK_RV rv = p11->C_SignInit(s, mech, key);
    if (rv != CKR_OK) return rv;
    rv = p11->C_Sign(s, (CK_BYTE_PTR)(uintptr_t)data, (CK_ULONG)len, NULL, &need);
    if (rv != CKR_OK) return rv;
    if (need > cap) return CKR_BUFFER_TOO_SMALL;
    *sig_len = cap;
    return p11->C_Sign(s, (CK_BYTE_PTR)(uintptr_t)data, (CK_ULONG)len, sig, sig_len);
}

CK_RV p11_sign_multi(CK_SESSION_HANDLE s, CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
    const unsigned char* data, size_t len, unsigned char* sig, CK_ULONG* sig_len)
{
    CK_ULONG cap = *sig_len, need = 0;
    CK_RV rv = p11->C_SignInit(s, mech, key);
    if (rv != CKR_OK) return rv;
    /* Uneven chunks: 1 byte, 63 bytes, an empty update, then the rest in two parts. */
    size_t cuts[] = { 0, len > 1 ? 1 : len, len > 64 ? 64 : len, len > 64 ? 64 : len,
        len > 64 ? 64 + (len - 64) / 2 : len, len };
    for (size_t i = 0; i + 1 < sizeof cuts / sizeof cuts[0]; i++) {
        rv = p11->C_SignUpdate(
            s, (CK_BYTE_PTR)(uintptr_t)(data + cuts[i]), (CK_ULONG)(cuts[i + 1] - cuts[i]));
        if (rv != CKR_OK) return rv;
    }
    rv = p11->C_SignFinal(s, NULL, &need);
    if (rv != CKR_OK) return rv;
    if (need > cap) return CKR_BUFFER_TOO_SMALL;
    *sig_len = cap;
    return p11->C_SignFinal(s, sig, sig_len);
}

/* ------------------------------------------------------------------------------------------ */
/* The certificate and OpenSSL */

static struct {
    X509* x509;
    EVP_PKEY* pkey;
    unsigned char *der, *modulus, *exponent, *subject, *issuer, *serial;
    size_t der_len, modulus_len, exponent_len, subject_len, issuer_len, serial_len;
    int bits;
} cert;

static unsigned char* bn_param(const char* name, size_t* len)
{
    BIGNUM* bn = NULL;
    if (!EVP_PKEY_get_bn_param(cert.pkey, name, &bn)) return NULL;
    *len = (size_t)BN_num_bytes(bn);
    unsigned char* out = malloc(*len ? *len : 1);
    if (out != NULL) BN_bn2bin(bn, out);
    BN_free(bn);
    return out;
}

int cert_load(void)
{
    if (cert.x509 != NULL) return 0;
    FILE* f = fopen(abi_env.cert_path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open TSCNS_CERT=%s\n", abi_env.cert_path);
        return -1;
    }
    cert.x509 = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (cert.x509 == NULL) return -1;
    cert.pkey = X509_get0_pubkey(cert.x509);
    if (cert.pkey == NULL || EVP_PKEY_get_base_id(cert.pkey) != EVP_PKEY_RSA) return -1;
    cert.bits = EVP_PKEY_get_bits(cert.pkey);
    int n = i2d_X509(cert.x509, &cert.der);
    if (n <= 0) return -1;
    cert.der_len = (size_t)n;
    n = i2d_X509_NAME(X509_get_subject_name(cert.x509), &cert.subject);
    if (n <= 0) return -1;
    cert.subject_len = (size_t)n;
    n = i2d_X509_NAME(X509_get_issuer_name(cert.x509), &cert.issuer);
    if (n <= 0) return -1;
    cert.issuer_len = (size_t)n;
    n = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert.x509), &cert.serial);
    if (n <= 0) return -1;
    cert.serial_len = (size_t)n;
    cert.modulus = bn_param(OSSL_PKEY_PARAM_RSA_N, &cert.modulus_len);
    cert.exponent = bn_param(OSSL_PKEY_PARAM_RSA_E, &cert.exponent_len);
    return cert.modulus != NULL && cert.exponent != NULL ? 0 : -1;
}

const unsigned char* cert_der(size_t* len)
{
    *len = cert.der_len;
    return cert.der;
}
int cert_bits(void)
{
    return cert.bits;
}
size_t cert_modulus_len(void)
{
    return (size_t)(cert.bits + 7) / 8;
}
const unsigned char* cert_modulus(size_t* len)
{
    *len = cert.modulus_len;
    return cert.modulus;
}
const unsigned char* cert_exponent(size_t* len)
{
    *len = cert.exponent_len;
    return cert.exponent;
}
const unsigned char* cert_subject(size_t* len)
{
    *len = cert.subject_len;
    return cert.subject;
}
const unsigned char* cert_issuer(size_t* len)
{
    *len = cert.issuer_len;
    return cert.issuer;
}
const unsigned char* cert_serial(size_t* len)
{
    *len = cert.serial_len;
    return cert.serial;
}

const AbiHashInfo abi_hashes[HASH_COUNT] = {
    { "SHA1", CKM_SHA_1, CKG_MGF1_SHA1, CKM_SHA1_RSA_PKCS, CKM_SHA1_RSA_PKCS_PSS, 20 },
    { "SHA224", CKM_SHA224, CKG_MGF1_SHA224, CKM_SHA224_RSA_PKCS, CKM_SHA224_RSA_PKCS_PSS, 28 },
    { "SHA256", CKM_SHA256, CKG_MGF1_SHA256, CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, 32 },
    { "SHA384", CKM_SHA384, CKG_MGF1_SHA384, CKM_SHA384_RSA_PKCS, CKM_SHA384_RSA_PKCS_PSS, 48 },
    { "SHA512", CKM_SHA512, CKG_MGF1_SHA512, CKM_SHA512_RSA_PKCS, CKM_SHA512_RSA_PKCS_PSS, 64 },
};

static const EVP_MD* md_of(AbiHash h)
{
    switch (h) {
    case HASH_SHA1:
        return EVP_sha1();
    case HASH_SHA224:
        return EVP_sha224();
    case HASH_SHA256:
        return EVP_sha256();
    case HASH_SHA384:
        return EVP_sha384();
    case HASH_SHA512:
    case HASH_COUNT:
        break;
    }
    return EVP_sha512();
}

void hash_data(AbiHash h, const unsigned char* data, size_t len, unsigned char* out)
{
    unsigned int n = 0;
    EVP_Digest(data, len, out, &n, md_of(h), NULL);
}

size_t digest_info(AbiHash h, const unsigned char* data, size_t len, unsigned char* out)
{
    static const unsigned char prefix[HASH_COUNT][19] = {
        { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14 },
        { 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04,
            0x05, 0x00, 0x04, 0x1c },
        { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
            0x05, 0x00, 0x04, 0x20 },
        { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
            0x05, 0x00, 0x04, 0x30 },
        { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
            0x05, 0x00, 0x04, 0x40 },
    };
    size_t plen = h == HASH_SHA1 ? 15 : 19;
    memcpy(out, prefix[h], plen);
    hash_data(h, data, len, out + plen);
    return plen + abi_hashes[h].len;
}

size_t pss_salt_len(AbiHash h)
{
    size_t em_len = (size_t)(cert.bits - 1 + 7) / 8;
    size_t hl = abi_hashes[h].len;
    return 2 * hl + 2 <= em_len ? hl : em_len - hl - 2;
}

static int report(const char* what)
{
    fprintf(stderr, "  [verify] %s failed\n", what);
    return 0;
}

int verify_pkcs1_raw(
    const unsigned char* tbs, size_t tbs_len, const unsigned char* sig, size_t sig_len)
{
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(cert.pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_verify(ctx, sig, sig_len, tbs, tbs_len) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : report("RSA PKCS#1 v1.5 (raw T)");
}

int verify_x509_raw(
    const unsigned char* block, size_t block_len, const unsigned char* sig, size_t sig_len)
{
    size_t k = cert_modulus_len();
    unsigned char out[1024], want[1024];
    size_t out_len = sizeof out;
    if (block_len > k || k > sizeof out || sig_len != k) return report("RSA X.509 (lengths)");
    memset(want, 0, k - block_len);
    memcpy(want + (k - block_len), block, block_len);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(cert.pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_verify_recover_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1
        && EVP_PKEY_verify_recover(ctx, out, &out_len, sig, sig_len) == 1 && out_len == k
        && memcmp(out, want, k) == 0;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : report("RSA X.509 (public operation does not give the block back)");
}

int verify_pss_hash(
    AbiHash h, size_t salt, const unsigned char* hash, const unsigned char* sig, size_t sig_len)
{
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(cert.pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
        && EVP_PKEY_CTX_set_signature_md(ctx, md_of(h)) == 1
        && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md_of(h)) == 1
        && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)salt) == 1
        && EVP_PKEY_verify(ctx, sig, sig_len, hash, abi_hashes[h].len) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : report("RSA-PSS over a hash");
}

static int verify_data(AbiHash h, int pss, size_t salt, const unsigned char* data, size_t len,
    const unsigned char* sig, size_t sig_len)
{
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = NULL;
    int ok = md != NULL && EVP_DigestVerifyInit(md, &pctx, md_of(h), NULL, cert.pkey) == 1;
    if (ok && pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
            && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md_of(h)) == 1
            && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)salt) == 1;
    ok = ok && EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(md);
    return ok ? 1 : report(pss ? "RSA-PSS over data" : "RSA PKCS#1 v1.5 over data");
}

int verify_pkcs1_data(
    AbiHash h, const unsigned char* data, size_t len, const unsigned char* sig, size_t sig_len)
{
    return verify_data(h, 0, 0, data, len, sig, sig_len);
}

int verify_pss_data(AbiHash h, size_t salt, const unsigned char* data, size_t len,
    const unsigned char* sig, size_t sig_len)
{
    return verify_data(h, 1, salt, data, len, sig, sig_len);
}

size_t encrypt_pkcs1(const unsigned char* msg, size_t len, unsigned char* out, size_t out_size)
{
    size_t out_len = out_size;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(cert.pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_encrypt(ctx, out, &out_len, msg, len) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? out_len : 0;
}

void random_bytes(unsigned char* out, size_t len)
{
    if (RAND_bytes(out, (int)len) != 1) abort();
}

/* ------------------------------------------------------------------------------------------ */
/* Card processes */

int card_start(AbiCard* card, const char* tag, const char* const* extra)
{
    char vpcd[64];
    snprintf(vpcd, sizeof vpcd, "127.0.0.1:%d", abi_env.vpcd_port);
    snprintf(card->log, sizeof card->log, "%s/abi-card-%s.apdu", abi_env.tmp, tag);
    snprintf(card->out, sizeof card->out, "%s/abi-card-%s.log", abi_env.tmp, tag);
    const char* argv[32];
    size_t n = 0;
    argv[n++] = abi_env.vcard;
    argv[n++] = "run";
    argv[n++] = abi_env.card_dir;
    argv[n++] = "--vpcd";
    argv[n++] = vpcd;
    argv[n++] = "--apdu-log";
    argv[n++] = card->log;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        /* The card must not outlive the suite (a crash or a failed assertion). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(1);
        int fd = open(card->out, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(abi_env.vcard, (char* const*)(uintptr_t)argv);
        _exit(127);
    }
    card->pid = pid;
    return 0;
}

int card_running(AbiCard* card)
{
    if (card->pid <= 0) return 0;
    int status = 0;
    pid_t r = waitpid(card->pid, &status, WNOHANG);
    if (r == card->pid || (r < 0 && errno == ECHILD)) {
        card->pid = 0;
        return 0;
    }
    return 1;
}

void card_stop(AbiCard* card)
{
    if (card->pid <= 0) return;
    kill(card->pid, SIGTERM);
    for (int i = 0; i < 100 && card_running(card); i++)
        sleep_ms(50);
    if (card->pid > 0) {
        kill(card->pid, SIGKILL);
        waitpid(card->pid, NULL, 0);
        card->pid = 0;
    }
}

long card_commands(const AbiCard* card)
{
    FILE* f = fopen(card->log, "r");
    if (f == NULL) return 0;
    char line[4096];
    long n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        /* "2026-01-01T00:00:00.000Z > 00 A4 ..." */
        const char* sp = strchr(line, ' ');
        if (sp != NULL && sp[1] == '>' && sp[2] == ' ') n++;
    }
    fclose(f);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Misc */

double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
}

char* read_file(const char* path, size_t* len)
{
    FILE* f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    char* buf = malloc(cap + 1);
    size_t r;
    while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            char* nb = realloc(buf, cap + 1);
            if (nb == NULL) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (buf == NULL) return NULL;
    buf[n] = 0;
    *len = n;
    return buf;
}

int blank_padded(const CK_UTF8CHAR* field, size_t size)
{
    /* Valid UTF-8 without control characters (a NUL terminator or an unfilled 0xA5 fails). */
    for (size_t i = 0; i < size;) {
        unsigned char c = field[i];
        size_t more = c < 0x80   ? 0
            : (c & 0xE0) == 0xC0 ? 1
            : (c & 0xF0) == 0xE0 ? 2
            : (c & 0xF8) == 0xF0 ? 3
                                 : 9;
        if (c < 0x20 || c == 0x7F || more == 9 || i + more >= size + (more == 0 ? 1 : 0)) return 0;
        for (size_t k = 1; k <= more; k++)
            if ((field[i + k] & 0xC0) != 0x80) return 0;
        i += more + 1;
    }
    return 1;
}

const char* field_str(const CK_UTF8CHAR* field, size_t size)
{
    static char buf[256];
    if (size >= sizeof buf) size = sizeof buf - 1;
    memcpy(buf, field, size);
    while (size > 0 && buf[size - 1] == ' ')
        size--;
    buf[size] = 0;
    return buf;
}
