// SPDX-License-Identifier: LGPL-2.1-or-later
// Personalization and the card image: determinism, card ID, codice fiscale, EF_DatiPersonali
// layout, the CNS certificate profile, option checks, corrupt and faulty images.
#include "tscns/vcard/identity.hpp"
#include "tscns/vcard/personalize.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <set>

// Last: it brings cmocka, whose fail() macro clashes with std::basic_ios::fail().
#include "card_test_support.hpp"

using namespace tscns;
using namespace tscns::vcard;
using namespace tscns::vcard::test;
namespace fs = std::filesystem;

namespace {

CardFixture* fx(void** state)
{
    return static_cast<CardFixture*>(*state);
}

Bytes readFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

void writeText(const fs::path& p, std::string_view text)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

// Every file of two image directories is byte-identical.
bool sameTree(CardFixture* f, const fs::path& a, const fs::path& b)
{
    std::set<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(a))
        if (e.is_regular_file()) names.insert(fs::relative(e.path(), a).string());
    for (const auto& e : fs::recursive_directory_iterator(b))
        if (e.is_regular_file()) names.insert(fs::relative(e.path(), b).string());
    for (const std::string& name : names) {
        if (readFile(a / name) != readFile(b / name) || !fs::exists(a / name)
            || !fs::exists(b / name)) {
            f->error = "image files differ: " + name;
            return false;
        }
    }
    if (names.size() < 8) {
        f->error = "image has only " + std::to_string(names.size()) + " files";
        return false;
    }
    return true;
}

bool personalizeTo(CardFixture* f, const fs::path& dir, const PersonalizeOptions& o)
{
    try {
        writeCardImage(dir, personalize(o), false);
        return true;
    } catch (const std::exception& e) {
        f->error = std::string("personalize failed: ") + e.what();
        return false;
    }
}

// ---- determinism --------------------------------------------------------------------------------

bool sameSeedGivesSameCard(CardFixture* f)
{
    PersonalizeOptions o; // as card_test_support personalizes images->st
    o.profile = "st-cns11";
    o.seed = 11;
    o.pin = "12345";
    o.puk = "87654321";
    const fs::path again = f->dir / "again";
    return personalizeTo(f, again, o) && sameTree(f, f->images->st, again);
}

bool defaultsComeFromTheSeed(CardFixture* f)
{
    PersonalizeOptions o {};
    o.profile = "athena-cns10";
    o.seed = 4242;
    o.region = "090";
    CardImage a;
    CardImage b;
    try {
        a = personalize(o);
        b = personalize(o);
        o.seed = 4243;
        const CardImage c = personalize(o);
        if (c.record.cardId == a.record.cardId || c.certPem == a.certPem || c.keyPem == a.keyPem) {
            f->error = "another seed gave the same card ID, certificate or key";
            return false;
        }
    } catch (const std::exception& e) {
        f->error = e.what();
        return false;
    }
    const auto digits = [](const std::string& s, std::size_t n) {
        if (s.size() != n) return false;
        for (char c : s)
            if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
        return true;
    };
    if (a.record.pin != b.record.pin || a.record.puk != b.record.puk || a.keyPem != b.keyPem
        || a.certPem != b.certPem || a.caKeyPem != b.caKeyPem || a.files != b.files) {
        f->error = "same seed, different card";
        return false;
    }
    if (!digits(a.record.pin, 5) || !digits(a.record.puk, 8)) {
        f->error = "default PIN/PUK: " + a.record.pin + " / " + a.record.puk;
        return false;
    }
    if (a.record.cardId.rfind("6090", 0) != 0 || a.record.issuer != "6090"
        || a.record.keyBits != 1024) {
        f->error = "region 090 / key size not applied: " + a.record.cardId;
        return false;
    }
    return true;
}

// A renewal: another seed with the first card's holder seed is the same person from the same CA,
// with a card ID, key and certificate of its own.
bool holderSeedGivesAnotherCardOfTheSamePerson(CardFixture* f)
{
    PersonalizeOptions o {};
    o.seed = 501;
    PersonalizeOptions renewal {};
    renewal.seed = 502;
    renewal.holderSeed = 501;
    try {
        const CardImage a = personalize(o);
        const CardImage b = personalize(renewal);
        const CardRecord& ra = a.record;
        const CardRecord& rb = b.record;
        if (ra.codiceFiscale != rb.codiceFiscale || ra.surname != rb.surname
            || ra.givenName != rb.givenName || ra.birthDate != rb.birthDate) {
            f->error = "another holder: " + ra.codiceFiscale + " / " + rb.codiceFiscale;
            return false;
        }
        if (a.caCertPem != b.caCertPem || a.caKeyPem != b.caKeyPem) {
            f->error = "the renewal card has another CA";
            return false;
        }
        if (ra.cardId == rb.cardId || a.certPem == b.certPem || a.keyPem == b.keyPem) {
            f->error = "the renewal card has the first card's ID, certificate or key";
            return false;
        }
    } catch (const std::exception& e) {
        f->error = e.what();
        return false;
    }
    return true;
}

