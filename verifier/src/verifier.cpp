// SPDX-License-Identifier: LGPL-2.1-or-later
// cns-auth:1 token verification in the order of cns-auth.md §5.3.
#include "tscns/verifier/verifier.hpp"

#include "ocsp_check.hpp"
#include "ossl.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/subject_cn.hpp"
#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/cnsauth/token.hpp"
#include "tscns/cnsauth/validators.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <climits>
#include <map>
#include <mutex>
#include <new>

namespace tscns::verifier {

std::string_view failureCodeName(FailureCode code) noexcept
{
    switch (code) {
    case FailureCode::SessionMissing:
        return "SESSION_MISSING";
    case FailureCode::ChallengeExpired:
        return "CHALLENGE_EXPIRED";
    case FailureCode::TooManyAttempts:
        return "TOO_MANY_ATTEMPTS";
    case FailureCode::Malformed:
        return "MALFORMED";
    case FailureCode::AlgorithmMismatch:
        return "ALGORITHM_MISMATCH";
    case FailureCode::BadSignature:
        return "BAD_SIGNATURE";
    case FailureCode::UntrustedCertificate:
        return "UNTRUSTED_CERTIFICATE";
    case FailureCode::CertificateExpired:
        return "CERTIFICATE_EXPIRED";
    case FailureCode::CertificateNotYetValid:
        return "CERTIFICATE_NOT_YET_VALID";
    case FailureCode::KeyUsage:
        return "KEY_USAGE";
    case FailureCode::Policy:
        return "POLICY";
    case FailureCode::WeakKey:
        return "WEAK_KEY";
    case FailureCode::WeakSignatureAlgorithm:
        return "WEAK_SIGNATURE_ALGORITHM";
    case FailureCode::Revoked:
        return "REVOKED";
    case FailureCode::RevocationUnavailable:
        return "REVOCATION_UNAVAILABLE";
    case FailureCode::IdentityMismatch:
        return "IDENTITY_MISMATCH";
    case FailureCode::CardIdMismatch:
        return "CARD_ID_MISMATCH";
    case FailureCode::Internal:
        return "INTERNAL";
    }
    return "INTERNAL";
}

std::string_view revocationMethodName(RevocationEvidence::Method method) noexcept
{
    switch (method) {
    case RevocationEvidence::Method::Crl:
        return "crl";
    case RevocationEvidence::Method::Ocsp:
        return "ocsp";
    case RevocationEvidence::Method::CrlGrace:
        return "crl-grace";
    }
    return "crl";
}

Outcome Outcome::success(VerifiedHolder holder)
{
    Outcome o;
    o.holder_ = std::move(holder);
    return o;
}

Outcome Outcome::failure(Failure failure)
{
    Outcome o;
    o.failure_ = std::move(failure);
    return o;
}

const VerifiedHolder& Outcome::holder() const
{
    if (!holder_) throw Error(Errc::Internal, "Outcome::holder() on a failure");
    return *holder_;
}

const Failure& Outcome::failure() const
{
    if (!failure_) throw Error(Errc::Internal, "Outcome::failure() on a success");
    return *failure_;
}

namespace {

    using std::chrono::seconds;

    /// At most `max` printable ASCII characters of attacker-controlled text, for reasons.
    std::string printable(std::string_view s, std::size_t max = 40)
    {
        std::string out;
        for (char c : s.substr(0, max))
            out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
        if (s.size() > max) out += "...";
        return "\"" + out + "\"";
    }

    Failure makeFailure(FailureCode code, std::string reason)
    {
        ERR_clear_error();
        Failure f;
        f.code = code;
        f.reason = std::move(reason);
        return f;
    }

    /// Strict DER: one certificate, no trailing bytes, and the re-encoding (outer structure and a
    /// freshly encoded TBSCertificate) identical to the input, which rules out BER forms such as
    /// indefinite or non-minimal lengths that OpenSSL's decoder tolerates.
    std::optional<std::string> parseStrictDer(ByteView der, ossl::X509Ptr& out)
    {
        if (der.size() > static_cast<std::size_t>(LONG_MAX)) return "certificate too large";
        const unsigned char* p = der.data();
        ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!x) return std::string("not a DER X.509 certificate");
        if (p != der.data() + der.size())
            return std::to_string(der.data() + der.size() - p) + " bytes after the certificate";
        p = der.data();
        ossl::X509Ptr copy(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (!copy || i2d_re_X509_tbs(copy.get(), nullptr) <= 0)
            return std::string("certificate cannot be re-encoded");
        unsigned char* re = nullptr;
        const int n = i2d_X509(copy.get(), &re);
        const bool same = n > 0 && static_cast<std::size_t>(n) == der.size()
            && std::equal(der.begin(), der.end(), re);
        OPENSSL_free(re);
        if (!same) return std::string("certificate is not in strict DER (BER encoding)");
        if ((X509_get_extension_flags(x.get()) & EXFLAG_INVALID) != 0)
            return std::string("certificate has an invalid or duplicated extension");
        out = std::move(x);
        return std::nullopt;
    }

    std::string commonNameOf(X509* cert, std::string& problem)
    {
        const X509_NAME* name = X509_get_subject_name(cert);
        const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
        if (i < 0) {
            problem = "subject has no CN";
            return {};
        }
        if (X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0) {
            problem = "subject has more than one CN";
            return {};
        }
        const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        unsigned char* utf8 = nullptr;
        const int n = ASN1_STRING_to_UTF8(&utf8, s);
        if (n < 0) {
            problem = "subject CN unreadable";
            return {};
        }
        std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
        OPENSSL_free(utf8);
        if (out.find('\0') != std::string::npos) {
            problem = "subject CN holds a NUL";
            return {};
        }
        return out;
    }

    /// Policy OIDs of the certificate (dotted); nullopt when the extension is unreadable.
    std::optional<std::vector<std::string>> policiesOf(X509* cert)
    {
        int critical = 0;
        auto* pols = static_cast<CERTIFICATEPOLICIES*>(
            X509_get_ext_d2i(cert, NID_certificate_policies, &critical, nullptr));
        if (pols == nullptr) {
            if (critical == -1) return std::vector<std::string> {}; // absent
            return std::nullopt; // duplicated or undecodable
        }
        std::vector<std::string> out;
        for (int i = 0; i < sk_POLICYINFO_num(pols); ++i) {
            char buf[128];
            const int n = OBJ_obj2txt(buf, sizeof buf, sk_POLICYINFO_value(pols, i)->policyid, 1);
            if (n > 0 && static_cast<std::size_t>(n) < sizeof buf) out.emplace_back(buf);
        }
        CERTIFICATEPOLICIES_free(pols);
        return out;
    }

