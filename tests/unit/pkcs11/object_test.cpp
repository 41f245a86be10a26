// SPDX-License-Identifier: LGPL-2.1-or-later
// Objects and attributes: what exists before login, search templates, C_GetAttributeValue
// semantics (size queries, short buffers, invalid and sensitive attributes), attribute values
// against the card's certificate and EFs, the read-only token.
#include "groups.hpp"

#include "fixture.hpp"

#include "tscns/vcard/card_image.hpp"

#include <openssl/x509.h>

#include <cstring>

using namespace tscns;
using namespace tscns::pkcs11;
using namespace tscns::pkcs11::test;
using tscns::test::Checker;

namespace {

constexpr CK_OBJECT_CLASS kNssTrust = 0xCE534353UL; // CKO_NSS_TRUST (NSS vendor class)
constexpr CK_OBJECT_CLASS kProfile = 0x9UL; // CKO_PROFILE (PKCS#11 3.0)

/// DER pieces of a certificate, with OpenSSL.
struct CertDer {
    Bytes subject, issuer, serial;
};

CertDer certPieces(const Bytes& der)
{
    CertDer out;
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (x == nullptr) return out;
    auto take = [](auto* obj, auto i2d) {
        const int n = i2d(obj, nullptr);
        Bytes b(static_cast<std::size_t>(n > 0 ? n : 0));
        unsigned char* q = b.data();
        if (n > 0) i2d(obj, &q);
        return b;
    };
    out.subject = take(X509_get_subject_name(x), i2d_X509_NAME);
    out.issuer = take(X509_get_issuer_name(x), i2d_X509_NAME);
    out.serial = take(X509_get_serialNumber(x), i2d_ASN1_INTEGER);
    X509_free(x);
    return out;
}

void findObjects_beforeLogin_privateKeyHidden(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        c.eq(find(m, s).size(), 4, "certificate, public key, 2 data objects");
        c.eq(findClass(m, s, CKO_CERTIFICATE).size(), 1, "certificate");
        c.eq(findClass(m, s, CKO_PUBLIC_KEY).size(), 1, "public key");
        c.eq(findClass(m, s, CKO_PRIVATE_KEY).size(), 0, "private key hidden before login");
        c.eq(findClass(m, s, CKO_DATA).size(), 2, "data objects");
        c.eq(findClass(m, s, kNssTrust).size(), 0, "CKO_NSS_TRUST: none, no error");
        c.eq(findClass(m, s, kProfile).size(), 0, "CKO_PROFILE: none, no error");
        // NSS's key search (docs/pkcs11-clients.md §2.4).
        const Bytes id = attribute(m, s, findClass(m, s, CKO_CERTIFICATE)[0], CKA_ID);
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
            { CKA_ID, const_cast<std::uint8_t*>(id.data()), id.size() } };
        c.eq(find(m, s, t, 2).size(), 0, "no private key by CKA_ID before login");
        CK_BBOOL yes = CK_TRUE;
        CK_ATTRIBUTE tokenTrue { CKA_TOKEN, &yes, sizeof yes };
        c.eq(find(m, s, &tokenTrue, 1).size(), 4, "CKA_TOKEN TRUE: all public ones");
        c.noThrow([&] { loginUser(m, s); }, "login");
        c.eq(
            find(m, s, t, 2).size(), 1, "after login: the private key by the certificate's CKA_ID");
        c.eq(find(m, s).size(), 5, "after login: all five objects");
        CK_ATTRIBUTE privExp { CKA_PRIVATE_EXPONENT, nullptr, 0 };
        c.eq(find(m, s, &privExp, 1).size(), 0, "a sensitive attribute matches nothing");
    });
}

