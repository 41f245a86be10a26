// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns verify`: the command line over tscns::verifier.
#include "verify.hpp"

#include "exit_codes.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cnsauth/validators.hpp"
#include "tscns/verifier/verifier.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

namespace tscns::tool {

const char* const kVerifyUsage
    = R"(Usage: tscns verify --token FILE|- --origin ORIGIN --challenge CHALLENGE --context CONTEXT
                    --ca FILE|DIR [--ca ...] [options]

Verifies a cns-auth:1 token (cns-auth.md §5.3) as a login service would, with the session values
given on the command line: parse, signature over the message rebuilt from ORIGIN, CHALLENGE and
CONTEXT, certificate path to the --ca anchors, certificate profile, revocation, identity. Prints
the verified holder (codice fiscale, card ID as certified, serial, issuer). No card is needed.

Required:
  --token FILE|-           the token JSON (- for standard input)
  --origin ORIGIN          the expected origin, e.g. https://fse.example.it
  --challenge CHALLENGE    the challenge the session issued
  --context CONTEXT        the purpose, e.g. fse-login-2fa
  --ca FILE|DIR            trust anchor certificates (PEM or DER; a directory: every file)

Options:
  --expect-cf CF           the account's codice fiscale (without it: identification only)
  --expect-card-id ID      a 16-digit card ID the user typed, compared with the certified one
  --intermediate FILE      intermediate CA certificates known to the server (untrusted hints)
  --crl FILE               CRL files (PEM or DER), repeatable
  --policy OID             allowed certificate policy, repeatable (default 1.3.76.16.2.1 only)
  --rsa1024-ca FILE        CA whose RSA-1024 cards are accepted (flagged), repeatable
  --crl-grace SECONDS      use a verified CRL up to SECONDS past its nextUpdate (0-604800,
                           default 0); no CRL/OCSP answer at all always fails closed
  --ocsp-url URL           designated OCSP responder for the card certificate
  --no-ocsp                never use OCSP (otherwise used when a certificate names a responder)
  --at TIME                verify as of TIME, "YYYY-MM-DDTHH:MM:SSZ" (default: now)
  --skew SECONDS           clock skew tolerance (default 120)
  --allow-http-origin      accept an http:// origin (development only)
  -j, --json               machine-readable output

Exit codes:
  0  verified               20 session (missing, expired, too many attempts)
  1  internal error         21 malformed token or algorithm mismatch
  2  bad command line or    22 bad signature
     unreadable file        23 untrusted certificate (no path to an anchor)
                            24 certificate expired or not yet valid
                            25 certificate profile (key usage, policy, weak key
                               or signature algorithm)
                            26 revoked
                            27 revocation status unavailable
                            28 identity (codice fiscale or card ID) mismatch
)";

namespace {

    using Json = nlohmann::ordered_json;
    using verifier::FailureCode;

    enum VerifyExit : int {
        kVerifySession = 20,
        kVerifyMalformed = 21,
        kVerifyBadSignature = 22,
        kVerifyUntrusted = 23,
        kVerifyValidity = 24,
        kVerifyProfile = 25,
        kVerifyRevoked = 26,
        kVerifyRevocationUnavailable = 27,
        kVerifyIdentity = 28,
    };

    int exitCodeFor(FailureCode code) noexcept
    {
        switch (code) {
        case FailureCode::SessionMissing:
        case FailureCode::ChallengeExpired:
        case FailureCode::TooManyAttempts:
            return kVerifySession;
        case FailureCode::Malformed:
        case FailureCode::AlgorithmMismatch:
            return kVerifyMalformed;
        case FailureCode::BadSignature:
            return kVerifyBadSignature;
        case FailureCode::UntrustedCertificate:
            return kVerifyUntrusted;
        case FailureCode::CertificateExpired:
        case FailureCode::CertificateNotYetValid:
            return kVerifyValidity;
        case FailureCode::KeyUsage:
        case FailureCode::Policy:
        case FailureCode::WeakKey:
        case FailureCode::WeakSignatureAlgorithm:
            return kVerifyProfile;
        case FailureCode::Revoked:
            return kVerifyRevoked;
        case FailureCode::RevocationUnavailable:
            return kVerifyRevocationUnavailable;
        case FailureCode::IdentityMismatch:
        case FailureCode::CardIdMismatch:
            return kVerifyIdentity;
        case FailureCode::Internal:
            return kFailure;
        }
        return kFailure;
    }

    constexpr std::size_t kMaxTokenRead = 1024 * 1024; // the verifier refuses > 10 KiB anyway

