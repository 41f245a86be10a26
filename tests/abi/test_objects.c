/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Groups "token" (C_GetTokenInfo against card.json) and "objects" (the certificate, the key pair,
 * the data objects and the C_GetAttributeValue / C_FindObjects rules; docs/pkcs11-clients.md §0
 * item 4, §2.1, §2.4). Each test runs between C_Initialize and C_Finalize. */
#define _GNU_SOURCE
#include "abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP(f) cmocka_unit_test_setup_teardown(f, fixture_initialize, fixture_finalize)

static void assert_bytes(const char* what, const unsigned char* got, CK_ULONG got_len,
    const unsigned char* want, size_t want_len)
{
    if (got_len != want_len || memcmp(got, want, want_len) != 0)
        fail_msg("%s differs: %lu bytes, expected %zu", what, got_len, want_len);
}

/* ---- token ---- */

static void token_info(void** state)
{
    (void)state;
    CK_TOKEN_INFO t;
    memset(&t, 0xA5, sizeof t);
    assert_ok(p11->C_GetTokenInfo(abi_current_slot, &t));
    assert_true(blank_padded(t.label, sizeof t.label));
    assert_true(blank_padded(t.manufacturerID, sizeof t.manufacturerID));
    assert_true(blank_padded(t.model, sizeof t.model));
    assert_true(blank_padded(t.serialNumber, sizeof t.serialNumber));
    if (t.flags & CKF_CLOCK_ON_TOKEN) {
        assert_true(blank_padded(t.utcTime, sizeof t.utcTime));
    } else { /* meaningless without a clock, but written: blanks or zeros */
        for (size_t i = 0; i < sizeof t.utcTime; i++)
            if (t.utcTime[i] != 0 && !blank_padded(&t.utcTime[i], 1))
                fail_msg("utcTime byte %zu is 0x%02x", i, t.utcTime[i]);
    }
    char serial[17];
    memcpy(serial, t.serialNumber, 16);
    serial[16] = 0;
    assert_string_equal(serial, abi_env.card_id);
    char holder[256];
    snprintf(holder, sizeof holder, "%s %s", abi_env.given_name, abi_env.surname);
    const char* label = field_str(t.label, sizeof t.label);
    if (strncmp(label, holder, strlen(holder)) != 0)
        fail_msg("token label '%s' does not start with the holder '%s'", label, holder);
    const CK_FLAGS need = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
    if ((t.flags & need) != need)
        fail_msg("token flags 0x%lx lack 0x%lx", t.flags, need & ~t.flags);
    const CK_FLAGS bad = CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW
        | CKF_USER_PIN_TO_BE_CHANGED;
    if (t.flags & bad)
        fail_msg("token flags 0x%lx on a fresh card include 0x%lx", t.flags, t.flags & bad);
    size_t pin_len = strlen(abi_env.pin);
    if (t.ulMinPinLen > pin_len || t.ulMaxPinLen < pin_len || t.ulMinPinLen > t.ulMaxPinLen)
        fail_msg("PIN length range %lu..%lu excludes the card's %zu-digit PIN", t.ulMinPinLen,
            t.ulMaxPinLen, pin_len);
    /* Stable: a second read gives the same identity. */
    CK_TOKEN_INFO t2;
    assert_ok(p11->C_GetTokenInfo(abi_current_slot, &t2));
    assert_memory_equal(t.label, t2.label, sizeof t.label);
    assert_memory_equal(t.serialNumber, t2.serialNumber, sizeof t.serialNumber);
    assert_int_equal(t.flags, t2.flags);
}

/* ---- objects ---- */

typedef struct {
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE cert;
    unsigned char* id;
    CK_ULONG id_len;
    unsigned char* label;
    CK_ULONG label_len;
} Objects;
static Objects obj;