void personalize_holderSeed_samePersonSameCa(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, holderSeedGivesAnotherCardOfTheSamePerson(f));
}

void personalize_sameSeed_identicalImage(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, sameSeedGivesSameCard(f));
}

void personalize_defaults_deterministicFromSeed(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, defaultsComeFromTheSeed(f));
}

// ---- holder data and EFs -----------------------------------------------------------------------

bool checkRecord(CardFixture* f)
{
    const CardRecord& r = f->image.record;
    const Bytes idCarta = f->image.files.at(parseFilePath("3F00/1000/1003"));
    std::string cf;
    try {
        const Date birth = Date::parseIso(r.birthDate);
        cf = codiceFiscale(r.surname, r.givenName, birth, r.sex.at(0), r.birthPlace);
        const Date issue = Date::parseIso(r.issueDate);
        if (!(Date::parseIso(r.expiryDate) == issue.plusYears(6))) {
            f->error = "expiry is not issue + 6 years";
            return false;
        }
    } catch (const std::exception& e) {
        f->error = e.what();
        return false;
    }
    if (cf != r.codiceFiscale || !codiceFiscaleValid(r.codiceFiscale)) {
        f->error = "codice fiscale " + r.codiceFiscale + " != recomputed " + cf;
        return false;
    }
    if (r.cardId.size() != 16 || r.cardId.rfind("6030", 0) != 0 || !luhnValid(r.cardId)) {
        f->error = "card ID " + r.cardId + " (expected 6030 + 11 digits + Luhn digit)";
        return false;
    }
    if (idCarta != Bytes(r.cardId.begin(), r.cardId.end())) {
        f->error = "EF_IDCarta is not the 16 ASCII digits of the card ID";
        return false;
    }
    if (r.format != 1 || r.profile != "st-cns11" || r.issuer != "6030" || r.keyBits != 2048
        || r.seed != 11 || r.atrHex != toHexSpaced(findProfile("st-cns11")->atr())) {
        f->error = "record fields";
        return false;
    }
    if (f->image.state.pinTriesLeft != 3 || f->image.state.pukTriesLeft != 10
        || f->image.state.pin != "12345" || f->image.state.puk != "87654321") {
        f->error = "state.json";
        return false;
    }
    return true;
}

void personalize_record_validIdsAndDates(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, checkRecord(f));
}

// Parses EF_DatiPersonali by the rules of cns-card.md §3 and compares with the record.
bool checkDatiPersonali(CardFixture* f)
{
    const Bytes& ef = f->image.files.at(parseFilePath("3F00/1100/1102"));
    const CardRecord& r = f->image.record;
    if (ef.size() != 400) {
        f->error = "EF_DatiPersonali size " + std::to_string(ef.size());
        return false;
    }
    const std::string text(ef.begin(), ef.end());
    const std::size_t header = std::stoul(text.substr(0, 6), nullptr, 16);
    std::vector<std::string> fields;
    std::size_t pos = 6;
    while (pos < ef.size() && ef[pos] != 0 && fields.size() < 16) {
        for (std::size_t k = pos; k < pos + 2; ++k)
            if (std::isxdigit(static_cast<unsigned char>(text[k])) == 0
                || std::islower(static_cast<unsigned char>(text[k])) != 0) {
                f->error
                    = "field length is not two upper-case hex digits at " + std::to_string(pos);
                return false;
            }
        const std::size_t len = std::stoul(text.substr(pos, 2), nullptr, 16);
        fields.push_back(text.substr(pos + 2, len));
        pos += 2 + len;
    }
    if (fields.size() != 16 || header != pos) {
        f->error = "fields " + std::to_string(fields.size()) + ", header " + std::to_string(header)
            + ", data end " + std::to_string(pos);
        return false;
    }
    for (std::size_t i = pos; i < ef.size(); ++i)
        if (ef[i] != 0) {
            f->error = "padding is not zero";
            return false;
        }
    const auto ddmmyyyy = [](const std::string& iso) { return Date::parseIso(iso).ddmmyyyy(); };
    const std::string expected[16] = { r.issuer, ddmmyyyy(r.issueDate), ddmmyyyy(r.expiryDate),
        r.surname, r.givenName, ddmmyyyy(r.birthDate), r.sex, "", r.codiceFiscale, "", r.birthPlace,
        "", "", r.residence, "", "" };
    for (std::size_t i = 0; i < 16; ++i) {
        if (fields[i] != expected[i]) {
            f->error = "field " + std::to_string(i + 1) + " = '" + fields[i] + "', expected '"
                + expected[i] + "'";
            return false;
        }
    }
    // TS-CNS population: 1-7, 9, 11, 14 filled.
    for (int i : { 0, 1, 2, 3, 4, 5, 6, 8, 10, 13 })
        if (fields[static_cast<std::size_t>(i)].empty()) {
            f->error = "field " + std::to_string(i + 1) + " is empty";
            return false;
        }
    return true;
}