    /// CRL distribution point URIs of a certificate.
    std::vector<std::string> crlUrls(X509* cert)
    {
        std::vector<std::string> out;
        auto* points = static_cast<STACK_OF(DIST_POINT)*>(
            X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr));
        if (points == nullptr) return out;
        for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
            const DIST_POINT* dp = sk_DIST_POINT_value(points, i);
            if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
            const GENERAL_NAMES* names = dp->distpoint->name.fullname;
            for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
                const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
                if (gn->type != GEN_URI) continue;
                const ASN1_IA5STRING* uri = gn->d.uniformResourceIdentifier;
                out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                    static_cast<std::size_t>(ASN1_STRING_length(uri)));
            }
        }
        sk_DIST_POINT_pop_free(points, DIST_POINT_free);
        return out;
    }

    std::string objectName(const ASN1_OBJECT* oid)
    {
        char buf[96];
        const int n = OBJ_obj2txt(buf, sizeof buf, oid, 0);
        return n > 0 && static_cast<std::size_t>(n) < sizeof buf ? std::string(buf)
                                                                 : std::string("?");
    }

    bool allowedDigest(int nid)
    {
        return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
    }

    /// nullopt when `alg` is on the signature allowlist: RSA PKCS#1 v1.5, RSASSA-PSS (hash and
    /// MGF1 hash) or ECDSA, each with SHA-256, SHA-384 or SHA-512. Else what is wrong with it.
    std::optional<std::string> signatureAlgorithmProblem(const X509_ALGOR* alg)
    {
        if (alg == nullptr || alg->algorithm == nullptr)
            return std::string("no signature algorithm");
        switch (OBJ_obj2nid(alg->algorithm)) {
        case NID_sha256WithRSAEncryption:
        case NID_sha384WithRSAEncryption:
        case NID_sha512WithRSAEncryption:
        case NID_ecdsa_with_SHA256:
        case NID_ecdsa_with_SHA384:
        case NID_ecdsa_with_SHA512:
            return std::nullopt;
        case NID_rsassaPss: {
            // RFC 4055 §3.1: absent parameters mean SHA-1 and MGF1 with SHA-1.
            if (alg->parameter == nullptr || alg->parameter->type != V_ASN1_SEQUENCE)
                return std::string("RSASSA-PSS without parameters (SHA-1 defaults)");
            auto* pss = static_cast<RSA_PSS_PARAMS*>(
                ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter));
            if (pss == nullptr) return std::string("RSASSA-PSS with unreadable parameters");
            const int md = pss->hashAlgorithm != nullptr
                ? OBJ_obj2nid(pss->hashAlgorithm->algorithm)
                : NID_sha1;
            const bool mgf1 = pss->maskGenAlgorithm == nullptr
                || OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) == NID_mgf1;
            const int mgfMd = pss->maskGenAlgorithm == nullptr ? NID_sha1
                : pss->maskHash != nullptr ? OBJ_obj2nid(pss->maskHash->algorithm)
                                           : NID_undef;
            RSA_PSS_PARAMS_free(pss);
            if (!allowedDigest(md))
                return "RSASSA-PSS with " + std::string(OBJ_nid2sn(md)) + " (not allowed)";
            if (!mgf1 || !allowedDigest(mgfMd))
                return std::string("RSASSA-PSS with a mask generation other than MGF1 with "
                                   "SHA-256/384/512 (not allowed)");
            return std::nullopt;
        }
        default:
            return objectName(alg->algorithm)
                + " (not allowed: only RSA PKCS#1 v1.5, RSASSA-PSS or ECDSA with "
                  "SHA-256/384/512)";
        }
    }

    bool crlFresh(X509_CRL* crl, TimePoint now)
    {
        const auto next = ossl::toTimePoint(X509_CRL_get0_nextUpdate(crl));
        return next && *next > now;
    }

    /// nullopt when `crl` is acceptable as revocation data about certificates of `issuer`
    /// (whose subject is `cert`'s issuer name): issued under that name, signed by that CA's
    /// key with an allowed algorithm, a complete (not delta) CRL, thisUpdate not beyond
    /// `latest`, a nextUpdate not before it. Else why not. Times are not judged against
    /// nextUpdate here: staleness is the revocation pass's business (and the grace's).
    std::optional<std::string> crlProblem(X509_CRL* crl, X509* cert, X509* issuer, TimePoint latest)
    {
        const std::optional<std::string> problem = [&]() -> std::optional<std::string> {
            if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0)
                return "issued by " + ossl::nameText(X509_CRL_get_issuer(crl))
                    + ", not by the certificate's issuer";
            const X509_ALGOR* outer = nullptr;
            X509_CRL_get0_signature(crl, nullptr, &outer);
            // X509_CRL_verify below also refuses differing inner and outer algorithms.
            if (auto weak = signatureAlgorithmProblem(outer)) return "signature algorithm " + *weak;
            if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1)
                return std::string("signature does not verify with the issuing CA's key");
            if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0)
                return std::string("a delta CRL (only complete CRLs are used)");
            const auto thisUpdate = ossl::toTimePoint(X509_CRL_get0_lastUpdate(crl));
            if (!thisUpdate) return std::string("thisUpdate unreadable");
            if (*thisUpdate > latest)
                return "thisUpdate " + ossl::isoTime(*thisUpdate) + " is in the future";
            const auto nextUpdate = ossl::toTimePoint(X509_CRL_get0_nextUpdate(crl));
            if (!nextUpdate) return std::string("no nextUpdate");
            if (*nextUpdate < *thisUpdate) return std::string("nextUpdate before thisUpdate");
            return std::nullopt;
        }();
        ERR_clear_error();
        return problem;
    }

    /// The newest CRL of `crls` issued for `cert` by `issuer` (name match and signature).
    X509_CRL* crlFor(const std::vector<X509_CRL*>& crls, X509* cert, X509* issuer)
    {
        X509_CRL* best = nullptr;
        for (X509_CRL* crl : crls) {
            if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0) continue;
            const X509_ALGOR* alg = nullptr;
            X509_CRL_get0_signature(crl, nullptr, &alg);
            if (signatureAlgorithmProblem(alg)) continue;
            if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) continue;
            if (best == nullptr
                || ASN1_TIME_compare(X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_lastUpdate(best))
                    > 0)
                best = crl;
        }
        ERR_clear_error();
        return best;
    }

    // ---- X509_verify_cert callback ------------------------------------------------------------

    struct CallbackState {
        time_t earliest = 0; ///< now - skew
        time_t latest = 0; ///< now + skew
        bool revocationPass = false;
        std::vector<int> ocspGood; ///< depths with a good OCSP answer
        TimePoint now; ///< the verifier's clock, for the revocation grace
        seconds grace { 0 }; ///< VerifierConfig::revocationGrace
        std::vector<int> inGrace; ///< depths checked with a CRL past nextUpdate, within grace
    };

    bool revocationDataProblem(int err)
    {
        switch (err) {
        case X509_V_ERR_UNABLE_TO_GET_CRL:
        case X509_V_ERR_CRL_HAS_EXPIRED:
        case X509_V_ERR_CRL_NOT_YET_VALID:
        case X509_V_ERR_CRL_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
        case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
        case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
        case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
        case X509_V_ERR_DIFFERENT_CRL_SCOPE:
        case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
        case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
        case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
            return true;
        default:
            return false;
        }
    }

    // Applies the clock skew to certificate and CRL times, and decides which missing revocation
    // data is acceptable (the anchor's, and that of certificates OCSP already answered for).
    int verifyCallback(int ok, X509_STORE_CTX* ctx)
    {
        if (ok == 1) return 1;
        auto* st = static_cast<CallbackState*>(X509_STORE_CTX_get_app_data(ctx));
        if (st == nullptr) return 0;
        const int err = X509_STORE_CTX_get_error(ctx);
        const int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509* cert = X509_STORE_CTX_get_current_cert(ctx);
        switch (err) {
        case X509_V_ERR_CERT_HAS_EXPIRED: // notAfter > now - skew
            if (cert != nullptr && X509_cmp_time(X509_get0_notAfter(cert), &st->earliest) > 0)
                return 1;
            return 0;
        case X509_V_ERR_CERT_NOT_YET_VALID: // notBefore <= now + skew
            if (cert != nullptr && X509_cmp_time(X509_get0_notBefore(cert), &st->latest) < 0)
                return 1;
            return 0;
        case X509_V_ERR_CRL_NOT_YET_VALID: {
            X509_CRL* crl = X509_STORE_CTX_get0_current_crl(ctx);
            if (crl != nullptr && X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &st->latest) < 0)
                return 1;
            break;
        }
        case X509_V_ERR_CRL_HAS_EXPIRED: { // bounded grace: nextUpdate + grace > now
            X509_CRL* crl = X509_STORE_CTX_get0_current_crl(ctx);
            const auto next
                = crl != nullptr ? ossl::toTimePoint(X509_CRL_get0_nextUpdate(crl)) : std::nullopt;
            if (st->revocationPass && next && *next + st->grace > st->now) {
                if (std::find(st->inGrace.begin(), st->inGrace.end(), depth) == st->inGrace.end())
                    st->inGrace.push_back(depth);
                return 1;
            }
            break;
        }
        default:
            break;
        }
        if (st->revocationPass && revocationDataProblem(err)) {
            const int last = sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) - 1;
            // The anchor is pinned by configuration: a CRL about it is used when given, but
            // none is needed.
            if (depth == last) return 1;
            if (std::find(st->ocspGood.begin(), st->ocspGood.end(), depth) != st->ocspGood.end())
                return 1;
        }
        return 0;
    }

    /// A downloaded CRL that passed crlProblem() for the issuing CA it is cached under.
    struct CachedCrl {
        ossl::CrlPtr crl;
        TimePoint thisUpdate;
        TimePoint nextUpdate;
    };

    /// Certificates a TLS client may present besides its own (path-building hints).
    constexpr std::size_t kMaxPresentedIntermediates = 8;

    /// The certificate under verification: what each stage learns and the later ones read.
    struct Subject {
        TimePoint t; ///< the verifier's clock, read once
        ossl::X509Ptr leaf;
        std::vector<ossl::X509Ptr> hints; ///< presented intermediates (untrusted)
        std::string serial; ///< of the leaf, upper-case hex
        std::string issuer; ///< of the leaf, RFC 2253
        int bits = 0; ///< RSA modulus size
        CallbackState cb; ///< shared by the path pass and the revocation pass
        ossl::X509StackPtr untrusted;
        ossl::X509StackPtr chain; ///< leaf first, anchor last
        int chainLength = 0;
        bool weakKeyDeprecated = false;
        std::vector<std::string> policies; ///< the allowlisted ones the leaf carries
        std::vector<RevocationEvidence> evidence;
        cns::SubjectCn cn;

        /// A failure carrying the leaf's serial and issuer.
        [[nodiscard]] Failure fail(FailureCode code, std::string reason) const
        {
            Failure f = makeFailure(code, std::move(reason));
            f.certificateSerial = serial;
            f.certificateIssuer = issuer;
            return f;
        }
    };

    /// What the identity stage compares the certified CN with.
    struct ExpectedIdentity {
        std::string_view codiceFiscale;
        const std::optional<std::string>& typedCardId;
        bool identificationOnly = false;
    };

} // namespace

