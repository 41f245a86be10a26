// SPDX-License-Identifier: LGPL-2.1-or-later
// Test material for the verifier tests.
#include "fixture.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/vcard/personalize.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>
#include <unistd.h>

namespace tscns::verifier::test {

namespace fs = std::filesystem;

namespace {

    template <auto Free> struct Deleter {
        template <typename T> void operator()(T* p) const noexcept { Free(p); }
    };
    using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
    using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
    using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
    using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

    [[noreturn]] void opensslFailed(const std::string& what)
    {
        std::string detail;
        unsigned long e = 0;
        while ((e = ERR_get_error()) != 0) {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof buf);
            detail += std::string("; ") + buf;
        }
        throw Error(Errc::Internal, "test material: " + what + detail);
    }

    std::string readText(const fs::path& p)
    {
        std::ifstream in(p, std::ios::binary);
        if (!in) throw Error(Errc::Internal, "cannot read " + p.string());
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    void writeBytes(const fs::path& p, std::string_view data)
    {
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out << data;
        if (!out) throw Error(Errc::Internal, "cannot write " + p.string());
    }

    BioPtr memBio(std::string_view text)
    {
        BioPtr b(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
        if (!b) opensslFailed("BIO_new_mem_buf");
        return b;
    }

    X509Ptr readCert(const fs::path& p)
    {
        const std::string pem = readText(p);
        BioPtr b = memBio(pem);
        X509Ptr x(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
        if (!x) opensslFailed("PEM certificate " + p.string());
        return x;
    }

    PkeyPtr readKey(const fs::path& p)
    {
        const std::string pem = readText(p);
        BioPtr b = memBio(pem);
        PkeyPtr k(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
        if (!k) opensslFailed("PEM key " + p.string());
        return k;
    }

    X509Ptr fromDer(ByteView der)
    {
        const unsigned char* p = der.data();
        X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!x) opensslFailed("d2i_X509");
        return x;
    }

    Bytes toDer(X509* x)
    {
        unsigned char* buf = nullptr;
        const int n = i2d_X509(x, &buf);
        if (n <= 0) opensslFailed("i2d_X509");
        Bytes out(buf, buf + n);
        OPENSSL_free(buf);
        return out;
    }

    TimePoint timeOf(const ASN1_TIME* t)
    {
        std::tm tm {};
        if (ASN1_TIME_to_tm(t, &tm) != 1) opensslFailed("ASN1_TIME_to_tm");
        return Clock::from_time_t(timegm(&tm));
    }

    std::string serialHex(X509* x)
    {
        std::unique_ptr<BIGNUM, Deleter<BN_free>> bn(
            ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
        char* s = BN_bn2hex(bn.get());
        std::string out(s);
        OPENSSL_free(s);
        return out;
    }

    Card personalizeCard(
        const fs::path& root, const char* name, const char* profile, std::uint64_t seed)
    {
        vcard::PersonalizeOptions o;
        o.profile = profile;
        o.seed = seed;
        o.pin = "12345";
        o.puk = "87654321";
        const vcard::CardImage image = vcard::personalize(o);
        Card c;
        c.dir = root / name;
        vcard::writeCardImage(c.dir, image, false);
        c.codiceFiscale = image.record.codiceFiscale;
        c.cardId = image.record.cardId;
        const X509Ptr cert = readCert(c.dir / "cert.pem");
        c.certDer = toDer(cert.get());
        const X509Ptr ca = readCert(c.dir / "ca.pem");
        c.caDer = toDer(ca.get());
        c.serialHex = serialHex(cert.get());
        c.notBefore = timeOf(X509_get0_notBefore(cert.get()));
        c.notAfter = timeOf(X509_get0_notAfter(cert.get()));
        return c;
    }

    void replaceExtension(X509* x, int nid, const char* value, X509* issuer)
    {
        const int at = X509_get_ext_by_NID(x, nid, -1);
        if (at >= 0) X509_EXTENSION_free(X509_delete_ext(x, at));
        if (value == nullptr) return;
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
        X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
        if (ext == nullptr || X509_add_ext(x, ext, -1) != 1) opensslFailed(OBJ_nid2sn(nid));
        X509_EXTENSION_free(ext);
    }

    /// Card A's certificate changed by `mutate`, signed again by `issuerKey`.
    Bytes reissue(ByteView der, EVP_PKEY* issuerKey, const std::function<void(X509*)>& mutate,
        const EVP_MD* md = EVP_sha256())
    {
        X509Ptr x = fromDer(der);
        mutate(x.get());
        if (X509_sign(x.get(), issuerKey, md) <= 0) opensslFailed("X509_sign");
        return toDer(x.get());
    }

    void setPolicy(X509* x, const char* oid)
    {
        const int at = X509_get_ext_by_NID(x, NID_certificate_policies, -1);
        if (at >= 0) X509_EXTENSION_free(X509_delete_ext(x, at));
        CERTIFICATEPOLICIES* pols = sk_POLICYINFO_new_null();
        POLICYINFO* info = POLICYINFO_new();
        if (pols == nullptr || info == nullptr) opensslFailed("POLICYINFO_new");
        ASN1_OBJECT_free(info->policyid);
        info->policyid = OBJ_txt2obj(oid, 1);
        sk_POLICYINFO_push(pols, info);
        if (X509_add1_ext_i2d(x, NID_certificate_policies, pols, 0, 0) != 1)
            opensslFailed("certificatePolicies");
        CERTIFICATEPOLICIES_free(pols);
    }

    void setCommonName(X509* x, const char* cn)
    {
        X509_NAME* name = X509_get_subject_name(x);
        const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
        if (at >= 0) X509_NAME_ENTRY_free(X509_NAME_delete_entry(name, at));
        if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                reinterpret_cast<const unsigned char*>(cn), -1, -1, 0)
            != 1)
            opensslFailed("CN");
    }

    /// A CRL by `caCert`/`caKey` listing `revokedSerials` (hex), valid from..until.
    void writeCrl(const fs::path& out, X509* caCert, EVP_PKEY* caKey,
        const std::vector<std::string>& revokedSerials, TimePoint from, TimePoint until,
        const EVP_MD* md = EVP_sha256())
    {
        CrlPtr crl(X509_CRL_new());
        if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1
            || X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(caCert)) != 1)
            opensslFailed("X509_CRL_new");
        std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>> t(
            ASN1_TIME_set(nullptr, Clock::to_time_t(from)));
        std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>> u(
            ASN1_TIME_set(nullptr, Clock::to_time_t(until)));
        if (!t || !u || X509_CRL_set1_lastUpdate(crl.get(), t.get()) != 1
            || X509_CRL_set1_nextUpdate(crl.get(), u.get()) != 1)
            opensslFailed("CRL times");
        for (const std::string& hex : revokedSerials) {
            BIGNUM* bn = nullptr;
            if (BN_hex2bn(&bn, hex.c_str()) == 0) opensslFailed("BN_hex2bn");
            ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
            BN_free(bn);
            X509_REVOKED* r = X509_REVOKED_new();
            if (serial == nullptr || r == nullptr || X509_REVOKED_set_serialNumber(r, serial) != 1
                || X509_REVOKED_set_revocationDate(r, t.get()) != 1
                || X509_CRL_add0_revoked(crl.get(), r) != 1)
                opensslFailed("X509_REVOKED");
            ASN1_INTEGER_free(serial);
        }
        std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>> number(ASN1_INTEGER_new());
        ASN1_INTEGER_set(number.get(), 7);
        if (X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1)
            opensslFailed("crlNumber");
        X509_CRL_sort(crl.get());
        if (X509_CRL_sign(crl.get(), caKey, md) <= 0) opensslFailed("X509_CRL_sign");
        BioPtr b(BIO_new(BIO_s_mem()));
        PEM_write_bio_X509_CRL(b.get(), crl.get());
        char* data = nullptr;
        const long n = BIO_get_mem_data(b.get(), &data);
        writeBytes(out, std::string_view(data, static_cast<std::size_t>(n)));
    }