void personalize_datiPersonali_followsEncoding(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, checkDatiPersonali(f));
}

// ---- certificates ------------------------------------------------------------------------------

struct CertCheck {
    X509* cert = nullptr;
    X509* ca = nullptr;
    EVP_PKEY* key = nullptr;
    ~CertCheck()
    {
        X509_free(cert);
        X509_free(ca);
        EVP_PKEY_free(key);
    }
};

X509* readPemCert(const std::string& pem)
{
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
}

std::string nameEntry(X509_NAME* name, int nid)
{
    const int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0) return {};
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    return { reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
        static_cast<std::size_t>(ASN1_STRING_length(s)) };
}

std::string base64Sha1(const Bytes& data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdLen = 0;
    EVP_Digest(data.data(), data.size(), md, &mdLen, EVP_sha1(), nullptr);
    unsigned char out[64];
    const int n = EVP_EncodeBlock(out, md, static_cast<int>(mdLen));
    return { reinterpret_cast<char*>(out), static_cast<std::size_t>(n) };
}

bool bad(CardFixture* f, const std::string& what)
{
    f->error = what;
    ERR_clear_error();
    return false;
}

bool checkCertificates(CardFixture* f)
{
    CertCheck c;
    c.cert = readPemCert(f->image.certPem);
    c.ca = readPemCert(f->image.caCertPem);
    if (c.cert == nullptr || c.ca == nullptr) return bad(f, "cert.pem / ca.pem do not parse");
    const CardRecord& r = f->image.record;

    // Subject: CN = <CF>/<card ID>.<base64 SHA-1 of the 400-byte EF_DatiPersonali>, OU, C = IT.
    X509_NAME* subject = X509_get_subject_name(c.cert);
    const std::string cn = nameEntry(subject, NID_commonName);
    const std::string expectedCn = r.codiceFiscale + "/" + r.cardId + "."
        + base64Sha1(f->image.files.at(parseFilePath("3F00/1100/1102")));
    if (cn != expectedCn) return bad(f, "CN " + cn + " != " + expectedCn);
    if (expectedCn.size() != 16 + 1 + 16 + 1 + 28) return bad(f, "CN length");
    if (nameEntry(subject, NID_countryName) != "IT") return bad(f, "C != IT");
    if (nameEntry(subject, NID_organizationalUnitName).empty()) return bad(f, "no OU");
    if (nameEntry(subject, NID_surname) != r.surname
        || nameEntry(subject, NID_givenName) != r.givenName)
        return bad(f, "SN / GN");
    if (X509_NAME_cmp(X509_get_issuer_name(c.cert), X509_get_subject_name(c.ca)) != 0)
        return bad(f, "issuer is not the CA");
    if (nameEntry(X509_get_subject_name(c.ca), NID_commonName) != "tscns Test CA 11")
        return bad(f, "CA CN");

    // Extensions.
    const std::uint32_t ku = X509_get_key_usage(c.cert);
    if ((ku & KU_DIGITAL_SIGNATURE) == 0 || (ku & KU_KEY_ENCIPHERMENT) == 0
        || (ku & KU_NON_REPUDIATION) != 0)
        return bad(f, "keyUsage");
    int crit = -1;
    ASN1_BIT_STRING* kuExt
        = static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(c.cert, NID_key_usage, &crit, nullptr));
    ASN1_BIT_STRING_free(kuExt);
    if (crit != 1) return bad(f, "keyUsage not critical");
    if ((X509_get_extended_key_usage(c.cert) & XKU_SSL_CLIENT) == 0) return bad(f, "no clientAuth");
    auto* policies = static_cast<CERTIFICATEPOLICIES*>(
        X509_get_ext_d2i(c.cert, NID_certificate_policies, nullptr, nullptr));
    bool cnsPolicy = false;
    for (int i = 0; policies != nullptr && i < sk_POLICYINFO_num(policies); ++i) {
        char oid[64];
        OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(policies, i)->policyid, 1);
        cnsPolicy = cnsPolicy || std::string(oid) == "1.3.76.16.2.1";
    }
    CERTIFICATEPOLICIES_free(policies);
    if (!cnsPolicy) return bad(f, "no certificate policy 1.3.76.16.2.1");
    if (X509_get0_subject_key_id(c.cert) == nullptr
        || X509_get0_authority_key_id(c.cert) == nullptr)
        return bad(f, "SKI / AKI missing");
    if (X509_get_signature_nid(c.cert) != NID_sha256WithRSAEncryption)
        return bad(f, "signature alg");
    if (X509_check_ca(c.cert) != 0) return bad(f, "end-entity certificate is a CA");

    // CA: basicConstraints CA:TRUE critical, keyCertSign + cRLSign; it signed the certificate.
    if (X509_check_ca(c.ca) != 1) return bad(f, "CA basicConstraints");
    BASIC_CONSTRAINTS* bc = static_cast<BASIC_CONSTRAINTS*>(
        X509_get_ext_d2i(c.ca, NID_basic_constraints, &crit, nullptr));
    const bool caTrue = bc != nullptr && bc->ca != 0;
    BASIC_CONSTRAINTS_free(bc);
    if (!caTrue || crit != 1) return bad(f, "CA basicConstraints not critical CA:TRUE");
    if ((X509_get_key_usage(c.ca) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
        != (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
        return bad(f, "CA keyUsage");
    EVP_PKEY* caKey = X509_get0_pubkey(c.ca);
    if (X509_verify(c.cert, caKey) != 1) return bad(f, "certificate not signed by the CA");

    // Validity: issue date to expiry date (6 years).
    ASN1_TIME* from = ASN1_TIME_new();
    ASN1_TIME* to = ASN1_TIME_new();
    const Date issue = Date::parseIso(r.issueDate);
    const Date expiry = Date::parseIso(r.expiryDate);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d000000Z", issue.year, issue.month, issue.day);
    ASN1_TIME_set_string_X509(from, buf);
    std::snprintf(buf, sizeof buf, "%04d%02d%02d235959Z", expiry.year, expiry.month, expiry.day);
    ASN1_TIME_set_string_X509(to, buf);
    const bool datesOk = ASN1_TIME_compare(from, X509_get0_notBefore(c.cert)) == 0
        && ASN1_TIME_compare(to, X509_get0_notAfter(c.cert)) == 0;
    ASN1_TIME_free(from);
    ASN1_TIME_free(to);
    if (!datesOk) return bad(f, "validity is not issue date .. expiry date");

    // The EF holds the same certificate in DER; key.pem is its private key.
    unsigned char* der = nullptr;
    const int derLen = i2d_X509(c.cert, &der);
    const Bytes derBytes(der, der + derLen);
    OPENSSL_free(der);
    if (derBytes != f->image.files.at(parseFilePath("3F00/1100/1101")))
        return bad(f, "EF 1101 is not cert.pem in DER");
    BIO* bio = BIO_new_mem_buf(f->image.keyPem.data(), static_cast<int>(f->image.keyPem.size()));
    c.key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (c.key == nullptr || EVP_PKEY_eq(c.key, X509_get0_pubkey(c.cert)) != 1)
        return bad(f, "key.pem does not match cert.pem");
    if (EVP_PKEY_get_bits(c.key) != 2048) return bad(f, "key size");
    ERR_clear_error();
    return true;
}

void personalize_certificate_hasCnsProfile(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, checkCertificates(f));
}

// ---- options --------------------------------------------------------------------------------

void personalize_badOptions_rejected(void**)
{
    const auto withPin = [](const char* pin) {
        return [pin] {
            PersonalizeOptions o {};
            o.pin = pin;
            checkPersonalizeOptions(o);
        };
    };
    TSCNS_EXPECT_ERROR(Errc::BadArgument, withPin("1234"));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, withPin("123456789"));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, withPin("12a45"));
    TSCNS_NO_THROW(withPin("12345678"));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        PersonalizeOptions o {};
        o.puk = "1234567";
        checkPersonalizeOptions(o);
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        PersonalizeOptions o {};
        o.keyBits = 512;
        (void)personalize(o);
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        PersonalizeOptions o {};
        o.region = "30";
        checkPersonalizeOptions(o);
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        PersonalizeOptions o {};
        o.profile = "st-cns12";
        checkPersonalizeOptions(o);
    });
    const auto withAtr = [](const char* atr) {
        return [atr] {
            PersonalizeOptions o {};
            o.atrHex = atr;
            checkPersonalizeOptions(o);
        };
    };
    TSCNS_EXPECT_ERROR(Errc::BadArgument, withAtr("3B")); // too short
    TSCNS_EXPECT_ERROR(Errc::BadArgument, withAtr("3BZZ"));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, withAtr("3F021450")); // not direct convention
    TSCNS_NO_THROW(withAtr("3B 02 14 50"));
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        PersonalizeOptions o {};
        o.cardId = "123456789012345";
        checkPersonalizeOptions(o);
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        PersonalizeOptions o {};
        o.quirks.efSize = 2048; // without padding
        checkPersonalizeOptions(o);
    });
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] {
        PersonalizeOptions o {};
        o.quirks.aidRequired = true; // st-cns11 has no CNS application
        checkPersonalizeOptions(o);
    });
}