struct Verifier::Impl {
    VerifierConfig config;
    ossl::StorePtr store;
    std::vector<ossl::X509Ptr> anchors;
    std::vector<ossl::X509Ptr> intermediates;
    std::vector<ossl::X509Ptr> rsa1024Cas;
    std::vector<ossl::CrlPtr> fileCrls;

    mutable std::mutex mutex; // guards crlCache and ocspClient
    /// Keyed by distribution point URL and the issuing CA's SHA-256, so a CRL verified for one
    /// CA is never offered for another.
    mutable std::map<std::string, CachedCrl> crlCache;
    mutable std::shared_ptr<OcspClient> ocspClient;

    [[nodiscard]] TimePoint now() const { return config.now ? config.now() : Clock::now(); }

    /// cns-auth.md §5.3 steps 1-7 for a token.
    Outcome run(std::string_view tokenJson, const SessionState& session) const;
    /// Steps 2 (DER and key only), 4, 5, 6 and 7 for a TLS client certificate.
    Outcome runCertificate(
        ByteView der, const std::vector<Bytes>& chainDer, const Account& account) const;

    std::optional<Failure> checkSession(const SessionState& session, TimePoint t) const;
    std::optional<Failure> decodeToken(
        std::string_view tokenJson, Subject& s, Bytes& signature) const;
    std::optional<Failure> decodeCertificate(
        ByteView der, const std::vector<Bytes>& chainDer, Subject& s) const;
    std::optional<Failure> readKey(Subject& s) const;
    std::optional<Failure> checkSignature(
        const Subject& s, ByteView signature, const SessionState& session) const;
    std::optional<Failure> checkPathAndProfile(Subject& s) const;
    std::optional<Failure> checkSignatureAlgorithms(const Subject& s) const;
    std::optional<Failure> checkRevocation(Subject& s) const;
    std::optional<Failure> bindIdentity(Subject& s, const ExpectedIdentity& expected) const;
    VerifiedHolder holderOf(Subject& s) const;
    /// X509_verify_cert of the leaf over the anchors and hints; with `crls`, the revocation pass.
    ossl::X509StackPtr buildPath(Subject& s, STACK_OF(X509_CRL) * crls, int& err, int& depth) const;