    void writeCrl(const fs::path& out, const Card& ca, const std::vector<std::string>& revoked,
        TimePoint from, TimePoint until, CrlSigning signing = {})
    {
        const X509Ptr caCert = readCert(ca.ca());
        const PkeyPtr caKey = readKey((signing.signer != nullptr ? *signing.signer : ca).caKey());
        writeCrl(out, caCert.get(), caKey.get(), revoked, from, until,
            signing.sha1 ? EVP_sha1() : EVP_sha256());
    }

    void buildArtifacts(Artifacts& x)
    {
        x.root = makeTempDir("tscns-verifier");
        x.a = personalizeCard(x.root, "a", "st-cns11", 11);
        x.b = personalizeCard(x.root, "b", "st-cns11", 12);
        x.weak = personalizeCard(x.root, "weak", "athena-cns10", 13);
        // A month after the latest issue date (the seeds pick issue dates in 2023-2026): every
        // card valid.
        x.now = std::max({ x.a.notBefore, x.b.notBefore, x.weak.notBefore })
            + std::chrono::hours(24 * 30);
        if (x.now >= std::min({ x.a.notAfter, x.b.notAfter, x.weak.notAfter }))
            throw Error(Errc::Internal, "test cards not valid at the same time: pick other seeds");

        // CRLs from the earliest issue date to past the expiries, so that clock tests only see
        // the certificates' own validity.
        const TimePoint from = std::min({ x.a.notBefore, x.b.notBefore, x.weak.notBefore });
        const TimePoint until = x.a.notAfter + std::chrono::hours(24 * 400);
        x.crlA = x.root / "crl-a.pem";
        writeCrl(x.crlA, x.a, {}, from, until);
        x.crlARevoked = x.root / "crl-a-revoked.pem";
        writeCrl(x.crlARevoked, x.a, { x.a.serialHex }, from, until);
        x.crlWeak = x.root / "crl-weak.pem";
        writeCrl(x.crlWeak, x.weak, {}, from, until);

        const X509Ptr caCert = readCert(x.a.ca());
        const PkeyPtr caKey = readKey(x.a.caKey());
        x.certNoPolicy = reissue(x.a.certDer, caKey.get(),
            [](X509* c) { replaceExtension(c, NID_certificate_policies, nullptr, nullptr); });
        x.certOtherPolicy = reissue(
            x.a.certDer, caKey.get(), [](X509* c) { setPolicy(c, "1.3.159.6.1.3.2.10"); });
        x.certNonRepudiation = reissue(x.a.certDer, caKey.get(), [&](X509* c) {
            replaceExtension(c, NID_key_usage, "critical,nonRepudiation", caCert.get());
        });
        x.certEmailEku = reissue(x.a.certDer, caKey.get(), [&](X509* c) {
            replaceExtension(c, NID_ext_key_usage, "emailProtection", caCert.get());
        });
        x.certWithCdp = reissue(x.a.certDer, caKey.get(), [&](X509* c) {
            replaceExtension(c, NID_crl_distribution_points,
                ("URI:" + std::string(kCdpUrl)).c_str(), caCert.get());
        });
        x.certSha1 = reissue(
            x.a.certDer, caKey.get(), [](X509*) {}, EVP_sha1());
        x.certBadCn = reissue(
            x.a.certDer, caKey.get(), [](X509* c) { setCommonName(c, "RSSMRA80A01F205X"); });

        // Intermediate CA under CA A with a fresh key, and card A's key certified by it.
        PkeyPtr interKey(EVP_RSA_gen(2048));
        X509Ptr inter(X509_new());
        if (!interKey || !inter) opensslFailed("intermediate");
        X509_set_version(inter.get(), X509_VERSION_3);
        ASN1_INTEGER_set(X509_get_serialNumber(inter.get()), 4242);
        X509_NAME* name = X509_get_subject_name(inter.get());
        X509_NAME_add_entry_by_txt(
            name, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("IT"), -1, -1, 0);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
            reinterpret_cast<const unsigned char*>("tscns Test Intermediate"), -1, -1, 0);
        X509_set_issuer_name(inter.get(), X509_get_subject_name(caCert.get()));
        X509_set1_notBefore(inter.get(), X509_get0_notBefore(caCert.get()));
        X509_set1_notAfter(inter.get(), X509_get0_notAfter(caCert.get()));
        X509_set_pubkey(inter.get(), interKey.get());
        replaceExtension(inter.get(), NID_basic_constraints, "critical,CA:TRUE", caCert.get());
        replaceExtension(inter.get(), NID_key_usage, "critical,keyCertSign,cRLSign", caCert.get());
        replaceExtension(inter.get(), NID_subject_key_identifier, "hash", caCert.get());
        replaceExtension(inter.get(), NID_authority_key_identifier, "keyid:always", caCert.get());
        if (X509_sign(inter.get(), caKey.get(), EVP_sha256()) <= 0)
            opensslFailed("sign intermediate");
        x.intermediateDer = toDer(inter.get());
        x.leafUnderIntermediate = reissue(x.a.certDer, interKey.get(), [&](X509* c) {
            X509_set_issuer_name(c, X509_get_subject_name(inter.get()));
            replaceExtension(c, NID_authority_key_identifier, "keyid:always", inter.get());
        });
        x.intermediateFile = x.root / "intermediate.der";
        writeBytes(x.intermediateFile,
            std::string_view(
                reinterpret_cast<const char*>(x.intermediateDer.data()), x.intermediateDer.size()));
        x.crlIntermediate = x.root / "crl-intermediate.pem";
        writeCrl(x.crlIntermediate, inter.get(), interKey.get(), {}, from, until);
    }

} // namespace