// ---- image directory
// -----------------------------------------------------------------------------

void image_layoutPerProfile(void** state)
{
    CardFixture* f = fx(state);
    bool ok = false;
    TSCNS_NO_THROW([&] {
        const CardImage idemia = readCardImage(f->images->idemia);
        const CardImage foreign = readCardImage(f->images->foreign);
        std::set<std::string> names;
        for (const auto& entry : idemia.files)
            names.insert(filePathName(entry.first));
        ok = names
                == std::set<std::string> { "3F00-1000-1003", "3F00-1100-1102", "3F00-1400-1000",
                       "3F00-1400-9001-2002" }
            && foreign.files.empty() && idemia.record.keyBits == 2048;
    });
    assert_true(ok);
}

bool expectLoadError(CardFixture* f, const char* what, const std::string& needle)
{
    try {
        (void)VirtualCnsCard::load(f->dir);
    } catch (const Error& e) {
        if (e.code() != Errc::BadArgument || e.message().find(needle) == std::string::npos) {
            f->error = std::string(what) + ": unexpected error " + e.message();
            return false;
        }
        return true;
    }
    f->error = std::string(what) + ": loaded without error";
    return false;
}

bool corruptImagesAreRejected(CardFixture* f)
{
    const fs::path card = f->dir / "card.json";
    const Bytes original = readFile(card);
    const std::string text(original.begin(), original.end());
    const auto replaced = [&](const std::string& from, const std::string& to) {
        std::string t = text;
        t.replace(t.find(from), from.size(), to);
        return t;
    };
    bool ok = true;
    writeText(card, "{ not json");
    ok = ok && expectLoadError(f, "bad JSON", "invalid JSON");
    writeText(card, replaced("\"format\": 1", "\"format\": 1e400"));
    ok = ok && expectLoadError(f, "number out of range", "invalid JSON");
    writeText(card, replaced("\"st-cns11\"", "\"st-cns99\""));
    ok = ok && expectLoadError(f, "unknown profile", "unknown card profile 'st-cns99'");
    writeText(card, replaced("\"3B FF", "\"3X FF"));
    ok = ok && expectLoadError(f, "bad ATR", "\"atr\" is not valid hex");
    writeText(card, replaced("\"format\": 1", "\"format\": 2"));
    ok = ok && expectLoadError(f, "format", "unsupported format 2");
    writeText(card, replaced("\"pin\"", "\"pinX\""));
    ok = ok && expectLoadError(f, "no pin", "missing field \"pin\"");
    writeText(card, text);
    fs::rename(f->dir / "key.pem", f->dir / "key.bak");
    ok = ok && expectLoadError(f, "no key", "key.pem is missing");
    writeText(f->dir / "key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    ok = ok && expectLoadError(f, "bad key", "key.pem does not hold an RSA private key");
    fs::rename(f->dir / "key.bak", f->dir / "key.pem");
    writeText(f->dir / "ef" / "3F00-1100-1102~", "x");
    ok = ok && expectLoadError(f, "bad EF name", "bad EF file name");
    fs::remove(f->dir / "ef" / "3F00-1100-1102~");
    writeText(f->dir / "ef" / "3F00-1100-1102-0001", "x");
    ok = ok && expectLoadError(f, "EF under an EF", "used both as an EF and as the DF");
    fs::remove(f->dir / "ef" / "3F00-1100-1102-0001");
    const Bytes stateText = readFile(f->dir / "state.json");
    writeText(f->dir / "state.json",
        "{\"pin\":\"12345\",\"puk\":\"87654321\",\"pinTriesLeft\":7,\"pukTriesLeft\":10}");
    ok = ok && expectLoadError(f, "tries", "\"pinTriesLeft\" must be 0..3");
    writeText(f->dir / "state.json", std::string(stateText.begin(), stateText.end()));
    fs::remove(card);
    ok = ok && expectLoadError(f, "no card.json", "card.json is missing");
    writeText(card, text);
    return ok;
}

void image_corrupt_rejectedWithClearMessages(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_EXPECT_ERROR(Errc::BadArgument, [] { (void)VirtualCnsCard::load("/nonexistent/tscns"); });
    bool ok = false;
    TSCNS_NO_THROW([&] { ok = corruptImagesAreRejected(f); });
    if (!ok) fail_msg("%s", f->error.c_str());
    VT_CHECK(f, reload(f)); // restored image loads again
}

bool faultyCard(CardFixture* f)
{
    fs::remove(f->dir / "ef" / "3F00-1100-1101");
    writeText(f->dir / "ef" / "3F00-1000-1003", "60300123");
    fs::remove(f->dir / "state.json"); // recreated from card.json
    return reload(f) && fs::exists(f->dir / "state.json");
}

void image_faultyEfs_servedAsTheyAre(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, faultyCard(f));
    VT_CHECK(f, exchange(f, "00A4080C0411001101", 0x6A82));
    VT_CHECK(f, exchange(f, "00A4080C0410001003", 0x9000));
    VT_CHECK(f, exchange(f, "00B00000FF", 0x9000, "3630333030313233"));
    VT_CHECK(f,
        exchange(f, "00A40800041000100300", 0x9000,
            "6F19 80020008 820101 83021003 860900FFFFFFFFFFFFFFFF 8A0105"));
}