    std::shared_ptr<OcspClient> ocsp() const;
    /// Downloaded CRLs for `cert` (issued by `issuer`), through the cache; why answers were
    /// refused goes to `notes`.
    std::vector<ossl::CrlPtr> fetchCrls(
        X509* cert, X509* issuer, TimePoint now, std::string& notes) const;
};

namespace {

    std::vector<ossl::X509Ptr> loadCertificates(
        const std::vector<std::filesystem::path>& paths, const char* what)
    {
        std::vector<ossl::X509Ptr> out;
        for (const auto& path : paths) {
            std::error_code ec;
            if (std::filesystem::is_directory(path, ec)) {
                std::size_t found = 0;
                for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
                    if (!entry.is_regular_file()) continue;
                    auto certs = ossl::readCertificates(ossl::readFile(entry.path()));
                    found += certs.size();
                    for (auto& c : certs)
                        out.push_back(std::move(c));
                }
                if (ec)
                    throw Error(Errc::BadArgument,
                        std::string("cannot list ") + what + " directory " + path.string() + ": "
                            + ec.message());
                if (found == 0)
                    throw Error(Errc::BadArgument,
                        std::string("no certificate in ") + what + " directory " + path.string());
                continue;
            }
            auto certs = ossl::readCertificates(ossl::readFile(path));
            if (certs.empty())
                throw Error(Errc::BadArgument,
                    std::string(what) + " file " + path.string() + " holds no certificate");
            for (auto& c : certs)
                out.push_back(std::move(c));
        }
        return out;
    }

} // namespace

Verifier::Verifier(VerifierConfig config)
    : impl_(std::make_unique<Impl>())
{
    Impl& d = *impl_;
    if (config.algorithm != cnsauth::kAlgorithmRs256)
        throw Error(Errc::BadArgument,
            "algorithm " + printable(config.algorithm) + " is not implemented (only RS256)");
    if (config.allowedPolicies.empty())
        throw Error(Errc::BadArgument, "no certificate policy allowed: nothing could verify");
    for (const std::string& oid : config.allowedPolicies) {
        ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
        if (obj == nullptr) {
            ERR_clear_error();
            throw Error(Errc::BadArgument, "policy " + printable(oid) + " is not a dotted OID");
        }
        ASN1_OBJECT_free(obj);
    }
    if (config.clockSkew < seconds(0) || config.clockSkew > seconds(3600))
        throw Error(Errc::BadArgument, "clock skew must be 0 to 3600 seconds");
    if (config.revocationGrace < seconds(0)
        || config.revocationGrace > VerifierConfig::kMaxRevocationGrace)
        throw Error(Errc::BadArgument, "revocation grace must be 0 to 604800 seconds (7 days)");
    d.anchors = loadCertificates(config.trustAnchors, "trust anchor");
    if (d.anchors.empty()) throw Error(Errc::BadArgument, "no trust anchor configured");
    d.intermediates = loadCertificates(config.intermediates, "intermediate");
    d.rsa1024Cas = loadCertificates(config.rsa1024IssuingCas, "RSA-1024 CA");
    for (const auto& path : config.crlFiles) {
        auto crls = ossl::readCrls(ossl::readFile(path));
        if (crls.empty())
            throw Error(Errc::BadArgument, "CRL file " + path.string() + " holds no CRL");
        for (auto& c : crls) {
            const X509_ALGOR* alg = nullptr;
            X509_CRL_get0_signature(c.get(), nullptr, &alg);
            if (auto weak = signatureAlgorithmProblem(alg))
                throw Error(Errc::BadArgument,
                    "CRL file " + path.string() + " ("
                        + ossl::nameText(X509_CRL_get_issuer(c.get())) + "): signature algorithm "
                        + *weak);
            d.fileCrls.push_back(std::move(c));
        }
    }
    d.store.reset(X509_STORE_new());
    if (!d.store) throw Error(Errc::Internal, "X509_STORE_new failed");
    for (const auto& a : d.anchors)
        if (X509_STORE_add_cert(d.store.get(), a.get()) != 1)
            throw Error(Errc::Internal, "X509_STORE_add_cert failed: " + ossl::errors());
    d.ocspClient = config.ocspClient;
    d.config = std::move(config);
}

Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

std::vector<Bytes> Verifier::trustAnchors() const
{
    std::vector<Bytes> out;
    out.reserve(impl_->anchors.size());
    for (const auto& a : impl_->anchors) {
        unsigned char* der = nullptr;
        const int n = i2d_X509(a.get(), &der);
        if (n <= 0) throw Error(Errc::Internal, "i2d_X509 of a trust anchor: " + ossl::errors());
        out.emplace_back(der, der + n);
        OPENSSL_free(der);
    }
    return out;
}

std::shared_ptr<OcspClient> Verifier::Impl::ocsp() const
{
    const std::lock_guard lock(mutex);
    if (!ocspClient) ocspClient = makeHttpOcspClient();
    return ocspClient;
}