fs::path writeCaCrl(const Artifacts& x, const Card& ca, const std::string& name,
    const std::vector<std::string>& revokedSerials, TimePoint from, TimePoint until,
    CrlSigning signing)
{
    const fs::path out = x.root / name;
    writeCrl(out, ca, revokedSerials, from, until, signing);
    return out;
}

int artifactsSetup(void** state)
{
    auto* x = new Artifacts;
    try {
        buildArtifacts(*x);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "verifier test setup failed: %s\n", e.what());
        removeTree(x->root);
        delete x;
        return -1;
    }
    *state = x;
    return 0;
}

int artifactsTeardown(void** state)
{
    auto* x = static_cast<Artifacts*>(*state);
    if (x != nullptr) removeTree(x->root);
    delete x;
    *state = nullptr;
    return 0;
}

const Artifacts& artifacts(void** state)
{
    return *static_cast<const Artifacts*>(*state);
}

cnsauth::Token signToken(const fs::path& keyPem, ByteView certDer, std::string_view origin,
    std::string_view challenge, std::string_view context)
{
    const PkeyPtr key = readKey(keyPem);
    const Bytes message = cnsauth::signedMessage(origin, challenge, context);
    std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1
        || EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1)
        opensslFailed("EVP_DigestSignInit");
    Bytes signature(len);
    if (EVP_DigestSign(md.get(), signature.data(), &len, message.data(), message.size()) != 1)
        opensslFailed("EVP_DigestSign");
    signature.resize(len);
    cnsauth::Token t;
    t.format = "cns-auth:1";
    t.algorithm = "RS256";
    t.unverifiedCertificate = cnsauth::base64Encode(certDer);
    t.signature = cnsauth::base64Encode(signature);
    t.appVersion = "https://github.com/tscns/tscns/releases/v0.1.0";
    return t;
}