static int setup_objects(void** state)
{
    fixture_initialize(state);
    memset(&obj, 0, sizeof obj);
    obj.s = abi_open(abi_current_slot, 0);
    obj.cert = abi_find_one(obj.s, CKO_CERTIFICATE);
    obj.id = abi_attr(obj.s, obj.cert, CKA_ID, &obj.id_len);
    obj.label = abi_attr(obj.s, obj.cert, CKA_LABEL, &obj.label_len);
    return 0;
}
static int teardown_objects(void** state)
{
    free(obj.id);
    free(obj.label);
    memset(&obj, 0, sizeof obj);
    return fixture_finalize(state);
}
#define OBJ(f) cmocka_unit_test_setup_teardown(f, setup_objects, teardown_objects)

static void objects_certificate(void** state)
{
    (void)state;
    CK_ULONG len = 0;
    size_t want_len = 0;
    unsigned char* v = abi_attr(obj.s, obj.cert, CKA_VALUE, &len);
    const unsigned char* want = cert_der(&want_len);
    assert_bytes("certificate CKA_VALUE vs cert.pem", v, len, want, want_len);
    free(v);
    v = abi_attr(obj.s, obj.cert, CKA_SUBJECT, &len);
    want = cert_subject(&want_len);
    assert_bytes("certificate CKA_SUBJECT", v, len, want, want_len);
    free(v);
    v = abi_attr(obj.s, obj.cert, CKA_ISSUER, &len);
    want = cert_issuer(&want_len);
    assert_bytes("certificate CKA_ISSUER", v, len, want, want_len);
    free(v);
    v = abi_attr(obj.s, obj.cert, CKA_SERIAL_NUMBER, &len);
    want = cert_serial(&want_len);
    assert_bytes("certificate CKA_SERIAL_NUMBER (DER INTEGER)", v, len, want, want_len);
    free(v);
    assert_int_equal(abi_attr_ulong(obj.s, obj.cert, CKA_CLASS), CKO_CERTIFICATE);
    assert_int_equal(abi_attr_ulong(obj.s, obj.cert, CKA_CERTIFICATE_TYPE), CKC_X_509);
    assert_int_equal(abi_attr_bool(obj.s, obj.cert, CKA_TOKEN), CK_TRUE);
    assert_int_equal(abi_attr_bool(obj.s, obj.cert, CKA_PRIVATE), CK_FALSE);
    assert_true(obj.id_len >= 1);
    assert_true(obj.label_len >= 1);
    assert_true(obj.label[obj.label_len - 1] != ' '); /* NSS nicknames: no trailing blanks */
    /* NSS finds it by {TOKEN, CLASS, LABEL}. */
    CK_BBOOL tru = CK_TRUE;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE t[] = { { CKA_TOKEN, &tru, sizeof tru }, { CKA_CLASS, &cls, sizeof cls },
        { CKA_LABEL, obj.label, obj.label_len } };
    CK_OBJECT_HANDLE h[4];
    assert_int_equal(abi_find(obj.s, t, 3, h, 4), 1);
    assert_int_equal(h[0], obj.cert);
}

static void check_rsa_key(CK_OBJECT_HANDLE key, const char* what)
{
    CK_ULONG len = 0;
    size_t want_len = 0;
    assert_int_equal(abi_attr_ulong(obj.s, key, CKA_KEY_TYPE), CKK_RSA);
    unsigned char* v = abi_attr(obj.s, key, CKA_MODULUS, &len);
    const unsigned char* want = cert_modulus(&want_len);
    unsigned char* p = v; /* tolerate leading zero bytes */
    while (len > want_len && *p == 0) {
        p++;
        len--;
    }
    if (len != want_len || memcmp(p, want, want_len) != 0)
        fail_msg("%s CKA_MODULUS differs from the certificate's modulus", what);
    free(v);
    assert_int_equal(abi_attr_bool(obj.s, key, CKA_TOKEN), CK_TRUE);
    v = abi_attr(obj.s, key, CKA_ID, &len);
    assert_bytes("key CKA_ID vs certificate CKA_ID", v, len, obj.id, obj.id_len);
    free(v);
}