std::vector<ossl::CrlPtr> Verifier::Impl::fetchCrls(
    X509* cert, X509* issuer, TimePoint t, std::string& notes) const
{
    std::vector<ossl::CrlPtr> out;
    const std::string issuerHash = ossl::sha256Hex(issuer);
    for (const std::string& url : crlUrls(cert)) {
        const std::string key = url + " " + issuerHash;
        ossl::CrlPtr cached; // the verified CRL we have, possibly past nextUpdate
        {
            const std::lock_guard lock(mutex);
            const auto it = crlCache.find(key);
            if (it != crlCache.end()) {
                X509_CRL_up_ref(it->second.crl.get());
                cached.reset(it->second.crl.get());
                if (it->second.nextUpdate > t) {
                    out.push_back(std::move(cached));
                    return out;
                }
            }
        }
        std::optional<Bytes> data;
        try {
            data = config.crlFetcher(url);
        } catch (...) {
            data.reset(); // a failing hook is an unavailable CRL
        }
        std::string refused;
        if (!data) {
            refused = "no answer";
        } else if (auto crls = ossl::readCrls(*data); crls.size() != 1) {
            refused = std::to_string(crls.size()) + " CRLs in the answer, expected one";
        } else if (auto problem
            = crlProblem(crls.front().get(), cert, issuer, t + config.clockSkew)) {
            refused = *problem;
        } else {
            const TimePoint thisUpdate
                = *ossl::toTimePoint(X509_CRL_get0_lastUpdate(crls.front().get()));
            const TimePoint nextUpdate
                = *ossl::toTimePoint(X509_CRL_get0_nextUpdate(crls.front().get()));
            const std::lock_guard lock(mutex);
            // Compared with the entry as it is now: another thread may have cached a newer one.
            const auto it = crlCache.find(key);
            if (it != crlCache.end() && thisUpdate < it->second.thisUpdate) {
                refused
                    = "older than the cached CRL (thisUpdate " + ossl::isoTime(thisUpdate) + ")";
            } else {
                // Verified: only now may it enter the cache (and replace an older one).
                X509_CRL_up_ref(crls.front().get());
                crlCache[key]
                    = CachedCrl { ossl::CrlPtr(crls.front().get()), thisUpdate, nextUpdate };
                out.push_back(std::move(crls.front()));
                return out;
            }
        }
        notes += "; CRL from " + printable(url, 80) + " refused: " + refused;
        if (cached) { // stale but verified: the revocation pass applies the grace
            out.push_back(std::move(cached));
            return out;
        }
    }
    return out;
}

// ---- The stages of §5.3 ---------------------------------------------------------------------
// Each stage returns nullopt when it passed, else the failure that ends the verification. What a
// stage learns about the certificate (the leaf, its path, the revocation evidence, the parsed CN)
// goes into the Subject the later stages read.

std::optional<Failure> Verifier::Impl::checkSession(const SessionState& session, TimePoint t) const
{
    try {
        cnsauth::validateOrigin(session.origin, config.allowHttpOrigins);
        cnsauth::validateChallenge(session.challenge);
        cnsauth::validateContext(session.context);
    } catch (const Error& e) {
        return makeFailure(FailureCode::SessionMissing, "session state unusable: " + e.message());
    }
    if (session.expiresAt && t >= *session.expiresAt)
        return makeFailure(FailureCode::ChallengeExpired,
            "challenge expired at " + ossl::isoTime(*session.expiresAt));
    return std::nullopt;
}

std::optional<Failure> Verifier::Impl::decodeToken(
    std::string_view tokenJson, Subject& s, Bytes& signature) const
{
    if (tokenJson.size() > cnsauth::kMaxTokenSize)
        return makeFailure(FailureCode::Malformed,
            "token is " + std::to_string(tokenJson.size()) + " bytes, limit "
                + std::to_string(cnsauth::kMaxTokenSize));
    cnsauth::Token token;
    try {
        token = cnsauth::parseToken(tokenJson);
    } catch (const Error& e) {
        return makeFailure(FailureCode::Malformed, e.message());
    }
    if (token.format != cnsauth::kFormat)
        return makeFailure(
            FailureCode::Malformed, "format " + printable(token.format) + " is not cns-auth:1");
    if (token.algorithm != config.algorithm)
        return makeFailure(FailureCode::AlgorithmMismatch,
            "algorithm " + printable(token.algorithm) + ", pinned " + config.algorithm);
    try {
        if (auto problem
            = parseStrictDer(cnsauth::base64Decode(token.unverifiedCertificate), s.leaf))
            return makeFailure(FailureCode::Malformed, *problem);
        for (const std::string& b64 : token.unverifiedIntermediates) {
            ossl::X509Ptr x;
            if (auto problem = parseStrictDer(cnsauth::base64Decode(b64), x))
                return makeFailure(FailureCode::Malformed, "intermediate: " + *problem);
            s.hints.push_back(std::move(x));
        }
        signature = cnsauth::base64Decode(token.signature);
    } catch (const Error& e) {
        return makeFailure(FailureCode::Malformed, e.message());
    }
    return readKey(s);
}

std::optional<Failure> Verifier::Impl::decodeCertificate(
    ByteView der, const std::vector<Bytes>& chainDer, Subject& s) const
{
    if (der.empty()) return makeFailure(FailureCode::Malformed, "no certificate");
    if (chainDer.size() > kMaxPresentedIntermediates)
        return makeFailure(FailureCode::Malformed,
            std::to_string(chainDer.size()) + " further certificates, limit "
                + std::to_string(kMaxPresentedIntermediates));
    if (auto problem = parseStrictDer(der, s.leaf))
        return makeFailure(FailureCode::Malformed, *problem);
    for (const Bytes& b : chainDer) {
        ossl::X509Ptr x;
        if (auto problem = parseStrictDer(b, x))
            return makeFailure(FailureCode::Malformed, "intermediate: " + *problem);
        s.hints.push_back(std::move(x));
    }
    return readKey(s);
}

std::optional<Failure> Verifier::Impl::readKey(Subject& s) const
{
    s.serial = ossl::integerHex(X509_get0_serialNumber(s.leaf.get()));
    s.issuer = ossl::nameText(X509_get_issuer_name(s.leaf.get()));
    EVP_PKEY* key = X509_get0_pubkey(s.leaf.get());
    if (key == nullptr) return s.fail(FailureCode::Malformed, "certificate public key unreadable");
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        return s.fail(FailureCode::AlgorithmMismatch,
            std::string("RS256 and the CNS profile need an RSA key, the certificate has ")
                + OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
    s.bits = EVP_PKEY_get_bits(key);
    if (s.bits < 1024)
        return s.fail(
            FailureCode::WeakKey, "RSA-" + std::to_string(s.bits) + " is below 1024 bits");
    return std::nullopt;
}

std::optional<Failure> Verifier::Impl::checkSignature(
    const Subject& s, ByteView signature, const SessionState& session) const
{
    EVP_PKEY* key = X509_get0_pubkey(s.leaf.get());
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key)))
        return s.fail(FailureCode::BadSignature,
            "signature is " + std::to_string(signature.size()) + " bytes, the modulus "
                + std::to_string(EVP_PKEY_get_size(key)));
    const Bytes message
        = cnsauth::signedMessage(session.origin, session.challenge, session.context);
    ossl::MdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!md || EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, key) != 1
        || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        return s.fail(FailureCode::Internal, "EVP_DigestVerifyInit: " + ossl::errors());
    if (EVP_DigestVerify(
            md.get(), signature.data(), signature.size(), message.data(), message.size())
        != 1)
        return s.fail(FailureCode::BadSignature,
            "RSASSA-PKCS1-v1_5/SHA-256 signature does not verify over the message rebuilt "
            "from the session (origin, challenge, context)");
    return std::nullopt;
}

