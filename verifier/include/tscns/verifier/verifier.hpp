// SPDX-License-Identifier: LGPL-2.1-or-later
// Login-service verification of a cns-auth:1 token, in the order of cns-auth.md §5.3, and of a
// TLS client certificate with the same certificate, revocation and identity stages.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/verifier/challenge_store.hpp"
#include "tscns/verifier/ocsp_client.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::verifier {

/// Why a verification failed, in §5.3 order. The portal maps these to its own handling; the
/// client only ever sees kClientMessage (§5.2).
enum class FailureCode {
    SessionMissing, ///< no session / no challenge (already used: replay) / bad session state
    ChallengeExpired, ///< the challenge's TTL had passed
    TooManyAttempts, ///< the session was dropped after 3 failures
    Malformed, ///< token too big, not the JSON schema, wrong format, bad base64 or DER
    AlgorithmMismatch, ///< algorithm is not the pinned RS256, or the key is not RSA
    BadSignature, ///< the signature does not verify over the message rebuilt from the session
    UntrustedCertificate, ///< no path to a trust anchor (unknown CA, bad chain signature, ...)
    CertificateExpired, ///< a certificate of the path is past notAfter (beyond the skew)
    CertificateNotYetValid, ///< a certificate of the path is before notBefore (beyond the skew)
    KeyUsage, ///< no digitalSignature (e.g. nonRepudiation only), EKU without clientAuth, CA cert
    Policy, ///< no certificate policy from the allowlist
    WeakKey, ///< RSA below 1024 bits, or below 2048 from a CA not listed for RSA-1024
    /// A certificate of the path (not the anchor's self-signature) is signed with an algorithm
    /// outside the allowlist: RSA PKCS#1 v1.5 or PSS, or ECDSA, each with SHA-256/384/512 only
    /// (no MD5, no SHA-1).
    WeakSignatureAlgorithm,
    Revoked, ///< CRL or OCSP says revoked (OCSP "unknown" counts as revoked)
    RevocationUnavailable, ///< no usable CRL/OCSP answer (fail closed)
    IdentityMismatch, ///< CN not of the exact CNS form, or its CF is not the account's
    CardIdMismatch, ///< the typed card ID differs from the certified one
    Internal, ///< unexpected failure (also fails closed)
};

/// "SESSION_MISSING", "BAD_SIGNATURE", ... (stable, for logs and the CLI's JSON).
std::string_view failureCodeName(FailureCode code) noexcept;

/// The one message a client may see, whatever failed (cns-auth.md §5.2).
inline constexpr std::string_view kClientMessage = "Authentication with the card failed.";

struct Failure {
    FailureCode code = FailureCode::Internal;
    std::string reason; ///< detail for the audit log only, never for the client
    std::string certificateSerial; ///< upper-case hex, when the certificate could be parsed
    std::string certificateIssuer; ///< RFC 2253, when the certificate could be parsed
    bool sessionDropped = false; ///< store-backed verify: this failure dropped the session

    [[nodiscard]] std::string_view clientMessage() const noexcept { return kClientMessage; }
};

/// How one certificate of the path was checked for revocation.
struct RevocationEvidence {
    enum class Method {
        Crl, ///< a current CRL (before its nextUpdate) from the configuration or the fetch hook
        Ocsp, ///< a signed, fresh, nonce-matching OCSP "good"
        /// A verified CRL past its nextUpdate but within VerifierConfig::revocationGrace (no
        /// newer one could be had). nextUpdate tells how stale it was.
        CrlGrace,
    };
    int depth = 0; ///< 0 = the card's certificate, 1 = its issuer, ...
    Method method = Method::Crl;
    std::string subject; ///< of the checked certificate (RFC 2253)
    std::string serial; ///< of the checked certificate (upper-case hex)
    std::string source; ///< CRL issuer or OCSP responder URL
    std::string thisUpdate; ///< ISO 8601 UTC, empty when unknown
    std::string nextUpdate;
    std::string crlNumber; ///< decimal, CRL only, empty when absent
};

std::string_view revocationMethodName(RevocationEvidence::Method method) noexcept;