std::string tokenJson(const Card& card, std::string_view challenge)
{
    cnsauth::Token t = signToken(card.key(), card.certDer, kOrigin, challenge, kContext);
    t.cardId = card.cardId;
    return cnsauth::toJson(t);
}

VerifierConfig baseConfig(const Artifacts& x, const TimePoint* clock)
{
    VerifierConfig c;
    c.trustAnchors = { x.a.ca() };
    c.crlFiles = { x.crlA };
    c.now = [clock] { return *clock; };
    return c;
}

SessionState sessionFor(const Card& card, std::string_view challenge)
{
    SessionState s;
    s.origin = std::string(kOrigin);
    s.challenge = std::string(challenge);
    s.context = std::string(kContext);
    s.expectedCodiceFiscale = card.codiceFiscale;
    return s;
}

std::string fixedChallenge(int n)
{
    std::string s = "Zm9yIHRlc3RzIG9ubHk6IGEgZml4ZWQgY2hhbGxlbmdl"; // 44 characters
    s.resize(43);
    s[0] = static_cast<char>('A' + n % 26);
    return s;
}

struct StubOcsp::Impl {
    X509Ptr caCert;
    PkeyPtr caKey;
    Mode mode;
    const TimePoint* clock;
};

StubOcsp::StubOcsp(const Card& ca, Mode mode, const TimePoint* clock)
    : impl_(std::make_unique<Impl>())
{
    impl_->caCert = readCert(ca.ca());
    impl_->caKey = readKey(ca.caKey());
    impl_->mode = mode;
    impl_->clock = clock;
}