void findObjects_operationRules(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        expectRv(c, rvOf([&] { (void)m.findObjects(s, 10); }), CKR_OPERATION_NOT_INITIALIZED,
            "FindObjects without Init");
        m.findObjectsInit(s, nullptr, 0);
        expectRv(
            c, rvOf([&] { m.findObjectsInit(s, nullptr, 0); }), CKR_OPERATION_ACTIVE, "Init twice");
        c.eq(m.findObjects(s, 3).size(), 3, "first 3");
        c.eq(m.findObjects(s, 3).size(), 1, "the last public one (the private key is hidden)");
        c.eq(m.findObjects(s, 3).size(), 0, "then none");
        m.findObjectsFinal(s);
        expectRv(
            c, rvOf([&] { m.findObjectsFinal(s); }), CKR_OPERATION_NOT_INITIALIZED, "Final twice");
        m.findObjectsInit(s, nullptr, 0);
        m.cancelOperations(s, CKF_FIND_OBJECTS);
        expectRv(c, rvOf([&] { (void)m.findObjects(s, 1); }), CKR_OPERATION_NOT_INITIALIZED,
            "cancelled by C_SessionCancel");
    });
}

void certificate_attributes_matchTheCard(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const CK_OBJECT_HANDLE cert = findClass(m, s, CKO_CERTIFICATE).at(0);
        const Bytes der = certificateDer(f->images->st);
        const CertDer pieces = certPieces(der);
        c.bytes(attribute(m, s, cert, CKA_VALUE), der, "CKA_VALUE");
        c.bytes(attribute(m, s, cert, CKA_SUBJECT), pieces.subject, "CKA_SUBJECT");
        c.bytes(attribute(m, s, cert, CKA_ISSUER), pieces.issuer, "CKA_ISSUER");
        c.bytes(attribute(m, s, cert, CKA_SERIAL_NUMBER), pieces.serial, "CKA_SERIAL_NUMBER");
        c.hex(attribute(m, s, cert, CKA_ID), "01", "CKA_ID");
        c.eq(std::string(asString(attribute(m, s, cert, CKA_LABEL))), std::string("CNS0"),
            "CKA_LABEL");
        c.eq(ulongAttribute(m, s, cert, CKA_CERTIFICATE_TYPE), CKC_X_509, "type");
        c.eq(ulongAttribute(m, s, cert, CKA_CERTIFICATE_CATEGORY), 1UL, "category: token user");
        c.eq(attribute(m, s, cert, CKA_CHECK_VALUE).size(), 3, "CKA_CHECK_VALUE: 3 bytes");
        c.eq(attribute(m, s, cert, CKA_START_DATE).size(), 8, "start date");
        c.eq(attribute(m, s, cert, CKA_END_DATE).size(), 8, "end date");
        c.that(boolAttribute(m, s, cert, CKA_TOKEN), "CKA_TOKEN");
        c.that(!boolAttribute(m, s, cert, CKA_PRIVATE), "public");
        c.that(!boolAttribute(m, s, cert, CKA_MODIFIABLE), "read-only");
        c.that(!boolAttribute(m, s, cert, CKA_TRUSTED), "not trusted");
    });
}