/// Who was verified: everything comes from the validated certificate, nothing from the token.
struct VerifiedHolder {
    std::string codiceFiscale; ///< from the CN, equal to the account's
    std::string cardId; ///< ID_Carta as certified in the CN (16 digits)
    std::string certificateSerial; ///< upper-case hex
    std::string issuer; ///< RFC 2253
    std::string subject; ///< RFC 2253
    std::string notBefore; ///< ISO 8601 UTC
    std::string notAfter;
    std::string certificateSha256; ///< lower-case hex of the DER
    unsigned keyBits = 0;
    bool weakKeyDeprecated = false; ///< RSA-1024 accepted for a listed CA: flag for deprecation
    std::vector<std::string> policies; ///< the allowlisted policy OIDs the certificate carries
    std::vector<RevocationEvidence> revocation; ///< one entry per non-anchor certificate
    std::string verifiedAt; ///< ISO 8601 UTC, by the verifier's clock
};

/// Either a VerifiedHolder or a Failure.
class Outcome {
public:
    static Outcome success(VerifiedHolder holder);
    static Outcome failure(Failure failure);

    [[nodiscard]] bool ok() const noexcept { return holder_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    /// Throw Error(Internal) when called on the other kind of outcome.
    [[nodiscard]] const VerifiedHolder& holder() const;
    [[nodiscard]] const Failure& failure() const;

private:
    std::optional<VerifiedHolder> holder_;
    std::optional<Failure> failure_;
};

/// What the login service knows about the request, from its own session (never from the token).
struct SessionState {
    std::string origin; ///< expected origin, ASCII serialization
    std::string challenge; ///< the challenge issued for this session
    std::string context; ///< the purpose
    /// The account's CF (16 upper-case characters). Compared exactly with the certified one.
    std::string expectedCodiceFiscale;
    /// A card number the user typed, only if in the 16-digit EF_IDCarta form (§3.4 note);
    /// compared with the ID_Carta certified in the CN, never with the token's cardId.
    std::optional<std::string> typedCardId;
    /// When set, a challenge past this time fails with ChallengeExpired.
    std::optional<TimePoint> expiresAt;
    /// Identification only: skip the CF comparison (the CN must still parse). For tools
    /// (`tscns verify` without --expect-cf); a login service never sets it.
    bool identificationOnly = false;
};

/// The account a store-backed verification binds to.
struct Account {
    std::string codiceFiscale;
    std::optional<std::string> typedCardId;
};

/// Returns a CRL (DER or PEM) for a CRL distribution point URL, or nullopt. Called only for
/// certificates no current configured CRL covers. A downloaded CRL is checked before it is
/// cached (one CRL, issuer name and signature of the certificate's issuing CA, an allowed
/// signature algorithm, not a delta CRL, thisUpdate not in the future beyond the skew,
/// nextUpdate present and not older than a cached one); a refused answer is never cached and
/// never replaces the cached CRL. The cached CRL is used until its nextUpdate, then the hook is
/// asked again on every verification until it yields a newer acceptable CRL.
using CrlFetcher = std::function<std::optional<Bytes>(const std::string& url)>;

struct VerifierConfig {
    /// The pinned JWA algorithm; only "RS256" is implemented (the constructor refuses others).
    std::string algorithm = "RS256";
    /// Trust anchors: files (PEM with one or more certificates, or one DER certificate) or
    /// directories (every regular file in them is read). Anchors need not be self-signed: the
    /// TS-CNS issuing CAs of the trusted list are pinned as they are (X509_V_FLAG_PARTIAL_CHAIN).
    std::vector<std::filesystem::path> trustAnchors;
    /// Intermediate CA certificates known to the server. Like the token's intermediates they
    /// are untrusted path-building hints: they must chain to an anchor.
    std::vector<std::filesystem::path> intermediates;
    /// A certificate must carry at least one of these policies. Default: CNS only (§5.3 step
    /// 4); add e.g. the Lombardy CRS OIDs only on purpose.
    std::set<std::string> allowedPolicies { "1.3.76.16.2.1" };
    /// CA certificates known to have issued RSA-1024 cards (CNS 1.0). A 1024..2047-bit key is
    /// accepted only when its issuing CA is one of these, and the result is flagged.
    std::vector<std::filesystem::path> rsa1024IssuingCas;
    /// Tolerance for certificate notBefore/notAfter, CRL thisUpdate and OCSP times.
    std::chrono::seconds clockSkew { 120 };
    /// CRL files (PEM, possibly several, or DER), checked with X509_V_FLAG_CRL_CHECK(_ALL).
    std::vector<std::filesystem::path> crlFiles;
    /// Optional CRL download hook for the certificates' CRL distribution points.
    CrlFetcher crlFetcher;
    /// OCSP is used for a certificate when a responder URL is known: ocspResponderUrl (card
    /// certificate only), else the certificate's AIA. Set false to use CRLs only. When OCSP gives
    /// no usable answer the CRLs are used; "revoked" and "unknown" are final.
    bool ocsp = true;
    /// Transport for OCSP; null means makeHttpOcspClient() (created on first use only).
    std::shared_ptr<OcspClient> ocspClient;
    /// A designated responder for the card certificate, overriding its AIA.
    std::optional<std::string> ocspResponderUrl;
    /// OCSP thisUpdate may be at most this old (plus the skew).
    std::chrono::seconds ocspMaxAge { 120 };
    /// Require the responder to echo our nonce (RFC 8954). Without it a response is unusable.
    bool requireOcspNonce = true;
    /// How long a verified CRL (configured or downloaded) may still be used past its
    /// nextUpdate when no newer one can be had (evidence "crl-grace"); 0 to 7 days. Default 0:
    /// a CRL past nextUpdate is unusable. No revocation data at all always fails closed (§5.3
    /// step 5), and a grace never hides a revocation the stale CRL lists.
    std::chrono::seconds revocationGrace { 0 };
    static constexpr std::chrono::seconds kMaxRevocationGrace { 7 * 24 * 3600 };
    /// Accept http:// session origins (development portals only).
    bool allowHttpOrigins = false;
    /// Clock hook; empty means the system clock.
    NowFunction now;
};

/// A configured verifier. Construction loads every file; verify() is const and thread-safe.
class Verifier {
public:
    /// Throws Error(BadArgument) naming the file or setting when the configuration is unusable
    /// (no anchors, unreadable or non-certificate files, unknown algorithm, invalid OID, a CRL
    /// file signed with an algorithm outside the allowlist, revocationGrace out of range).
    explicit Verifier(VerifierConfig config);
    ~Verifier();
    Verifier(Verifier&&) noexcept;
    Verifier& operator=(Verifier&&) noexcept;
    Verifier(const Verifier&) = delete;
    Verifier& operator=(const Verifier&) = delete;