    std::string readToken(const std::string& path)
    {
        std::ostringstream text;
        if (path == "-") {
            text << std::cin.rdbuf();
        } else {
            std::ifstream in(path, std::ios::binary);
            if (!in) throw Error(Errc::BadArgument, "cannot read token file " + path);
            text << in.rdbuf();
        }
        std::string s = text.str();
        if (s.size() > kMaxTokenRead) s.resize(kMaxTokenRead);
        return s;
    }

    verifier::TimePoint parseTime(const std::string& text)
    {
        std::tm tm {};
        int year = 0;
        int month = 0;
        char z = 0;
        if (text.size() != 20
            || std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z)
                != 7
            || z != 'Z' || month < 1 || month > 12 || tm.tm_mday < 1 || tm.tm_mday > 31
            || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
            throw Error(Errc::BadArgument, "--at takes YYYY-MM-DDTHH:MM:SSZ, not \"" + text + "\"");
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        return verifier::Clock::from_time_t(timegm(&tm));
    }

    unsigned parseSeconds(const std::string& v)
    {
        if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos)
            throw Error(Errc::BadArgument, "--skew takes 0 to 3600 seconds, not \"" + v + "\"");
        const unsigned n = static_cast<unsigned>(std::stoul(v));
        if (n > 3600) throw Error(Errc::BadArgument, "--skew takes 0 to 3600 seconds");
        return n;
    }

    /// Rethrows a validator's complaint about a command-line value as a usage error.
    template <typename F> void checkArgument(const char* option, F&& check)
    {
        try {
            check();
        } catch (const Error& e) {
            throw Error(Errc::BadArgument, std::string(option) + ": " + e.message());
        }
    }

    Json evidenceJson(const verifier::RevocationEvidence& ev)
    {
        Json j;
        j["depth"] = ev.depth;
        j["method"] = std::string(verifier::revocationMethodName(ev.method));
        j["subject"] = ev.subject;
        j["serial"] = ev.serial;
        j["source"] = ev.source;
        j["thisUpdate"] = ev.thisUpdate;
        j["nextUpdate"] = ev.nextUpdate;
        if (!ev.crlNumber.empty()) j["crlNumber"] = ev.crlNumber;
        return j;
    }

} // namespace