static void objects_public_key(void** state)
{
    (void)state;
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, obj.id, obj.id_len } };
    CK_OBJECT_HANDLE h[4];
    size_t n = abi_find(obj.s, t, 2, h, 4);
    if (n != 1) fail_msg("public keys with the certificate's CKA_ID: %zu, expected 1", n);
    check_rsa_key(h[0], "public key");
    CK_ULONG len = 0;
    size_t want_len = 0;
    unsigned char* e = abi_attr(obj.s, h[0], CKA_PUBLIC_EXPONENT, &len);
    const unsigned char* want = cert_exponent(&want_len);
    unsigned char* p = e;
    while (len > want_len && *p == 0) {
        p++;
        len--;
    }
    assert_bytes("public key CKA_PUBLIC_EXPONENT", p, len, want, want_len);
    free(e);
    assert_int_equal(abi_attr_ulong(obj.s, h[0], CKA_MODULUS_BITS), (CK_ULONG)cert_bits());
    assert_int_equal(abi_attr_bool(obj.s, h[0], CKA_PRIVATE), CK_FALSE);
}

/* Private objects are invisible before login (PKCS#11 2.40 §4.4), visible after. */
static void objects_private_key(void** state)
{
    (void)state;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_ID, obj.id, obj.id_len } };
    CK_OBJECT_HANDLE h[4];
    size_t before = abi_find(obj.s, t, 1, h, 4);
    abi_login(obj.s);
    size_t all = abi_find(obj.s, t, 1, h, 4);
    if (all != 1) fail_msg("private keys after login: %zu, expected 1", all);
    size_t n = abi_find(obj.s, t, 2, h, 4); /* NSS: {CLASS = PRIVATE_KEY, ID = certificate's ID} */
    if (n != 1) fail_msg("private keys with the certificate's CKA_ID: %zu, expected 1", n);
    CK_OBJECT_HANDLE key = h[0];
    check_rsa_key(key, "private key");
    assert_int_equal(abi_attr_bool(obj.s, key, CKA_ALWAYS_AUTHENTICATE), CK_FALSE);
    assert_int_equal(abi_attr_bool(obj.s, key, CKA_SIGN), CK_TRUE);
    assert_int_equal(abi_attr_bool(obj.s, key, CKA_PRIVATE), CK_TRUE);
    assert_int_equal(abi_attr_bool(obj.s, key, CKA_SENSITIVE), CK_TRUE);
    assert_int_equal(abi_attr_bool(obj.s, key, CKA_EXTRACTABLE), CK_FALSE);
    CK_ULONG len = 0;
    unsigned char* label = abi_attr(obj.s, key, CKA_LABEL, &len);
    assert_bytes(
        "private key CKA_LABEL vs certificate CKA_LABEL", label, len, obj.label, obj.label_len);
    free(label);
    unsigned char buf[1024];
    CK_ATTRIBUTE a = { CKA_PRIVATE_EXPONENT, buf, sizeof buf };
    assert_rv(p11->C_GetAttributeValue(obj.s, key, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
    assert_int_equal(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
    if (before != 0)
        fail_msg(
            "%zu private key(s) visible before C_Login (CKA_PRIVATE objects must not be)", before);
}

static void check_data_object(const char* label, const unsigned char* want, size_t want_len)
{
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
        { CKA_LABEL, (void*)(uintptr_t)label, (CK_ULONG)strlen(label) } };
    CK_OBJECT_HANDLE h[4];
    size_t n = abi_find(obj.s, t, 2, h, 4);
    if (n != 1) fail_msg("CKO_DATA objects labelled %s: %zu, expected 1", label, n);
    assert_int_equal(abi_attr_bool(obj.s, h[0], CKA_PRIVATE), CK_FALSE);
    CK_ULONG len = 0;
    unsigned char* v = abi_attr(obj.s, h[0], CKA_VALUE, &len);
    while (len > 0 && v[len - 1] == 0)
        len--; /* the EF's zero padding is not content */
    while (want_len > 0 && want[want_len - 1] == 0)
        want_len--;
    if (len != want_len || memcmp(v, want, want_len) != 0)
        fail_msg(
            "%s CKA_VALUE differs from the card image: '%.*s' (%lu bytes) vs '%.*s' (%zu bytes)",
            label, (int)(len > 64 ? 64 : len), v, len, (int)(want_len > 64 ? 64 : want_len), want,
            want_len);
    free(v);
}

static void objects_data(void** state)
{
    (void)state;
    check_data_object("EF_IDCarta", (const unsigned char*)abi_env.card_id, strlen(abi_env.card_id));
    size_t len = 0;
    char* dati = read_file(abi_env.dati_path, &len);
    if (dati == NULL) fail_msg("cannot read TSCNS_DATI_PERSONALI=%s", abi_env.dati_path);
    check_data_object("EF_DatiPersonali", (const unsigned char*)dati, len);
    free(dati);
}

/* NSS searches its own classes: zero objects, not an error (docs/pkcs11-clients.md §2.1). */
static void objects_unknown_class(void** state)
{
    (void)state;
    const CK_OBJECT_CLASS classes[] = { 0xCE534353UL /* CKO_NSS_TRUST */, 0xCE534351UL /* CRL */,
        0xCE534354UL /* BUILTIN_ROOT_LIST */, CKO_VENDOR_DEFINED | 0x1234 };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        CK_OBJECT_CLASS cls = classes[i];
        CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };
        CK_OBJECT_HANDLE h[4];
        size_t n = abi_find(obj.s, t, 1, h, 4);
        if (n != 0) fail_msg("class 0x%lx: %zu objects, expected 0", cls, n);
    }
}