    /// Verifies `tokenJson` against session state the caller already took from its store:
    /// session state sanity (and expiresAt), parse, signature over the message rebuilt from
    /// `session`, certificate path and profile, revocation, identity (§5.3 steps 2-6).
    /// Never throws; unexpected errors become FailureCode::Internal.
    [[nodiscard]] Outcome verify(std::string_view tokenJson, const SessionState& session) const;

    /// The full §5.3 sequence with a store: take (get-and-delete, which also charges the
    /// attempt as a failure, ChallengeStore::take) the session's challenge before any
    /// cryptography, verify, then on success end the session, which forgets the charge (the
    /// caller rotates its session ID). A failure is not recorded again; Failure::sessionDropped
    /// says whether this attempt was the 3rd. Never throws.
    [[nodiscard]] Outcome verify(ChallengeStore& store, std::string_view sessionId,
        std::string_view tokenJson, const Account& account) const;

    /// Verifies a certificate a client presented in TLS client authentication with the same
    /// policy as a token's: strict DER and an RSA key of at least 1024 bits, certificate path
    /// and CNS profile, revocation, identity binding to `account` (§5.3 steps 4-6). There is no
    /// token, challenge or signature: the TLS handshake (CertificateVerify) proved possession of
    /// the key, so the caller must pass only the certificate of a completed handshake. `chainDer`
    /// holds the further certificates the client sent (at most 8), untrusted path-building hints
    /// like a token's intermediates. No challenge store is involved: the caller counts failed
    /// attempts. Never throws; unexpected errors become FailureCode::Internal.
    [[nodiscard]] Outcome verifyCertificate(
        ByteView der, const std::vector<Bytes>& chainDer, const Account& account) const;

    /// The configured trust anchors (DER), e.g. for the CA names a TLS server sends in its
    /// CertificateRequest so that browsers offer a CNS certificate.
    [[nodiscard]] std::vector<Bytes> trustAnchors() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace tscns::verifier