StubOcsp::~StubOcsp() = default;

std::optional<Bytes> StubOcsp::post(const std::string& url, ByteView request)
{
    ++calls;
    lastUrl = url;
    if (impl_->mode == Mode::Unreachable) return std::nullopt;
    const unsigned char* p = request.data();
    std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST_free>> req(
        d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
    if (!req || OCSP_request_onereq_count(req.get()) != 1) return std::nullopt;
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0));
    std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP_free>> basic(OCSP_BASICRESP_new());
    std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>> thisUpdate(
        ASN1_TIME_set(nullptr, Clock::to_time_t(*impl_->clock - std::chrono::seconds(10))));
    std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>> nextUpdate(
        ASN1_TIME_set(nullptr, Clock::to_time_t(*impl_->clock + std::chrono::hours(1))));
    int status = V_OCSP_CERTSTATUS_GOOD;
    if (impl_->mode == Mode::Revoked) status = V_OCSP_CERTSTATUS_REVOKED;
    if (impl_->mode == Mode::Unknown) status = V_OCSP_CERTSTATUS_UNKNOWN;
    if (OCSP_basic_add1_status(basic.get(), id, status,
            status == V_OCSP_CERTSTATUS_REVOKED ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
            status == V_OCSP_CERTSTATUS_REVOKED ? thisUpdate.get() : nullptr, thisUpdate.get(),
            nextUpdate.get())
        == nullptr)
        return std::nullopt;
    if (impl_->mode != Mode::NoNonce && OCSP_copy_nonce(basic.get(), req.get()) <= 0)
        return std::nullopt;
    // WrongSigner: a self-made key that is neither the CA nor delegated by it.
    PkeyPtr otherKey;
    X509Ptr otherCert;
    X509* signer = impl_->caCert.get();
    EVP_PKEY* signerKey = impl_->caKey.get();
    if (impl_->mode == Mode::WrongSigner) {
        otherKey.reset(EVP_RSA_gen(2048));
        otherCert.reset(X509_new());
        X509_set_version(otherCert.get(), X509_VERSION_3);
        X509_set_subject_name(otherCert.get(), X509_get_subject_name(impl_->caCert.get()));
        X509_set_issuer_name(otherCert.get(), X509_get_subject_name(impl_->caCert.get()));
        X509_set1_notBefore(otherCert.get(), X509_get0_notBefore(impl_->caCert.get()));
        X509_set1_notAfter(otherCert.get(), X509_get0_notAfter(impl_->caCert.get()));
        X509_set_pubkey(otherCert.get(), otherKey.get());
        X509_sign(otherCert.get(), otherKey.get(), EVP_sha256());
        signer = otherCert.get();
        signerKey = otherKey.get();
    }
    if (OCSP_basic_sign(basic.get(), signer, signerKey, EVP_sha256(), nullptr, 0) != 1)
        return std::nullopt;
    std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE_free>> resp(
        OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
    unsigned char* der = nullptr;
    const int n = resp ? i2d_OCSP_RESPONSE(resp.get(), &der) : -1;
    if (n <= 0) return std::nullopt;
    Bytes out(der, der + n);
    OPENSSL_free(der);
    ERR_clear_error();
    return out;
}

} // namespace tscns::verifier::test