static void objects_find_rules(void** state)
{
    (void)state;
    CK_OBJECT_HANDLE all[64], one[1];
    CK_ULONG n = 0, got = 0;
    assert_rv(p11->C_FindObjects(obj.s, all, 64, &n), CKR_OPERATION_NOT_INITIALIZED);
    assert_rv(p11->C_FindObjectsFinal(obj.s), CKR_OPERATION_NOT_INITIALIZED);
    assert_ok(p11->C_FindObjectsInit(obj.s, NULL, 0)); /* empty template: every object */
    assert_rv(p11->C_FindObjectsInit(obj.s, NULL, 0), CKR_OPERATION_ACTIVE);
    assert_rv(p11->C_FindObjects(obj.s, NULL, 64, &n), CKR_ARGUMENTS_BAD);
    assert_ok(p11->C_FindObjects(obj.s, all, 64, &n));
    assert_ok(p11->C_FindObjectsFinal(obj.s));
    /* certificate, public key, EF_IDCarta, EF_DatiPersonali at least */
    if (n < 4) fail_msg("only %lu public objects", n);
    /* The same set one at a time. */
    assert_ok(p11->C_FindObjectsInit(obj.s, NULL, 0));
    CK_ULONG total = 0;
    for (;;) {
        assert_ok(p11->C_FindObjects(obj.s, one, 1, &got));
        if (got == 0) break;
        assert_int_equal(got, 1);
        assert_true(total < n);
        assert_int_equal(one[0], all[total]);
        total++;
    }
    assert_ok(p11->C_FindObjectsFinal(obj.s));
    assert_int_equal(total, n);
    for (CK_ULONG i = 0; i < n; i++)
        for (CK_ULONG j = 0; j < i; j++)
            assert_true(all[i] != all[j]);
    /* An operation in one session does not block another session. */
    CK_SESSION_HANDLE s2 = abi_open(abi_current_slot, 0);
    assert_ok(p11->C_FindObjectsInit(obj.s, NULL, 0));
    assert_ok(p11->C_FindObjectsInit(s2, NULL, 0));
    assert_ok(p11->C_FindObjectsFinal(s2));
    assert_ok(p11->C_FindObjectsFinal(obj.s));
}

