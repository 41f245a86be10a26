// SPDX-License-Identifier: LGPL-2.1-or-later
// Test material for the verifier: personalized virtual cards (tscns::vcard) with their test CAs,
// CRLs, re-issued certificate variants, an intermediate CA, token signing and a stub OCSP
// responder. Everything is generated; no real card data. Objects with destructors are used only
// inside Checker lambdas or in the group fixture (docs/development.md §6).
#pragma once

#include "test_support.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/cnsauth/token.hpp"
#include "tscns/verifier/ocsp_client.hpp"
#include "tscns/verifier/verifier.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::verifier::test {

inline constexpr std::string_view kOrigin = "https://fse.example.it";
inline constexpr std::string_view kContext = "fse-login-2fa";
inline constexpr std::string_view kCnsPolicy = "1.3.76.16.2.1";
inline constexpr std::string_view kCdpUrl = "http://crl.test.invalid/ca11.crl";

/// One personalized card image on disk.
struct Card {
    std::filesystem::path dir; ///< ca.pem, ca-key.pem, cert.pem, key.pem, card.json
    std::string codiceFiscale;
    std::string cardId;
    Bytes certDer;
    Bytes caDer; ///< the test CA certificate
    std::string serialHex;
    TimePoint notBefore;
    TimePoint notAfter;

    [[nodiscard]] std::filesystem::path ca() const { return dir / "ca.pem"; }
    [[nodiscard]] std::filesystem::path caKey() const { return dir / "ca-key.pem"; }
    [[nodiscard]] std::filesystem::path key() const { return dir / "key.pem"; }
};

/// Built once per test binary (group setup).
struct Artifacts {
    std::filesystem::path root;
    Card a; ///< st-cns11, seed 11, RSA-2048, CA "tscns Test CA 11"
    Card b; ///< st-cns11, seed 12: another CA
    Card weak; ///< athena-cns10, seed 13, RSA-1024
    TimePoint now; ///< a.notBefore + 30 days: every certificate and CRL valid
    std::filesystem::path crlA; ///< CA A, lists nothing
    std::filesystem::path crlARevoked; ///< CA A, lists card A's serial
    std::filesystem::path crlWeak; ///< CA of the RSA-1024 card, lists nothing
    // Card A's key re-certified by CA A with one change each.
    Bytes certNoPolicy; ///< certificatePolicies removed
    Bytes certOtherPolicy; ///< only a Lombardy CRS policy (1.3.159.6.1.3.2.10)
    Bytes certNonRepudiation; ///< keyUsage nonRepudiation only
    Bytes certEmailEku; ///< EKU emailProtection only
    Bytes certBadCn; ///< CN "RSSMRA80A01F205X" only (no card ID, no hash)
    Bytes certWithCdp; ///< crlDistributionPoints URI kCdpUrl
    Bytes certSha1; ///< signed with sha1WithRSAEncryption
    // Three levels: CA A -> intermediate -> card A's key.
    Bytes intermediateDer;
    Bytes leafUnderIntermediate;
    std::filesystem::path crlIntermediate; ///< by the intermediate, lists nothing
    std::filesystem::path intermediateFile; ///< the intermediate as a DER file
};

int artifactsSetup(void** state);
int artifactsTeardown(void** state);
const Artifacts& artifacts(void** state);

/// How writeCaCrl signs: by default with the named CA's own key and SHA-256.
struct CrlSigning {
    const Card* signer = nullptr; ///< another card's CA key signs under `ca`'s name (a forgery)
    bool sha1 = false; ///< sha1WithRSAEncryption
};

/// Writes DIR/name: a CRL by card `ca`'s test CA listing `revokedSerials` (hex), valid
/// from..until.
std::filesystem::path writeCaCrl(const Artifacts& x, const Card& ca, const std::string& name,
    const std::vector<std::string>& revokedSerials, TimePoint from, TimePoint until,
    CrlSigning signing = {});

/// A token signed with `keyPem` over signedMessage(origin, challenge, context).
cnsauth::Token signToken(const std::filesystem::path& keyPem, ByteView certDer,
    std::string_view origin, std::string_view challenge, std::string_view context);
/// Card A's token for kOrigin/kContext and `challenge`, as JSON.
std::string tokenJson(const Card& card, std::string_view challenge);

/// The configuration most tests start from: anchor CA A, CRL crlA, the test clock.
VerifierConfig baseConfig(const Artifacts& x, const TimePoint* clock);
/// Session state for kOrigin/kContext, `challenge`, expecting card A's CF.
SessionState sessionFor(const Card& card, std::string_view challenge);

/// A syntactically valid challenge (43 base64url characters) differing per `n`.
std::string fixedChallenge(int n);

/// Stub OCSP responder answering for one CA (signs with its key), in-process.
class StubOcsp final : public OcspClient {
public:
    enum class Mode { Good, Revoked, Unknown, NoNonce, WrongSigner, Unreachable };
    StubOcsp(const Card& ca, Mode mode, const TimePoint* clock);
    ~StubOcsp() override;
    std::optional<Bytes> post(const std::string& url, ByteView request) override;

    std::atomic<int> calls { 0 };
    std::string lastUrl;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

using tscns::test::makeTempDir; // tests/support
using tscns::test::removeTree;

} // namespace tscns::verifier::test