int cmdVerify(const std::vector<std::string>& args)
{
    std::optional<std::string> tokenPath;
    verifier::SessionState session;
    verifier::VerifierConfig config;
    bool json = false;
    bool policiesGiven = false;
    std::optional<verifier::TimePoint> at;
    bool haveOrigin = false;
    bool haveChallenge = false;
    bool haveContext = false;

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto is = [&](const char* name) {
            return a == name || a.rfind(std::string(name) + "=", 0) == 0;
        };
        auto value = [&](const char* name) -> std::string {
            const std::string prefix = std::string(name) + "=";
            if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
            if (i + 1 >= args.size())
                throw Error(Errc::BadArgument, std::string(name) + " needs a value");
            return args[++i];
        };
        if (a == "-j" || a == "--json")
            json = true;
        else if (is("--token"))
            tokenPath = value("--token");
        else if (is("--origin")) {
            session.origin = value("--origin");
            haveOrigin = true;
        } else if (is("--challenge")) {
            session.challenge = value("--challenge");
            haveChallenge = true;
        } else if (is("--context")) {
            session.context = value("--context");
            haveContext = true;
        } else if (is("--ca"))
            config.trustAnchors.emplace_back(value("--ca"));
        else if (is("--intermediate"))
            config.intermediates.emplace_back(value("--intermediate"));
        else if (is("--crl"))
            config.crlFiles.emplace_back(value("--crl"));
        else if (is("--policy")) {
            if (!policiesGiven) config.allowedPolicies.clear();
            policiesGiven = true;
            config.allowedPolicies.insert(value("--policy"));
        } else if (is("--rsa1024-ca"))
            config.rsa1024IssuingCas.emplace_back(value("--rsa1024-ca"));
        else if (is("--expect-cf"))
            session.expectedCodiceFiscale = value("--expect-cf");
        else if (is("--expect-card-id")) {
            const std::string id = value("--expect-card-id");
            checkArgument("--expect-card-id", [&] { cnsauth::validateCardIdForm(id); });
            session.typedCardId = id;
        } else if (is("--crl-grace")) {
            const std::string g = value("--crl-grace");
            const auto max = verifier::VerifierConfig::kMaxRevocationGrace.count();
            if (g.empty() || g.size() > 6 || g.find_first_not_of("0123456789") != std::string::npos
                || std::stoll(g) > max)
                throw Error(Errc::BadArgument,
                    "--crl-grace takes 0 to " + std::to_string(max) + " seconds, not \"" + g
                        + "\"");
            config.revocationGrace = std::chrono::seconds(std::stoll(g));
        } else if (is("--ocsp-url"))
            config.ocspResponderUrl = value("--ocsp-url");
        else if (a == "--no-ocsp")
            config.ocsp = false;
        else if (is("--at"))
            at = parseTime(value("--at"));
        else if (is("--skew"))
            config.clockSkew = std::chrono::seconds(parseSeconds(value("--skew")));
        else if (a == "--allow-http-origin")
            config.allowHttpOrigins = true;
        else
            throw Error(Errc::BadArgument, "verify: unknown argument \"" + a + "\"");
    }
    if (!tokenPath) throw Error(Errc::BadArgument, "verify needs --token FILE (or - for stdin)");
    if (!haveOrigin || !haveChallenge || !haveContext)
        throw Error(Errc::BadArgument, "verify needs --origin, --challenge and --context");
    if (config.trustAnchors.empty())
        throw Error(Errc::BadArgument, "verify needs at least one --ca");
    checkArgument(
        "--origin", [&] { cnsauth::validateOrigin(session.origin, config.allowHttpOrigins); });
    checkArgument("--challenge", [&] { cnsauth::validateChallenge(session.challenge); });
    checkArgument("--context", [&] { cnsauth::validateContext(session.context); });
    session.identificationOnly = session.expectedCodiceFiscale.empty();
    if (at) {
        const verifier::TimePoint fixed = *at;
        config.now = [fixed] { return fixed; };
    }

    const std::string token = readToken(*tokenPath);
    const verifier::Verifier v(std::move(config)); // BadArgument for unusable files
    const verifier::Outcome outcome = v.verify(token, session);

    if (!outcome.ok()) {
        const verifier::Failure& f = outcome.failure();
        const int rc = exitCodeFor(f.code);
        if (json) {
            Json j;
            j["verified"] = false;
            j["error"]["code"] = std::string(verifier::failureCodeName(f.code));
            j["error"]["reason"] = f.reason;
            if (!f.certificateSerial.empty()) j["error"]["serial"] = f.certificateSerial;
            if (!f.certificateIssuer.empty()) j["error"]["issuer"] = f.certificateIssuer;
            j["error"]["exitCode"] = rc;
            std::cout << j.dump(2) << '\n';
        }
        std::fprintf(stderr, "tscns: verification failed: %s: %s\n",
            std::string(verifier::failureCodeName(f.code)).c_str(), f.reason.c_str());
        return rc;
    }

    const verifier::VerifiedHolder& h = outcome.holder();
    if (json) {
        Json j;
        j["verified"] = true;
        j["codiceFiscale"] = h.codiceFiscale;
        j["codiceFiscaleCompared"] = !session.identificationOnly;
        j["cardId"] = h.cardId;
        j["serial"] = h.certificateSerial;
        j["issuer"] = h.issuer;
        j["subject"] = h.subject;
        j["notBefore"] = h.notBefore;
        j["notAfter"] = h.notAfter;
        j["sha256"] = h.certificateSha256;
        j["keyBits"] = h.keyBits;
        j["weakKeyDeprecated"] = h.weakKeyDeprecated;
        j["policies"] = h.policies;
        j["revocation"] = Json::array();
        for (const auto& ev : h.revocation)
            j["revocation"].push_back(evidenceJson(ev));
        j["verifiedAt"] = h.verifiedAt;
        std::cout << j.dump(2) << '\n';
    } else {
        std::printf("Verified:        yes (as of %s)\n", h.verifiedAt.c_str());
        std::printf("Codice fiscale:  %s%s\n", h.codiceFiscale.c_str(),
            session.identificationOnly ? " (not compared: no --expect-cf)" : "");
        std::printf("Card ID:         %s (as certified)\n", h.cardId.c_str());
        std::printf("Serial:          %s\n", h.certificateSerial.c_str());
        std::printf("Issuer:          %s\n", h.issuer.c_str());
        std::printf("Valid until:     %s\n", h.notAfter.c_str());
        std::printf("Key:             RSA-%u%s\n", h.keyBits,
            h.weakKeyDeprecated ? " (RSA-1024 accepted for a listed CA; deprecated)" : "");
        for (const auto& ev : h.revocation)
            std::printf("Revocation:      depth %d by %s%s%s%s\n", ev.depth,
                std::string(verifier::revocationMethodName(ev.method)).c_str(),
                ev.source.empty() ? "" : (" from " + ev.source).c_str(),
                ev.nextUpdate.empty() ? "" : (", next update " + ev.nextUpdate).c_str(),
                ev.crlNumber.empty() ? "" : (", CRL #" + ev.crlNumber).c_str());
    }
    return kOk;
}

} // namespace tscns::tool