ossl::X509StackPtr Verifier::Impl::buildPath(
    Subject& s, STACK_OF(X509_CRL) * crls, int& err, int& depth) const
{
    ossl::StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), s.leaf.get(), s.untrusted.get()) != 1)
        throw Error(Errc::Internal, "X509_STORE_CTX_init: " + ossl::errors());
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, ossl::toTimeT(s.t));
    X509_VERIFY_PARAM_set_depth(param, 8);
    // Pinned issuing CAs need not be self-signed roots.
    unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
    if (crls != nullptr) {
        flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
        X509_STORE_CTX_set0_crls(ctx.get(), crls);
    }
    X509_VERIFY_PARAM_set_flags(param, flags);
    X509_STORE_CTX_set_verify_cb(ctx.get(), verifyCallback);
    X509_STORE_CTX_set_app_data(ctx.get(), &s.cb);
    const int rc = X509_verify_cert(ctx.get());
    err = X509_STORE_CTX_get_error(ctx.get());
    depth = X509_STORE_CTX_get_error_depth(ctx.get());
    if (rc != 1) {
        if (err == X509_V_OK) err = X509_V_ERR_UNSPECIFIED;
        return nullptr;
    }
    err = X509_V_OK;
    return ossl::X509StackPtr(X509_STORE_CTX_get1_chain(ctx.get()));
}

std::optional<Failure> Verifier::Impl::checkPathAndProfile(Subject& s) const
{
    s.cb.earliest = ossl::toTimeT(s.t - config.clockSkew);
    s.cb.latest = ossl::toTimeT(s.t + config.clockSkew);
    s.cb.now = s.t;
    s.cb.grace = config.revocationGrace;
    s.untrusted.reset(sk_X509_new_null());
    if (!s.untrusted) throw std::bad_alloc();
    // The presented intermediates and the configured ones are untrusted path-building hints.
    auto addUntrusted = [&](const std::vector<ossl::X509Ptr>& list) {
        for (const auto& x : list) {
            X509_up_ref(x.get());
            if (sk_X509_push(s.untrusted.get(), x.get()) <= 0) {
                X509_free(x.get());
                throw std::bad_alloc();
            }
        }
    };
    addUntrusted(s.hints);
    addUntrusted(intermediates);

    int err = X509_V_OK;
    int depth = 0;
    s.chain = buildPath(s, nullptr, err, depth);
    if (!s.chain) {
        const std::string what = std::string(X509_verify_cert_error_string(err)) + " (depth "
            + std::to_string(depth) + ")";
        switch (err) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return s.fail(FailureCode::CertificateExpired, what);
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return s.fail(FailureCode::CertificateNotYetValid, what);
        default:
            return s.fail(FailureCode::UntrustedCertificate, what);
        }
    }
    s.chainLength = sk_X509_num(s.chain.get());
    if (s.chainLength < 2)
        return s.fail(FailureCode::UntrustedCertificate,
            "the card certificate is itself a trust anchor (anchors must be CAs)");
    if (auto weak = checkSignatureAlgorithms(s)) return weak;
    X509* leaf = s.leaf.get();
    X509* issuerCa = sk_X509_value(s.chain.get(), 1);

    const std::uint32_t ext = X509_get_extension_flags(leaf);
    if ((ext & EXFLAG_CA) != 0)
        return s.fail(FailureCode::KeyUsage, "the certificate is a CA certificate");
    if ((ext & EXFLAG_KUSAGE) == 0) return s.fail(FailureCode::KeyUsage, "no keyUsage extension");
    const std::uint32_t ku = X509_get_key_usage(leaf);
    if ((ku & KU_DIGITAL_SIGNATURE) == 0)
        return s.fail(FailureCode::KeyUsage,
            (ku & KU_NON_REPUDIATION) != 0
                ? "keyUsage nonRepudiation without digitalSignature (a signature certificate)"
                : "keyUsage lacks digitalSignature");
    if ((ext & EXFLAG_XKUSAGE) != 0 && (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT) == 0)
        return s.fail(FailureCode::KeyUsage, "extendedKeyUsage present without clientAuth");

    const auto policies = policiesOf(leaf);
    if (!policies) return s.fail(FailureCode::Policy, "certificatePolicies unreadable");
    for (const std::string& oid : *policies)
        if (config.allowedPolicies.contains(oid)) s.policies.push_back(oid);
    if (s.policies.empty()) {
        std::string list;
        for (const std::string& oid : *policies)
            list += (list.empty() ? "" : ", ") + oid;
        return s.fail(FailureCode::Policy,
            "no allowed certificate policy (certificate has: " + (list.empty() ? "none" : list)
                + ")");
    }

    if (s.bits < 2048) {
        const bool listed = std::any_of(rsa1024Cas.begin(), rsa1024Cas.end(),
            [&](const ossl::X509Ptr& ca) { return X509_cmp(ca.get(), issuerCa) == 0; });
        if (!listed)
            return s.fail(FailureCode::WeakKey,
                "RSA-" + std::to_string(s.bits) + " from a CA not listed for RSA-1024 cards ("
                    + ossl::nameText(X509_get_subject_name(issuerCa)) + ")");
        s.weakKeyDeprecated = true;
    }
    return std::nullopt;
}

std::optional<Failure> Verifier::Impl::checkSignatureAlgorithms(const Subject& s) const
{
    // Every signature of the path; the anchor's own self-signature is not (it is pinned).
    for (int i = 0; i + 1 < s.chainLength; ++i) {
        X509* cert = sk_X509_value(s.chain.get(), i);
        const X509_ALGOR* alg = nullptr;
        X509_get0_signature(nullptr, &alg, cert);
        if (auto weak = signatureAlgorithmProblem(alg))
            return s.fail(FailureCode::WeakSignatureAlgorithm,
                "depth " + std::to_string(i) + " (" + ossl::nameText(X509_get_subject_name(cert))
                    + ") is signed with " + *weak);
    }
    return std::nullopt;
}