static void attrs_size_query(void** state)
{
    (void)state;
    size_t der_len = 0;
    cert_der(&der_len);
    CK_OBJECT_CLASS cls = 0xA5A5;
    CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_VALUE, NULL, 0 } };
    assert_ok(p11->C_GetAttributeValue(obj.s, obj.cert, t, 2));
    assert_int_equal(cls, CKO_CERTIFICATE);
    assert_int_equal(t[0].ulValueLen, sizeof cls);
    assert_int_equal(t[1].ulValueLen, der_len);
    unsigned char* buf = malloc(der_len + 16);
    assert_non_null(buf);
    t[1].pValue = buf;
    t[1].ulValueLen = der_len + 16; /* larger than needed: set to the real length */
    assert_ok(p11->C_GetAttributeValue(obj.s, obj.cert, t, 2));
    assert_int_equal(t[1].ulValueLen, der_len);
    size_t want_len = 0;
    assert_memory_equal(buf, cert_der(&want_len), der_len);
    free(buf);
    assert_rv(p11->C_GetAttributeValue(obj.s, obj.cert, NULL, 1), CKR_ARGUMENTS_BAD);
}

static void attrs_unknown_type(void** state)
{
    (void)state;
    CK_OBJECT_CLASS cls = 0xA5A5;
    CK_ATTRIBUTE t[] = { { CKA_LABEL, NULL, 0 }, { CKA_VENDOR_DEFINED | 0x54534E53UL, NULL, 0 },
        { CKA_CLASS, &cls, sizeof cls } };
    assert_rv(p11->C_GetAttributeValue(obj.s, obj.cert, t, 3), CKR_ATTRIBUTE_TYPE_INVALID);
    if (t[1].ulValueLen != CK_UNAVAILABLE_INFORMATION)
        fail_msg("unknown attribute: ulValueLen %lu, expected CK_UNAVAILABLE_INFORMATION",
            t[1].ulValueLen);
    /* The other attributes are still processed. */
    assert_int_equal(t[0].ulValueLen, obj.label_len);
    assert_int_equal(cls, CKO_CERTIFICATE);
    /* An attribute a certificate does not have. */
    unsigned char buf[512];
    CK_ATTRIBUTE m = { CKA_MODULUS, buf, sizeof buf };
    assert_rv(p11->C_GetAttributeValue(obj.s, obj.cert, &m, 1), CKR_ATTRIBUTE_TYPE_INVALID);
    assert_int_equal(m.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static void attrs_buffer_too_small(void** state)
{
    (void)state;
    unsigned char buf[10];
    CK_OBJECT_CLASS cls = 0xA5A5;
    CK_ATTRIBUTE t[] = { { CKA_VALUE, buf, sizeof buf }, { CKA_CLASS, &cls, sizeof cls } };
    assert_rv(p11->C_GetAttributeValue(obj.s, obj.cert, t, 2), CKR_BUFFER_TOO_SMALL);
    if (t[0].ulValueLen != CK_UNAVAILABLE_INFORMATION)
        fail_msg(
            "too small buffer: ulValueLen %lu, expected CK_UNAVAILABLE_INFORMATION (2.40 §5.7)",
            t[0].ulValueLen);
    assert_int_equal(cls, CKO_CERTIFICATE);
}

static void attrs_invalid_object(void** state)
{
    (void)state;
    CK_OBJECT_CLASS cls = 0;
    CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };
    const CK_OBJECT_HANDLE bad[] = { 99999, 77777, CK_INVALID_HANDLE, obj.cert + 1000000 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i] == obj.cert) continue;
        CK_RV rv = p11->C_GetAttributeValue(obj.s, bad[i], &t, 1);
        if (rv != CKR_OBJECT_HANDLE_INVALID)
            fail_msg("C_GetAttributeValue(object %lu): %s, expected CKR_OBJECT_HANDLE_INVALID",
                bad[i], rv_name(rv));
    }
}