void keys_attributes_shareIdLabelAndModulus(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const CK_OBJECT_HANDLE cert = findClass(m, s, CKO_CERTIFICATE).at(0);
        const CK_OBJECT_HANDLE pub = findClass(m, s, CKO_PUBLIC_KEY).at(0);
        const CK_OBJECT_HANDLE priv = privateKey(m, s);
        for (CK_OBJECT_HANDLE k : { pub, priv }) {
            c.bytes(attribute(m, s, k, CKA_ID), attribute(m, s, cert, CKA_ID), "same CKA_ID");
            c.bytes(
                attribute(m, s, k, CKA_LABEL), attribute(m, s, cert, CKA_LABEL), "same CKA_LABEL");
            c.bytes(attribute(m, s, k, CKA_SUBJECT), attribute(m, s, cert, CKA_SUBJECT),
                "same CKA_SUBJECT");
            c.eq(ulongAttribute(m, s, k, CKA_KEY_TYPE), CKK_RSA, "RSA");
            c.eq(attribute(m, s, k, CKA_MODULUS).size(), 256, "2048-bit modulus");
            c.eq(ulongAttribute(m, s, k, CKA_MODULUS_BITS), 2048UL, "modulus bits");
            c.hex(attribute(m, s, k, CKA_PUBLIC_EXPONENT), "01 00 01", "exponent");
            c.that(!boolAttribute(m, s, k, CKA_LOCAL), "not generated on the card");
            c.eq(ulongAttribute(m, s, k, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION,
                "key generation mechanism unknown");
        }
        c.bytes(
            attribute(m, s, pub, CKA_MODULUS), attribute(m, s, priv, CKA_MODULUS), "same modulus");
        // The private key (docs/pkcs11-clients.md §0.4, §2.5).
        c.that(boolAttribute(m, s, priv, CKA_PRIVATE), "CKA_PRIVATE");
        c.that(boolAttribute(m, s, priv, CKA_SENSITIVE), "CKA_SENSITIVE");
        c.that(!boolAttribute(m, s, priv, CKA_EXTRACTABLE), "not extractable");
        c.that(boolAttribute(m, s, priv, CKA_ALWAYS_SENSITIVE), "always sensitive");
        c.that(boolAttribute(m, s, priv, CKA_NEVER_EXTRACTABLE), "never extractable");
        c.that(!boolAttribute(m, s, priv, CKA_ALWAYS_AUTHENTICATE), "no CKA_ALWAYS_AUTHENTICATE");
        c.that(boolAttribute(m, s, priv, CKA_SIGN), "sign (digitalSignature)");
        c.that(boolAttribute(m, s, priv, CKA_DECRYPT), "decrypt (keyEncipherment)");
        c.that(boolAttribute(m, s, priv, CKA_UNWRAP), "unwrap (keyEncipherment)");
        c.that(!boolAttribute(m, s, priv, CKA_SIGN_RECOVER), "no sign-recover");
        c.that(!boolAttribute(m, s, priv, CKA_DERIVE), "no derive");
        c.that(boolAttribute(m, s, pub, CKA_VERIFY), "public key: verify");
        c.that(!boolAttribute(m, s, pub, CKA_PRIVATE), "public key: public");
    });
}

void getAttributeValue_specSemantics(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const CK_OBJECT_HANDLE cert = findClass(m, s, CKO_CERTIFICATE).at(0);
        const CK_OBJECT_HANDLE priv = privateKey(m, s);
        const std::size_t derSize = certificateDer(f->images->st).size();

        // Size query.
        CK_ATTRIBUTE q { CKA_VALUE, nullptr, 0 };
        expectRv(c, m.getAttributeValue(s, cert, &q, 1), CKR_OK, "size query");
        c.eq(q.ulValueLen, derSize, "size");
        // Short buffer.
        Bytes small(10);
        CK_ATTRIBUTE sh { CKA_VALUE, small.data(), small.size() };
        expectRv(c, m.getAttributeValue(s, cert, &sh, 1), CKR_BUFFER_TOO_SMALL, "short buffer");
        c.eq(sh.ulValueLen, CK_UNAVAILABLE_INFORMATION, "short buffer length");
        // An invalid attribute among valid ones: the others are still filled.
        CK_OBJECT_CLASS cls = 0;
        CK_BYTE id[4] {};
        CK_ATTRIBUTE mixed[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_MODULUS, nullptr, 0 },
            { CKA_ID, id, sizeof id } };
        expectRv(c, m.getAttributeValue(s, cert, mixed, 3), CKR_ATTRIBUTE_TYPE_INVALID,
            "CKA_MODULUS on a certificate");
        c.eq(cls, CKO_CERTIFICATE, "CKA_CLASS still filled");
        c.eq(mixed[1].ulValueLen, CK_UNAVAILABLE_INFORMATION, "invalid one unavailable");
        c.eq(mixed[2].ulValueLen, 1UL, "CKA_ID still filled");
        c.eq(id[0], 0x01, "CKA_ID value");
        // Sensitive components of the private key.
        for (CK_ATTRIBUTE_TYPE t : { CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                 CKA_EXPONENT_2, CKA_COEFFICIENT }) {
            CK_ATTRIBUTE a { t, nullptr, 0 };
            expectRv(c, m.getAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_SENSITIVE,
                "sensitive 0x" + std::to_string(t));
            c.eq(a.ulValueLen, CK_UNAVAILABLE_INFORMATION, "sensitive length");
        }
        CK_ATTRIBUTE bogus { 0x7FFFFFF0UL, nullptr, 0 };
        expectRv(c, m.getAttributeValue(s, priv, &bogus, 1), CKR_ATTRIBUTE_TYPE_INVALID,
            "unknown attribute type");
        CK_ATTRIBUTE v { CKA_CLASS, nullptr, 0 };
        expectRv(c, rvOf([&] { return m.getAttributeValue(s, 99999, &v, 1); }),
            CKR_OBJECT_HANDLE_INVALID, "object 99999");
        expectRv(c, rvOf([&] { return m.getAttributeValue(77777, cert, &v, 1); }),
            CKR_SESSION_HANDLE_INVALID, "session 77777");
    });
}