bool overwriteRules(CardFixture* f)
{
    CardImage image;
    try {
        image = readCardImage(f->dir);
    } catch (const std::exception& e) {
        f->error = e.what();
        return false;
    }
    const std::string m = tscns::test::errorMismatch(
        Errc::BadArgument, [&] { writeCardImage(f->dir, image, false); });
    if (!m.empty()) {
        f->error = "overwrite without force: " + m;
        return false;
    }
    writeText(f->dir / "ef" / "3F00-1200-1201", "stale");
    image.state.pinTriesLeft = 1;
    try {
        writeCardImage(f->dir, image, true);
    } catch (const std::exception& e) {
        f->error = std::string("overwrite with force: ") + e.what();
        return false;
    }
    if (fs::exists(f->dir / "ef" / "3F00-1200-1201")) {
        f->error = "--force kept a stale EF";
        return false;
    }
    return reload(f);
}

void image_overwriteNeedsForce(void** state)
{
    CardFixture* f = fx(state);
    VT_CHECK(f, overwriteRules(f));
    assert_int_equal(f->card->pinTriesLeft(), 1);
}

} // namespace

int main()
{
#define ST(t) cmocka_unit_test_setup_teardown(t, stSetup, cardTeardown)
    const struct CMUnitTest tests[] = {
        ST(personalize_sameSeed_identicalImage),
        ST(personalize_defaults_deterministicFromSeed),
        ST(personalize_holderSeed_samePersonSameCa),
        ST(personalize_record_validIdsAndDates),
        ST(personalize_datiPersonali_followsEncoding),
        ST(personalize_certificate_hasCnsProfile),
        cmocka_unit_test(personalize_badOptions_rejected),
        ST(image_layoutPerProfile),
        ST(image_corrupt_rejectedWithClearMessages),
        ST(image_faultyEfs_servedAsTheyAre),
        ST(image_overwriteNeedsForce),
    };
    return cmocka_run_group_tests(tests, imagesSetup, imagesTeardown);
}