std::optional<Failure> Verifier::Impl::checkRevocation(Subject& s) const
{
    STACK_OF(X509)* chain = s.chain.get();
    const int chainLength = s.chainLength;
    s.evidence.resize(static_cast<std::size_t>(chainLength - 1));
    std::string notes;
    for (int i = 0; i + 1 < chainLength; ++i) {
        X509* cert = sk_X509_value(chain, i);
        RevocationEvidence& ev = s.evidence[static_cast<std::size_t>(i)];
        ev.depth = i;
        ev.subject = ossl::nameText(X509_get_subject_name(cert));
        ev.serial = ossl::integerHex(X509_get0_serialNumber(cert));
        if (!config.ocsp) continue;
        // The designated responder serves the card certificates; CA certificates use their AIA
        // (a responder asked about a certificate it does not serve says "unknown" = revoked).
        const std::string url = i == 0 && config.ocspResponderUrl ? *config.ocspResponderUrl
                                                                  : detail::aiaOcspUrl(cert);
        if (url.empty()) continue;
        const detail::OcspAnswer answer
            = detail::queryOcsp(*ocsp(), url, cert, sk_X509_value(chain, i + 1), anchors, chain,
                { s.t, config.clockSkew, config.ocspMaxAge, config.requireOcspNonce });
        switch (answer.status) {
        case detail::OcspAnswer::Status::Good:
            s.cb.ocspGood.push_back(i);
            ev.method = RevocationEvidence::Method::Ocsp;
            ev.source = url;
            ev.thisUpdate = answer.thisUpdate;
            ev.nextUpdate = answer.nextUpdate;
            break;
        case detail::OcspAnswer::Status::Revoked:
        case detail::OcspAnswer::Status::Unknown:
            return s.fail(FailureCode::Revoked,
                "depth " + std::to_string(i) + ": " + answer.detail + " (" + url + ")");
        case detail::OcspAnswer::Status::Unusable:
            notes += "; depth " + std::to_string(i) + ": " + answer.detail;
            break;
        }
    }

    std::vector<ossl::CrlPtr> fetched;
    std::vector<X509_CRL*> crlList;
    for (const auto& c : fileCrls)
        crlList.push_back(c.get());
    if (config.crlFetcher) {
        for (int i = 0; i + 1 < chainLength; ++i) {
            if (std::find(s.cb.ocspGood.begin(), s.cb.ocspGood.end(), i) != s.cb.ocspGood.end())
                continue;
            X509* cert = sk_X509_value(chain, i);
            X509* issuer = sk_X509_value(chain, i + 1);
            X509_CRL* have = crlFor(crlList, cert, issuer);
            if (have != nullptr && crlFresh(have, s.t)) continue;
            for (auto& c : fetchCrls(cert, issuer, s.t, notes))
                fetched.push_back(std::move(c));
        }
        for (const auto& c : fetched)
            crlList.push_back(c.get());
    }
    ossl::CrlStackPtr crls(sk_X509_CRL_new_null());
    if (!crls) throw std::bad_alloc();
    for (X509_CRL* c : crlList) {
        X509_CRL_up_ref(c);
        if (sk_X509_CRL_push(crls.get(), c) <= 0) {
            X509_CRL_free(c);
            throw std::bad_alloc();
        }
    }
    s.cb.revocationPass = true;
    int err = X509_V_OK;
    int depth = 0;
    const ossl::X509StackPtr chainAgain = buildPath(s, crls.get(), err, depth);
    if (!chainAgain) {
        const std::string what = std::string(X509_verify_cert_error_string(err)) + " (depth "
            + std::to_string(depth) + ")";
        if (err == X509_V_ERR_CERT_REVOKED) return s.fail(FailureCode::Revoked, "CRL: " + what);
        if (revocationDataProblem(err))
            return s.fail(FailureCode::RevocationUnavailable, "CRL: " + what + notes);
        return s.fail(FailureCode::UntrustedCertificate, "revocation pass: " + what);
    }
    for (int i = 0; i + 1 < chainLength; ++i) {
        RevocationEvidence& ev = s.evidence[static_cast<std::size_t>(i)];
        if (ev.method == RevocationEvidence::Method::Ocsp) continue;
        X509* cert = sk_X509_value(chain, i);
        X509_CRL* crl = crlFor(crlList, cert, sk_X509_value(chain, i + 1));
        const bool inGrace
            = std::find(s.cb.inGrace.begin(), s.cb.inGrace.end(), i) != s.cb.inGrace.end();
        ev.method
            = inGrace ? RevocationEvidence::Method::CrlGrace : RevocationEvidence::Method::Crl;
        if (crl != nullptr) {
            ev.source = ossl::nameText(X509_CRL_get_issuer(crl));
            ev.thisUpdate = ossl::isoTime(X509_CRL_get0_lastUpdate(crl));
            ev.nextUpdate = ossl::isoTime(X509_CRL_get0_nextUpdate(crl));
            auto* number = static_cast<ASN1_INTEGER*>(
                X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr));
            if (number != nullptr) {
                ev.crlNumber = ossl::integerDecimal(number);
                ASN1_INTEGER_free(number);
            }
        }
    }
    return std::nullopt;
}

std::optional<Failure> Verifier::Impl::bindIdentity(
    Subject& s, const ExpectedIdentity& expected) const
{
    std::string problem;
    const std::string cnText = commonNameOf(s.leaf.get(), problem);
    if (!problem.empty()) return s.fail(FailureCode::IdentityMismatch, problem);
    try {
        s.cn = cns::SubjectCn::parse(cnText);
    } catch (const Error& e) {
        return s.fail(FailureCode::IdentityMismatch,
            "subject CN is not <CF>/<ID_Carta>.<hash>: " + e.message());
    }
    if (!expected.identificationOnly) {
        if (expected.codiceFiscale.empty())
            return s.fail(
                FailureCode::IdentityMismatch, "no expected codice fiscale in the session");
        if (s.cn.codiceFiscale != expected.codiceFiscale)
            return s.fail(FailureCode::IdentityMismatch,
                "certified codice fiscale " + s.cn.codiceFiscale + " is not the account's "
                    + printable(expected.codiceFiscale, 16));
    }
    if (expected.typedCardId) {
        if (!cnsauth::isValidCardIdForm(*expected.typedCardId))
            return s.fail(FailureCode::CardIdMismatch,
                "typed card number is not in the 16-digit EF_IDCarta form");
        if (*expected.typedCardId != s.cn.cardId.digits)
            return s.fail(FailureCode::CardIdMismatch,
                "typed card ID " + *expected.typedCardId + " differs from the certified "
                    + s.cn.cardId.digits);
    }
    return std::nullopt;
}