/* The token is read-only for applications: edits are refused and change nothing. */
static void objects_read_only(void** state)
{
    (void)state;
    CK_SESSION_HANDLE rw = abi_open(abi_current_slot, CKF_RW_SESSION);
    char label[] = "changed";
    CK_ATTRIBUTE t = { CKA_LABEL, label, sizeof label - 1 };
    CK_RV rv = p11->C_SetAttributeValue(rw, obj.cert, &t, 1);
    if (rv == CKR_OK) fail_msg("C_SetAttributeValue(certificate CKA_LABEL) succeeded");
    rv = p11->C_DestroyObject(rw, obj.cert);
    if (rv == CKR_OK) fail_msg("C_DestroyObject(certificate) succeeded");
    CK_ULONG len = 0;
    unsigned char* l = abi_attr(obj.s, obj.cert, CKA_LABEL, &len);
    assert_bytes("certificate CKA_LABEL after refused edits", l, len, obj.label, obj.label_len);
    free(l);
    abi_find_one(obj.s, CKO_CERTIFICATE);
}

/* google/pkcs11test object.cc EnumerateObjects (ReadOnlySessionTest, ROUserSessionTest): every
 * object found, before and after login, has a size (C_GetObjectSize CKR_OK) and, in a public
 * session, CKA_PRIVATE FALSE; the handle and argument checks of CopyDestroyObjectInvalid. */
static void check_enumerate(CK_SESSION_HANDLE s, int logged_in)
{
    CK_OBJECT_HANDLE found[32];
    size_t n = abi_find(s, NULL, 0, found, sizeof found / sizeof found[0]);
    assert_true(n >= 3); /* certificate, public key, data objects (+ private key after login) */
    for (size_t i = 0; i < n; i++) {
        CK_ULONG size = 0;
        CK_RV rv = p11->C_GetObjectSize(s, found[i], &size);
        if (rv != CKR_OK) fail_msg("C_GetObjectSize(object %lu): %s", found[i], rv_name(rv));
        if (size == 0 || size == CK_UNAVAILABLE_INFORMATION)
            fail_msg("C_GetObjectSize(object %lu): size %lu", found[i], size);
        if (!logged_in && abi_attr_bool(s, found[i], CKA_PRIVATE) != CK_FALSE)
            fail_msg("object %lu is private but visible before login", found[i]);
    }
}

static void objects_size(void** state)
{
    (void)state;
    check_enumerate(obj.s, 0);
    CK_ULONG size = 0;
    assert_rv(p11->C_GetObjectSize(99999, obj.cert, &size), CKR_SESSION_HANDLE_INVALID);
    assert_rv(p11->C_GetObjectSize(obj.s, 77777, &size), CKR_OBJECT_HANDLE_INVALID);
    assert_rv(p11->C_GetObjectSize(obj.s, obj.cert, NULL), CKR_ARGUMENTS_BAD);
    abi_login(obj.s);
    check_enumerate(obj.s, 1);
    assert_ok(p11->C_Logout(obj.s));
}

static const struct CMUnitTest token_tests[] = { SETUP(token_info) };
static const struct CMUnitTest object_tests[] = {
    OBJ(objects_certificate),
    OBJ(objects_public_key),
    OBJ(objects_private_key),
    OBJ(objects_data),
    OBJ(objects_unknown_class),
    OBJ(objects_find_rules),
    OBJ(attrs_size_query),
    OBJ(attrs_unknown_type),
    OBJ(attrs_buffer_too_small),
    OBJ(attrs_invalid_object),
    OBJ(objects_read_only),
    OBJ(objects_size),
};

const AbiGroup abi_group_token
    = { "token", token_tests, sizeof token_tests / sizeof token_tests[0], NULL, NULL };
const AbiGroup abi_group_objects
    = { "objects", object_tests, sizeof object_tests / sizeof object_tests[0], NULL, NULL };