void dataObjects_rawEfs(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const auto& files = f->images->st.files;
        int seen = 0;
        for (CK_OBJECT_HANDLE o : findClass(m, s, CKO_DATA)) {
            const std::string label(asString(attribute(m, s, o, CKA_LABEL)));
            c.eq(std::string(asString(attribute(m, s, o, CKA_APPLICATION))), std::string("TS-CNS"),
                label + " application");
            c.that(!boolAttribute(m, s, o, CKA_PRIVATE), label + " public");
            c.eq(attribute(m, s, o, CKA_OBJECT_ID).size(), 0, label + " no object ID");
            if (label == "EF_IDCarta") {
                ++seen;
                c.bytes(attribute(m, s, o, CKA_VALUE),
                    files.at(vcard::parseFilePath("3F00/1000/1003")), "EF_IDCarta value");
            } else if (label == "EF_DatiPersonali") {
                ++seen;
                c.bytes(attribute(m, s, o, CKA_VALUE),
                    files.at(vcard::parseFilePath("3F00/1100/1102")), "EF_DatiPersonali value");
            } else {
                c.report("unexpected data object " + label);
            }
        }
        c.eq(seen, 2, "both EFs");
    });
}

void objects_readOnlyToken_refusesChanges(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0, true);
        const CK_OBJECT_HANDLE cert = findClass(m, s, CKO_CERTIFICATE).at(0);
        expectRv(c, rvOf([&] { m.createObject(s); }), CKR_TOKEN_WRITE_PROTECTED, "create");
        expectRv(
            c, rvOf([&] { m.modifyObject(s, cert); }), CKR_ACTION_PROHIBITED, "set/copy/destroy");
        expectRv(c, rvOf([&] { m.modifyObject(s, 99999); }), CKR_OBJECT_HANDLE_INVALID,
            "unknown object");
        c.that(m.objectSize(s, cert) > 0, "object size");
        c.eq(find(m, s).size(), 4, "nothing changed (4 public objects)");
    });
}

void idemiaCard_objectsFromTheOtherLayout(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const CK_OBJECT_HANDLE cert = findClass(m, s, CKO_CERTIFICATE).at(0);
        c.bytes(attribute(m, s, cert, CKA_VALUE), certificateDer(f->images->idemia),
            "certificate from 1400/9001/2002");
        c.noThrow([&] { loginUser(m, s); }, "login");
        c.eq(findClass(m, s, CKO_PRIVATE_KEY).size(), 1, "private key");
    });
}

} // namespace

int runObjectTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            findObjects_beforeLogin_privateKeyHidden, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(findObjects_operationRules, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            certificate_attributes_matchTheCard, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            keys_attributes_shareIdLabelAndModulus, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(getAttributeValue_specSemantics, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(dataObjects_rawEfs, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            objects_readOnlyToken_refusesChanges, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            idemiaCard_objectsFromTheOtherLayout, idemiaSetup, fixtureTeardown),
    };
    return cmocka_run_group_tests_name("pkcs11 objects", tests, imagesSetup, imagesTeardown);
}