VerifiedHolder Verifier::Impl::holderOf(Subject& s) const
{
    X509* leaf = s.leaf.get();
    VerifiedHolder h;
    h.codiceFiscale = s.cn.codiceFiscale;
    h.cardId = s.cn.cardId.digits;
    h.certificateSerial = s.serial;
    h.issuer = s.issuer;
    h.subject = ossl::nameText(X509_get_subject_name(leaf));
    h.notBefore = ossl::isoTime(X509_get0_notBefore(leaf));
    h.notAfter = ossl::isoTime(X509_get0_notAfter(leaf));
    h.certificateSha256 = ossl::sha256Hex(leaf);
    h.keyBits = static_cast<unsigned>(s.bits);
    h.weakKeyDeprecated = s.weakKeyDeprecated;
    h.policies = std::move(s.policies);
    h.revocation = std::move(s.evidence);
    h.verifiedAt = ossl::isoTime(s.t);
    ERR_clear_error();
    return h;
}

// ---- The two pipelines ------------------------------------------------------------------------

Outcome Verifier::Impl::run(std::string_view tokenJson, const SessionState& session) const
{
    Subject s;
    s.t = now();
    Bytes signature;
    const ExpectedIdentity expected { session.expectedCodiceFiscale, session.typedCardId,
        session.identificationOnly };
    std::optional<Failure> failed = checkSession(session, s.t); // 1. session state
    if (!failed) failed = decodeToken(tokenJson, s, signature); // 2. parse
    if (!failed) failed = checkSignature(s, signature, session); // 3. signature over M
    if (!failed) failed = checkPathAndProfile(s); // 4. certificate path and profile
    if (!failed) failed = checkRevocation(s); // 5. revocation
    if (!failed) failed = bindIdentity(s, expected); // 6. identity binding
    if (failed) return Outcome::failure(std::move(*failed));
    return Outcome::success(holderOf(s)); // 7. success
}

Outcome Verifier::Impl::runCertificate(
    ByteView der, const std::vector<Bytes>& chainDer, const Account& account) const
{
    Subject s;
    s.t = now();
    const ExpectedIdentity expected { account.codiceFiscale, account.typedCardId, false };
    // No session state, token or signature: the TLS handshake proved possession of the key.
    std::optional<Failure> failed = decodeCertificate(der, chainDer, s); // 2. strict DER, key
    if (!failed) failed = checkPathAndProfile(s); // 4. certificate path and profile
    if (!failed) failed = checkRevocation(s); // 5. revocation
    if (!failed) failed = bindIdentity(s, expected); // 6. identity binding
    if (failed) return Outcome::failure(std::move(*failed));
    return Outcome::success(holderOf(s)); // 7. success
}

namespace {
    /// Runs a pipeline; unexpected errors become FailureCode::Internal (fail closed).
    template <typename F> Outcome neverThrows(F&& pipeline)
    {
        try {
            return pipeline();
        } catch (const Error& e) {
            return Outcome::failure(makeFailure(FailureCode::Internal, e.message()));
        } catch (const std::exception& e) {
            return Outcome::failure(makeFailure(FailureCode::Internal, e.what()));
        } catch (...) {
            return Outcome::failure(makeFailure(FailureCode::Internal, "unknown exception"));
        }
    }
} // namespace

Outcome Verifier::verify(std::string_view tokenJson, const SessionState& session) const
{
    return neverThrows([&] { return impl_->run(tokenJson, session); });
}

Outcome Verifier::verifyCertificate(
    ByteView der, const std::vector<Bytes>& chainDer, const Account& account) const
{
    return neverThrows([&] { return impl_->runCertificate(der, chainDer, account); });
}

Outcome Verifier::verify(ChallengeStore& store, std::string_view sessionId,
    std::string_view tokenJson, const Account& account) const
{
    // Step 1: get-and-delete before any cryptography (single use, also on failure).
    TakeResult taken;
    try {
        taken = store.take(sessionId);
    } catch (const std::exception& e) {
        return Outcome::failure(
            makeFailure(FailureCode::Internal, std::string("challenge store: ") + e.what()));
    }
    // take() already counted this attempt as a failure (before any cryptography, in the same
    // atomic step as the get-and-delete), so parallel attempts cannot exceed the limit; a
    // success forgets the count (endSession below).
    auto countFailure = [&](Failure f) {
        f.sessionDropped
            = taken.record && taken.record->failedAttempts >= ChallengeStore::kMaxFailedAttempts;
        return Outcome::failure(std::move(f));
    };
    switch (taken.status) {
    case TakeStatus::Missing:
        return Outcome::failure(makeFailure(FailureCode::SessionMissing,
            "no live challenge for the session (never issued, already used, or ended)"));
    case TakeStatus::TooManyAttempts: {
        Failure f
            = makeFailure(FailureCode::TooManyAttempts, "session dropped after 3 failed attempts");
        f.sessionDropped = true;
        return Outcome::failure(std::move(f));
    }
    case TakeStatus::Expired:
        return countFailure(makeFailure(FailureCode::ChallengeExpired,
            "challenge expired at "
                + (taken.record ? ossl::isoTime(taken.record->expiresAt) : std::string("?"))));
    case TakeStatus::Taken:
        break;
    }
    if (!taken.record)
        return Outcome::failure(makeFailure(FailureCode::Internal, "store returned no record"));
    SessionState state;
    state.origin = taken.record->origin;
    state.challenge = taken.record->challenge;
    state.context = taken.record->context;
    state.expectedCodiceFiscale = account.codiceFiscale;
    state.typedCardId = account.typedCardId;
    state.expiresAt = taken.record->expiresAt;
    Outcome outcome = verify(tokenJson, state);
    if (!outcome.ok()) return countFailure(outcome.failure());
    try {
        store.endSession(sessionId);
    } catch (const std::exception&) {
        // The challenge is already gone; a stale failure counter is harmless.
    }
    return outcome;
}

} // namespace tscns::verifier
