// SPDX-License-Identifier: LGPL-2.1-or-later
// Verifier: tokens signed with personalized virtual cards' keys, checked in the order of
// cns-auth.md §5.3 (session, parse, signature, certificate, revocation, identity), and the same
// certificates presented as TLS client certificates (verifyCertificate).
#include "fixture.hpp"
#include "groups.hpp"

#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/verifier/memory_challenge_store.hpp"
#include "tscns/verifier/sqlite_challenge_store.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

// Last: it brings cmocka, whose fail() macro clashes with standard headers.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::verifier;
using namespace tscns::verifier::test;
using tscns::test::Checker;
using namespace std::chrono_literals;

namespace {

using Tweak = std::function<void(VerifierConfig&)>;

Bytes readBytes(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    return { s.begin(), s.end() };
}

/// Verifies once with the base configuration changed by `tweak`, at time `at`.
Outcome verifyOnce(const Artifacts& x, const std::string& token, const SessionState& session,
    const Tweak& tweak = {}, std::optional<TimePoint> at = std::nullopt)
{
    const TimePoint clock = at.value_or(x.now);
    VerifierConfig config = baseConfig(x, &clock);
    if (tweak) tweak(config);
    const Verifier v(std::move(config));
    return v.verify(token, session);
}

/// Card `card`'s key over (origin, challenge, context), with `certDer` and a token tweak.
std::string signedJson(const Card& card, ByteView certDer, std::string_view origin,
    std::string_view challenge, std::string_view context,
    const std::function<void(cnsauth::Token&)>& tweak = {})
{
    cnsauth::Token t = signToken(card.key(), certDer, origin, challenge, context);
    t.cardId = card.cardId;
    if (tweak) tweak(t);
    return cnsauth::toJson(t);
}

/// "2026-01-02T03:04:05Z", as RevocationEvidence reports times.
std::string isoUtc(TimePoint t)
{
    const std::time_t tt = Clock::to_time_t(t);
    std::tm tm {};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

Outcome certOnce(const Artifacts& x, ByteView der, const std::vector<Bytes>& chain,
    const std::string& cf, const Tweak& tweak = {}, std::optional<TimePoint> at = std::nullopt);

std::string describe(const Outcome& o)
{
    if (o.ok()) return "accepted (" + o.holder().codiceFiscale + ")";
    return std::string(failureCodeName(o.failure().code)) + ": " + o.failure().reason;
}

void expectOk(Checker& c, const Outcome& o, std::string_view what)
{
    if (!o.ok()) c.report(std::string(what) + ": expected success, got " + describe(o));
}

void expectCode(Checker& c, const Outcome& o, FailureCode code, std::string_view what)
{
    if (o.ok()) {
        c.report(std::string(what) + ": expected " + std::string(failureCodeName(code)) + ", got "
            + describe(o));
        return;
    }
    if (o.failure().code != code)
        c.report(std::string(what) + ": expected " + std::string(failureCodeName(code)) + ", got "
            + describe(o));
    if (o.failure().clientMessage() != kClientMessage)
        c.report(std::string(what) + ": client message is not the constant one");
    if (o.failure().reason.empty()) c.report(std::string(what) + ": no audit reason");
}

// ---- acceptance ---------------------------------------------------------------------------------

// The holder of card A, as its certificate says (both verification paths).
void expectCardA(Checker& c, const Artifacts& x, const VerifiedHolder& h)
{
    c.eq(h.codiceFiscale, x.a.codiceFiscale, "CF from the CN");
    c.eq(h.cardId, x.a.cardId, "card ID from the CN");
    c.eq(h.certificateSerial, x.a.serialHex, "serial");
    c.that(h.issuer.find("CN=tscns Test CA 11") != std::string::npos, "issuer: " + h.issuer);
}

void verify_validToken_returnsCertifiedHolder(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(1);
        const Outcome o = verifyOnce(x, tokenJson(x.a, ch), sessionFor(x.a, ch));
        expectOk(c, o, "card A");
        if (!o.ok()) return;
        const VerifiedHolder& h = o.holder();
        expectCardA(c, x, h);
        c.that(h.subject.find(x.a.codiceFiscale + "/" + x.a.cardId + ".") != std::string::npos,
            "subject: " + h.subject);
        c.eq(h.keyBits, 2048U, "key size");
        c.that(!h.weakKeyDeprecated, "not flagged");
        c.that(h.policies == std::vector<std::string> { std::string(kCnsPolicy) }, "CNS policy");
        c.eq(h.notAfter.size(), 20, "notAfter ISO 8601");
        c.eq(h.certificateSha256.size(), 64, "fingerprint");
        c.eq(h.revocation.size(), 1, "one non-anchor certificate");
        if (h.revocation.size() == 1) {
            const RevocationEvidence& ev = h.revocation[0];
            c.eq(ev.method, RevocationEvidence::Method::Crl, "checked by CRL");
            c.eq(ev.depth, 0, "depth");
            c.eq(ev.serial, x.a.serialHex, "evidence serial");
            c.that(ev.source.find("tscns Test CA 11") != std::string::npos, "CRL issuer");
            c.eq(ev.crlNumber, "7", "CRL number");
            c.that(!ev.thisUpdate.empty() && !ev.nextUpdate.empty(), "CRL times");
            c.eq(revocationMethodName(ev.method), "crl", "method name");
        }
    });
}

void verify_storeBacked_singleUseAcrossStores(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        TimePoint clock = x.now;
        const Verifier v(baseConfig(x, &clock));
        MemoryChallengeStore memory([&] { return clock; });
        SqliteChallengeStore sqlite(":memory:", [&] { return clock; });
        for (ChallengeStore* store :
            { static_cast<ChallengeStore*>(&memory), static_cast<ChallengeStore*>(&sqlite) }) {
            const std::string ch = store->issue("sid-1", kOrigin, kContext);
            const std::string token = tokenJson(x.a, ch);
            clock += 5s;
            const Outcome first = v.verify(*store, "sid-1", token, { x.a.codiceFiscale, {} });
            expectOk(c, first, "first use");
            const Outcome replay = v.verify(*store, "sid-1", token, { x.a.codiceFiscale, {} });
            expectCode(c, replay, FailureCode::SessionMissing, "replayed challenge");
            if (!replay.ok()) c.that(!replay.failure().sessionDropped, "replay drops nothing");
        }
    });
}

// ---- session step ------------------------------------------------------------------------------

void verify_expiredChallenge_rejected(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        TimePoint clock = x.now;
        const Verifier v(baseConfig(x, &clock));
        MemoryChallengeStore store([&] { return clock; });
        const std::string ch = store.issue("sid", kOrigin, kContext, 60s);
        const std::string token = tokenJson(x.a, ch);
        clock += 61s;
        expectCode(c, v.verify(store, "sid", token, { x.a.codiceFiscale, {} }),
            FailureCode::ChallengeExpired, "store-backed, TTL passed");
        expectCode(c, v.verify(store, "sid", token, { x.a.codiceFiscale, {} }),
            FailureCode::SessionMissing, "deleted with the failure");

        SessionState s = sessionFor(x.a, ch);
        s.expiresAt = clock - 1s;
        expectCode(c, v.verify(token, s), FailureCode::ChallengeExpired, "session state expiry");
    });
}

void verify_threeFailures_dropSession(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        TimePoint clock = x.now;
        const Verifier v(baseConfig(x, &clock));
        SqliteChallengeStore store(":memory:", [&] { return clock; });
        for (int i = 1; i <= 3; ++i) {
            const std::string ch = store.issue("sid", kOrigin, kContext);
            const std::string wrong
                = signedJson(x.a, x.a.certDer, "https://evil.example", ch, kContext);
            const Outcome o = v.verify(store, "sid", wrong, { x.a.codiceFiscale, {} });
            expectCode(c, o, FailureCode::BadSignature, "attempt " + std::to_string(i));
            if (!o.ok()) c.eq(o.failure().sessionDropped, i == 3, "dropped on the third");
        }
        c.throws(
            Errc::NotLoggedIn, [&] { (void)store.issue("sid", kOrigin, kContext); },
            "no fourth challenge");
        expectCode(c, v.verify(store, "sid", "{}", { x.a.codiceFiscale, {} }),
            FailureCode::TooManyAttempts, "dropped session");
    });
}

void verify_sessionStepComesFirst(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        TimePoint clock = x.now;
        const Verifier v(baseConfig(x, &clock));
        MemoryChallengeStore store([&] { return clock; });
        expectCode(c, v.verify(store, "nobody", "not even JSON", { x.a.codiceFiscale, {} }),
            FailureCode::SessionMissing, "no session before parsing");
        SessionState s = sessionFor(x.a, "short");
        expectCode(c, v.verify("not even JSON", s), FailureCode::SessionMissing,
            "unusable session state before parsing");
        s = sessionFor(x.a, fixedChallenge(2));
        s.origin = "https://fse.example.it/";
        expectCode(c, v.verify(tokenJson(x.a, fixedChallenge(2)), s), FailureCode::SessionMissing,
            "session origin not serialized");
    });
}

// ---- parse step ---------------------------------------------------------------------------------

void verify_malformedTokens_rejected(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(3);
        const SessionState s = sessionFor(x.a, ch);
        const std::string good = tokenJson(x.a, ch);
        expectCode(c, verifyOnce(x, "{", s), FailureCode::Malformed, "not JSON");
        expectCode(c, verifyOnce(x, "", s), FailureCode::Malformed, "empty");
        expectCode(c, verifyOnce(x, "[" + good + "]", s), FailureCode::Malformed, "array");
        expectCode(c, verifyOnce(x, good + "x", s), FailureCode::Malformed, "trailing text");
        std::string extra = good;
        extra.insert(1, R"("origin":"https://fse.example.it",)");
        expectCode(c, verifyOnce(x, extra, s), FailureCode::Malformed, "unknown member");
        std::string dup = good;
        dup.insert(1, R"("format":"cns-auth:1",)");
        expectCode(c, verifyOnce(x, dup, s), FailureCode::Malformed, "duplicated member");
        const std::string typed = signedJson(x.a, x.a.certDer, kOrigin, ch, kContext,
            [](cnsauth::Token& t) { t.unverifiedIntermediates = { "%%%%" }; });
        expectCode(c, verifyOnce(x, typed, s), FailureCode::Malformed, "intermediate not base64");
        const std::string oversize = signedJson(x.a, x.a.certDer, kOrigin, ch, kContext,
            [](cnsauth::Token& t) { t.appVersion = std::string(cnsauth::kMaxTokenSize, 'v'); });
        expectCode(c, verifyOnce(x, oversize, s), FailureCode::Malformed, "oversize token");
        expectCode(c, verifyOnce(x, std::string(11 * 1024, ' '), s), FailureCode::Malformed,
            "oversize whitespace");
    });
}

void verify_wrongFormatOrAlgorithm_rejected(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(4);
        const SessionState s = sessionFor(x.a, ch);
        auto with = [&](const std::function<void(cnsauth::Token&)>& tweak) {
            return signedJson(x.a, x.a.certDer, kOrigin, ch, kContext, tweak);
        };
        expectCode(c, verifyOnce(x, with([](auto& t) { t.format = "cns-auth:2"; }), s),
            FailureCode::Malformed, "cns-auth:2");
        expectCode(c, verifyOnce(x, with([](auto& t) { t.format = "web-eid:1.0"; }), s),
            FailureCode::Malformed, "web-eid format");
        expectCode(c, verifyOnce(x, with([](auto& t) { t.format = "CNS-AUTH:1"; }), s),
            FailureCode::Malformed, "case differs");
        for (const char* alg : { "PS256", "none", "rs256", "RS512", "ES256" })
            expectCode(c, verifyOnce(x, with([&](auto& t) { t.algorithm = alg; }), s),
                FailureCode::AlgorithmMismatch, std::string("algorithm ") + alg);
    });
}

void verify_nonStrictCertificateEncoding_rejected(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(5);
        const SessionState s = sessionFor(x.a, ch);
        Bytes trailing = x.a.certDer;
        trailing.push_back(0x00);
        expectCode(c, verifyOnce(x, signedJson(x.a, trailing, kOrigin, ch, kContext), s),
            FailureCode::Malformed, "a byte after the DER");
        Bytes twice = x.a.certDer;
        twice.insert(twice.end(), x.a.certDer.begin(), x.a.certDer.end());
        expectCode(c, verifyOnce(x, signedJson(x.a, twice, kOrigin, ch, kContext), s),
            FailureCode::Malformed, "two certificates");
        // BER: the outer SEQUENCE length in a non-minimal long form (82 hh ll -> 83 00 hh ll).
        Bytes ber = x.a.certDer;
        c.that(ber.size() > 4 && ber[0] == 0x30 && ber[1] == 0x82, "DER starts 30 82");
        ber[1] = 0x83;
        ber.insert(ber.begin() + 2, 0x00);
        expectCode(c, verifyOnce(x, signedJson(x.a, ber, kOrigin, ch, kContext), s),
            FailureCode::Malformed, "non-minimal length");
        // BER inside the signed part: the TBSCertificate length in a non-minimal form too.
        Bytes innerBer = x.a.certDer;
        c.that(innerBer[4] == 0x30 && innerBer[5] == 0x82, "TBS starts 30 82");
        innerBer[5] = 0x83;
        innerBer.insert(innerBer.begin() + 6, 0x00);
        const std::size_t outerLength = innerBer.size() - 4;
        innerBer[2] = static_cast<std::uint8_t>(outerLength >> 8);
        innerBer[3] = static_cast<std::uint8_t>(outerLength & 0xFF);
        expectCode(c, verifyOnce(x, signedJson(x.a, innerBer, kOrigin, ch, kContext), s),
            FailureCode::Malformed, "non-minimal TBSCertificate length");
        Bytes cut(x.a.certDer.begin(), x.a.certDer.end() - 1);
        expectCode(c, verifyOnce(x, signedJson(x.a, cut, kOrigin, ch, kContext), s),
            FailureCode::Malformed, "truncated DER");
        const std::string wrapped = signedJson(x.a, x.a.certDer, kOrigin, ch, kContext,
            [](cnsauth::Token& t) { t.unverifiedCertificate.insert(64, "\n"); });
        expectCode(c, verifyOnce(x, wrapped, s), FailureCode::Malformed, "line break in base64");
        const std::string urlSafe
            = signedJson(x.a, x.a.certDer, kOrigin, ch, kContext, [](cnsauth::Token& t) {
                  for (char& ch2 : t.signature)
                      if (ch2 == '+')
                          ch2 = '-';
                      else if (ch2 == '/')
                          ch2 = '_';
                  t.signature += "-_"; // ensure at least one URL-safe character
              });
        expectCode(c, verifyOnce(x, urlSafe, s), FailureCode::Malformed, "base64url signature");
    });
}

// ---- signature step -----------------------------------------------------------------------------

void verify_messageFromOtherRequest_badSignature(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(6);
        const SessionState s = sessionFor(x.a, ch);
        expectCode(c,
            verifyOnce(x, signedJson(x.a, x.a.certDer, "https://evil.example", ch, kContext), s),
            FailureCode::BadSignature, "wrong origin");
        expectCode(c,
            verifyOnce(x, signedJson(x.a, x.a.certDer, kOrigin, ch, "step-up-payment"), s),
            FailureCode::BadSignature, "wrong context");
        expectCode(c,
            verifyOnce(x, signedJson(x.a, x.a.certDer, kOrigin, fixedChallenge(7), kContext), s),
            FailureCode::BadSignature, "another session's challenge");
        expectCode(c,
            verifyOnce(
                x, signedJson(x.a, x.a.certDer, "https://fse.example.it:8443", ch, kContext), s),
            FailureCode::BadSignature, "same host, other port");
    });
}

void verify_tamperedSignature_badSignature(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(8);
        const SessionState s = sessionFor(x.a, ch);
        auto tamper = [&](const std::function<void(Bytes&)>& change) {
            return signedJson(x.a, x.a.certDer, kOrigin, ch, kContext, [&](cnsauth::Token& t) {
                Bytes sig = cnsauth::base64Decode(t.signature);
                change(sig);
                t.signature = cnsauth::base64Encode(sig);
            });
        };
        expectCode(c, verifyOnce(x, tamper([](Bytes& b) { b[b.size() / 2] ^= 0x01; }), s),
            FailureCode::BadSignature, "one bit flipped");
        expectCode(c, verifyOnce(x, tamper([](Bytes& b) { b.pop_back(); }), s),
            FailureCode::BadSignature, "one byte short");
        expectCode(c, verifyOnce(x, tamper([](Bytes& b) { b.insert(b.begin(), 0x00); }), s),
            FailureCode::BadSignature, "leading zero byte added");
        // A signature by card B's key with card A's certificate.
        const std::string swapped = signedJson(x.b, x.a.certDer, kOrigin, ch, kContext);
        expectCode(c, verifyOnce(x, swapped, s), FailureCode::BadSignature, "other card's key");
    });
}

void verify_signatureCheckedBeforeCertificate(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(9);
        const SessionState s = sessionFor(x.a, ch);
        const std::string wrongOrigin
            = signedJson(x.a, x.a.certDer, "https://evil.example", ch, kContext);
        expectCode(c,
            verifyOnce(
                x, wrongOrigin, s, [&](VerifierConfig& cfg) { cfg.crlFiles = { x.crlARevoked }; }),
            FailureCode::BadSignature, "revoked and wrong origin: signature first");
        expectCode(c,
            verifyOnce(x, signedJson(x.b, x.b.certDer, "https://evil.example", ch, kContext), s),
            FailureCode::BadSignature, "unknown CA and wrong origin: signature first");
        SessionState other = s;
        other.expectedCodiceFiscale = x.b.codiceFiscale;
        expectCode(c, verifyOnce(x, tokenJson(x.b, ch), other), FailureCode::UntrustedCertificate,
            "unknown CA before identity");
    });
}

// ---- certificate step ---------------------------------------------------------------------------

void verify_unknownCa_untrusted(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(10);
        SessionState s = sessionFor(x.b, ch);
        expectCode(c, verifyOnce(x, tokenJson(x.b, ch), s), FailureCode::UntrustedCertificate,
            "card B's CA is not an anchor");
        // Card B's CA offered as an intermediate: hints are never trusted.
        const std::string withHint
            = signedJson(x.b, x.b.certDer, kOrigin, ch, kContext, [&](cnsauth::Token& t) {
                  t.unverifiedIntermediates = { cnsauth::base64Encode(x.b.caDer) };
              });
        expectCode(c, verifyOnce(x, withHint, s), FailureCode::UntrustedCertificate,
            "self-signed CA as a hint");
        const std::filesystem::path anchorDir = x.root / "anchors-b";
        std::filesystem::create_directories(anchorDir);
        std::filesystem::copy_file(
            x.b.ca(), anchorDir / "ca-b.pem", std::filesystem::copy_options::overwrite_existing);
        expectOk(c,
            verifyOnce(x, tokenJson(x.b, ch), s,
                [&](VerifierConfig& cfg) {
                    cfg.trustAnchors = { x.a.ca(), anchorDir };
                    cfg.crlFiles
                        = { x.crlA, writeCaCrl(x, x.b, "crl-b.pem", {}, x.now - 1h, x.now + 24h) };
                }),
            "card B once its CA is an anchor (directory form)");
        expectCode(c,
            verifyOnce(x, tokenJson(x.a, ch), sessionFor(x.a, ch),
                [&](VerifierConfig& cfg) { cfg.trustAnchors = { x.a.dir / "cert.pem" }; }),
            FailureCode::UntrustedCertificate, "only the card certificate pinned as an anchor");
    });
}

void verify_certificateValidity_clock(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(11);
        const SessionState s = sessionFor(x.a, ch);
        const std::string token = tokenJson(x.a, ch);
        expectCode(c, verifyOnce(x, token, s, {}, x.a.notAfter + 24h),
            FailureCode::CertificateExpired, "a day after notAfter");
        expectCode(c, verifyOnce(x, token, s, {}, x.a.notAfter + 121s),
            FailureCode::CertificateExpired, "beyond the 120 s skew");
        expectOk(c, verifyOnce(x, token, s, {}, x.a.notAfter + 60s), "within the skew");
        expectCode(c, verifyOnce(x, token, s, {}, x.a.notBefore - 24h),
            FailureCode::CertificateNotYetValid, "a day before notBefore");
        expectCode(c,
            verifyOnce(
                x, token, s, [](VerifierConfig& cfg) { cfg.clockSkew = 0s; }, x.a.notAfter + 1s),
            FailureCode::CertificateExpired, "no skew");
    });
}

void verify_keyUsageProfile_enforced(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(12);
        const SessionState s = sessionFor(x.a, ch);
        expectCode(c,
            verifyOnce(x, signedJson(x.a, x.certNonRepudiation, kOrigin, ch, kContext), s),
            FailureCode::KeyUsage, "nonRepudiation only (signature certificate)");
        expectCode(c, verifyOnce(x, signedJson(x.a, x.certEmailEku, kOrigin, ch, kContext), s),
            FailureCode::KeyUsage, "EKU without clientAuth");
    });
}

void verify_policyAllowlist_enforced(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(13);
        const SessionState s = sessionFor(x.a, ch);
        const std::string lombardy = "1.3.159.6.1.3.2.10";
        expectCode(c,
            verifyOnce(x, tokenJson(x.a, ch), s,
                [&](VerifierConfig& cfg) { cfg.allowedPolicies = { lombardy }; }),
            FailureCode::Policy, "allowlist without the CNS policy");
        expectCode(c, verifyOnce(x, signedJson(x.a, x.certNoPolicy, kOrigin, ch, kContext), s),
            FailureCode::Policy, "certificate without policies");
        const std::string crs = signedJson(x.a, x.certOtherPolicy, kOrigin, ch, kContext);
        expectCode(c, verifyOnce(x, crs, s), FailureCode::Policy, "CRS policy not enabled");
        const Outcome enabled = verifyOnce(
            x, crs, s, [&](VerifierConfig& cfg) { cfg.allowedPolicies.insert(lombardy); });
        expectOk(c, enabled, "CRS policy explicitly enabled");
        if (enabled.ok())
            c.that(enabled.holder().policies == std::vector<std::string> { lombardy },
                "matched policy reported");
    });
}

void verify_rsa1024_onlyForListedCas(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(14);
        const SessionState s = sessionFor(x.weak, ch);
        const std::string token = tokenJson(x.weak, ch);
        auto weakCa = [&](VerifierConfig& cfg) {
            cfg.trustAnchors = { x.weak.ca() };
            cfg.crlFiles = { x.crlWeak };
        };
        expectCode(c, verifyOnce(x, token, s, weakCa), FailureCode::WeakKey,
            "RSA-1024 from an unlisted CA");
        const Outcome listed = verifyOnce(x, token, s, [&](VerifierConfig& cfg) {
            weakCa(cfg);
            cfg.rsa1024IssuingCas = { x.weak.ca() };
        });
        expectOk(c, listed, "RSA-1024 from a listed CA");
        if (listed.ok()) {
            c.eq(listed.holder().keyBits, 1024U, "key size");
            c.that(listed.holder().weakKeyDeprecated, "flagged for deprecation");
        }
        expectCode(c,
            verifyOnce(x, token, s,
                [&](VerifierConfig& cfg) {
                    weakCa(cfg);
                    cfg.rsa1024IssuingCas = { x.a.ca() };
                }),
            FailureCode::WeakKey, "another CA is listed");
    });
}

void verify_intermediates_areHintsOnly(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(15);
        const SessionState s = sessionFor(x.a, ch);
        auto bothCrls = [&](VerifierConfig& cfg) { cfg.crlFiles = { x.crlA, x.crlIntermediate }; };
        const std::string withHint = signedJson(
            x.a, x.leafUnderIntermediate, kOrigin, ch, kContext, [&](cnsauth::Token& t) {
                t.unverifiedIntermediates = { cnsauth::base64Encode(x.intermediateDer) };
            });
        const Outcome o = verifyOnce(x, withHint, s, bothCrls);
        expectOk(c, o, "path through the token's intermediate");
        if (o.ok()) {
            c.eq(o.holder().revocation.size(), 2, "leaf and intermediate checked");
            for (const auto& ev : o.holder().revocation)
                c.eq(ev.method, RevocationEvidence::Method::Crl, "by CRL");
        }
        const std::string noHint = signedJson(x.a, x.leafUnderIntermediate, kOrigin, ch, kContext);
        expectCode(c, verifyOnce(x, noHint, s, bothCrls), FailureCode::UntrustedCertificate,
            "no intermediate, no path");
        expectOk(c,
            verifyOnce(x, noHint, s,
                [&](VerifierConfig& cfg) {
                    bothCrls(cfg);
                    cfg.intermediates = { x.intermediateFile };
                }),
            "intermediate from the server's configuration");
        expectCode(c,
            verifyOnce(
                x, withHint, s, [&](VerifierConfig& cfg) { cfg.crlFiles = { x.crlIntermediate }; }),
            FailureCode::RevocationUnavailable, "intermediate's revocation is checked too");
    });
}

// ---- revocation step ----------------------------------------------------------------------------

void verify_revocationByCrl(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(16);
        const SessionState s = sessionFor(x.a, ch);
        const std::string token = tokenJson(x.a, ch);
        expectCode(c,
            verifyOnce(x, token, s, [&](VerifierConfig& cfg) { cfg.crlFiles = { x.crlARevoked }; }),
            FailureCode::Revoked, "serial listed");
        expectCode(c, verifyOnce(x, token, s, [&](VerifierConfig& cfg) { cfg.crlFiles.clear(); }),
            FailureCode::RevocationUnavailable, "no CRL: fail closed");
        expectCode(c,
            verifyOnce(x, token, s, [&](VerifierConfig& cfg) { cfg.crlFiles = { x.crlWeak }; }),
            FailureCode::RevocationUnavailable, "only another CA's CRL");
        const auto stale = writeCaCrl(x, x.a, "crl-a-stale.pem", {}, x.now - 48h, x.now - 1h);
        expectCode(c,
            verifyOnce(x, token, s, [&](VerifierConfig& cfg) { cfg.crlFiles = { stale }; }),
            FailureCode::RevocationUnavailable, "CRL past nextUpdate");
    });
}

// A verified CRL past nextUpdate is usable for revocationGrace, reported as such; never longer,
// and never without a CRL at all.
void verify_revocationGrace_bounded(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(21);
        const SessionState s = sessionFor(x.a, ch);
        const std::string token = tokenJson(x.a, ch);
        const auto stale = writeCaCrl(x, x.a, "crl-a-grace.pem", {}, x.now - 48h, x.now - 1h);
        auto staleWithGrace = [&](std::chrono::seconds grace) {
            return [&, grace](VerifierConfig& cfg) {
                cfg.crlFiles = { stale };
                cfg.revocationGrace = grace;
            };
        };
        expectCode(c, verifyOnce(x, token, s, staleWithGrace(0s)),
            FailureCode::RevocationUnavailable, "default: no grace");
        const Outcome inside = verifyOnce(x, token, s, staleWithGrace(2h));
        expectOk(c, inside, "1 h past nextUpdate, 2 h grace");
        if (inside.ok() && inside.holder().revocation.size() == 1) {
            const RevocationEvidence& ev = inside.holder().revocation[0];
            c.eq(ev.method, RevocationEvidence::Method::CrlGrace, "reported as a grace use");
            c.eq(revocationMethodName(ev.method), "crl-grace", "method name");
            c.eq(ev.nextUpdate, isoUtc(x.now - 1h), "the stale nextUpdate is reported");
        }
        expectCode(c, verifyOnce(x, token, s, staleWithGrace(30min)),
            FailureCode::RevocationUnavailable, "past the grace");
        expectCode(c,
            verifyOnce(x, token, s,
                [&](VerifierConfig& cfg) {
                    cfg.crlFiles.clear();
                    cfg.revocationGrace = VerifierConfig::kMaxRevocationGrace;
                }),
            FailureCode::RevocationUnavailable, "no CRL at all: fail closed whatever the grace");
        const auto staleRevoked = writeCaCrl(
            x, x.a, "crl-a-grace-revoked.pem", { x.a.serialHex }, x.now - 48h, x.now - 1h);
        expectCode(c,
            verifyOnce(x, token, s,
                [&](VerifierConfig& cfg) {
                    cfg.crlFiles = { staleRevoked };
                    cfg.revocationGrace = 2h;
                }),
            FailureCode::Revoked, "a grace never hides a revocation");
        const Outcome fresh
            = verifyOnce(x, token, s, [&](VerifierConfig& cfg) { cfg.revocationGrace = 2h; });
        expectOk(c, fresh, "a current CRL with a grace configured");
        if (fresh.ok() && fresh.holder().revocation.size() == 1)
            c.eq(fresh.holder().revocation[0].method, RevocationEvidence::Method::Crl,
                "a current CRL is reported as crl");
    });
}

// Item: a downloaded CRL enters the cache only after its issuer and signature check out.
void verify_crlFetch_forgedNeverCached(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        TimePoint clock = x.now;
        std::filesystem::path serve;
        int asked = 0;
        VerifierConfig cfg = baseConfig(x, &clock);
        cfg.crlFiles.clear();
        cfg.revocationGrace = 3h;
        cfg.crlFetcher = [&](const std::string&) -> std::optional<Bytes> {
            ++asked;
            return readBytes(serve);
        };
        const Verifier v(std::move(cfg));
        int n = 50;
        auto attempt = [&] {
            const std::string ch = fixedChallenge(n++);
            return v.verify(
                signedJson(x.a, x.certWithCdp, kOrigin, ch, kContext), sessionFor(x.a, ch));
        };
        // CA A's name, card B's CA key: the forgery of an attacker on the CRL's network path.
        const CrlSigning forgedBy { &x.b, false };
        const auto forged
            = writeCaCrl(x, x.a, "crl-forged.pem", {}, x.now - 1h, x.now + 30 * 24h, forgedBy);
        const auto forgedRevoking = writeCaCrl(x, x.a, "crl-forged-revoking.pem", { x.a.serialHex },
            x.now - 1h, x.now + 30 * 24h, forgedBy);
        const auto future = writeCaCrl(x, x.a, "crl-future.pem", {}, x.now + 1h, x.now + 30 * 24h);
        const auto sha1 = writeCaCrl(
            x, x.a, "crl-sha1.pem", {}, x.now - 1h, x.now + 30 * 24h, CrlSigning { nullptr, true });
        const auto good = writeCaCrl(x, x.a, "crl-good-short.pem", {}, x.now - 1h, x.now + 1h);

        serve = forged;
        Outcome o = attempt();
        expectCode(c, o, FailureCode::RevocationUnavailable, "forged CRL refused");
        if (!o.ok())
            c.that(o.failure().reason.find("does not verify") != std::string::npos,
                "reason names the signature: " + o.failure().reason);
        serve = forgedRevoking;
        expectCode(c, attempt(), FailureCode::RevocationUnavailable,
            "a forged revocation is no revocation (and is not cached)");
        serve = future;
        expectCode(c, attempt(), FailureCode::RevocationUnavailable, "thisUpdate in the future");
        serve = sha1;
        o = attempt();
        expectCode(c, o, FailureCode::RevocationUnavailable, "SHA-1 signed CRL");
        if (!o.ok())
            c.that(o.failure().reason.find("RSA-SHA1") != std::string::npos
                    || o.failure().reason.find("sha1") != std::string::npos,
                "reason names SHA-1: " + o.failure().reason);
        c.eq(asked, 4, "every refused answer was asked again, none cached");

        serve = good;
        expectOk(c, attempt(), "a later good CRL is accepted");
        serve = forgedRevoking;
        expectOk(c, attempt(), "... and cached: the forgery is not even fetched");
        c.eq(asked, 5, "cached until nextUpdate");

        clock = x.now + 2h; // past the good CRL's nextUpdate, within the 3 h grace
        o = attempt();
        expectOk(c, o, "forged answer after nextUpdate: the cached good CRL is kept");
        if (o.ok() && o.holder().revocation.size() == 1)
            c.eq(o.holder().revocation[0].method, RevocationEvidence::Method::CrlGrace,
                "used within the grace");
        c.eq(asked, 6, "a stale cached CRL makes the verifier ask again");
        serve = writeCaCrl(x, x.a, "crl-older.pem", {}, x.now - 2h, x.now + 30 * 24h);
        expectOk(c, attempt(), "an older (rolled back) CRL does not replace the cached one");
        clock = x.now + 5h; // past nextUpdate + grace
        serve = forged;
        expectCode(c, attempt(), FailureCode::RevocationUnavailable, "past the grace");
        serve = writeCaCrl(x, x.a, "crl-newer.pem", {}, x.now + 4h, x.now + 30 * 24h);
        o = attempt();
        expectOk(c, o, "a newer good CRL replaces the stale one");
        if (o.ok() && o.holder().revocation.size() == 1)
            c.eq(o.holder().revocation[0].method, RevocationEvidence::Method::Crl, "current");
    });
}

void verify_crlFetchHook_usedAndCached(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const TimePoint clock = x.now;
        std::vector<std::string> asked;
        std::filesystem::path serve = x.crlA;
        VerifierConfig cfg = baseConfig(x, &clock);
        cfg.crlFiles.clear();
        cfg.crlFetcher = [&](const std::string& url) -> std::optional<Bytes> {
            asked.push_back(url);
            return readBytes(serve);
        };
        const Verifier v(std::move(cfg));
        const std::string token1
            = signedJson(x.a, x.certWithCdp, kOrigin, fixedChallenge(17), kContext);
        const std::string token2
            = signedJson(x.a, x.certWithCdp, kOrigin, fixedChallenge(18), kContext);
        const Outcome first = v.verify(token1, sessionFor(x.a, fixedChallenge(17)));
        expectOk(c, first, "CRL fetched from the distribution point");
        c.that(asked == std::vector<std::string> { std::string(kCdpUrl) }, "asked for the CDP URL");
        serve = x.crlARevoked; // a newer CRL exists, but the cached one is valid until nextUpdate
        expectOk(c, v.verify(token2, sessionFor(x.a, fixedChallenge(18))), "cached CRL");
        c.eq(asked.size(), 1, "cached until nextUpdate");

        // A fresh verifier (empty cache) gets the revoking CRL.
        VerifierConfig cfg2 = baseConfig(x, &clock);
        cfg2.crlFiles.clear();
        cfg2.crlFetcher
            = [&](const std::string&) -> std::optional<Bytes> { return readBytes(x.crlARevoked); };
        const Verifier v2(std::move(cfg2));
        expectCode(c, v2.verify(token1, sessionFor(x.a, fixedChallenge(17))), FailureCode::Revoked,
            "revoked through the fetched CRL");
        VerifierConfig cfg3 = baseConfig(x, &clock);
        cfg3.crlFiles.clear();
        cfg3.crlFetcher = [](const std::string&) -> std::optional<Bytes> {
            throw std::runtime_error("network down");
        };
        const Verifier v3(std::move(cfg3));
        expectCode(c, v3.verify(token1, sessionFor(x.a, fixedChallenge(17))),
            FailureCode::RevocationUnavailable, "failing hook: fail closed");
    });
}

void verify_revocationByOcsp(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(18);
        const SessionState s = sessionFor(x.a, ch);
        const std::string token = tokenJson(x.a, ch);
        auto withOcsp = [&](const std::shared_ptr<StubOcsp>& stub, bool crl) {
            return [&, stub, crl](VerifierConfig& cfg) {
                cfg.ocspClient = stub;
                cfg.ocspResponderUrl = "http://ocsp.test.invalid/";
                if (!crl) cfg.crlFiles.clear();
            };
        };
        const TimePoint* clock = &x.now;
        auto good = std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::Good, clock);
        const Outcome o = verifyOnce(x, token, s, withOcsp(good, false));
        expectOk(c, o, "OCSP good, no CRL needed");
        c.eq(good->calls.load(), 1, "one OCSP request");
        c.eq(good->lastUrl, "http://ocsp.test.invalid/", "designated responder");
        if (o.ok() && o.holder().revocation.size() == 1) {
            const RevocationEvidence& ev = o.holder().revocation[0];
            c.eq(ev.method, RevocationEvidence::Method::Ocsp, "evidence: OCSP");
            c.eq(ev.source, "http://ocsp.test.invalid/", "evidence source");
            c.that(!ev.thisUpdate.empty(), "thisUpdate recorded");
        }
        expectCode(c,
            verifyOnce(x, token, s,
                withOcsp(std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::Revoked, clock), true)),
            FailureCode::Revoked, "OCSP revoked (even with a clean CRL)");
        expectCode(c,
            verifyOnce(x, token, s,
                withOcsp(std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::Unknown, clock), true)),
            FailureCode::Revoked, "OCSP unknown counts as revoked");
        expectCode(c,
            verifyOnce(x, token, s,
                withOcsp(std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::NoNonce, clock), false)),
            FailureCode::RevocationUnavailable, "no nonce echoed");
        expectCode(c,
            verifyOnce(x, token, s,
                withOcsp(
                    std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::WrongSigner, clock), false)),
            FailureCode::RevocationUnavailable, "responder not authorised");
        const Outcome fallback = verifyOnce(x, token, s,
            withOcsp(std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::Unreachable, clock), true));
        expectOk(c, fallback, "unreachable responder, CRL available");
        if (fallback.ok() && fallback.holder().revocation.size() == 1)
            c.eq(fallback.holder().revocation[0].method, RevocationEvidence::Method::Crl,
                "fell back to the CRL");
        const TimePoint later = x.now + 1h;
        expectCode(c,
            verifyOnce(x, token, s,
                withOcsp(std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::Good, &x.now), false),
                later),
            FailureCode::RevocationUnavailable, "stale OCSP thisUpdate");
        auto unused = std::make_shared<StubOcsp>(x.a, StubOcsp::Mode::Good, clock);
        expectOk(c,
            verifyOnce(x, token, s,
                [&](VerifierConfig& cfg) {
                    cfg.ocspClient = unused;
                    cfg.ocsp = false;
                    cfg.ocspResponderUrl = "http://ocsp.test.invalid/";
                }),
            "OCSP disabled");
        expectOk(c, verifyOnce(x, token, s, [&](VerifierConfig& cfg) { cfg.ocspClient = unused; }),
            "no AIA and no designated responder");
        c.eq(unused->calls.load(), 0, "the client was never asked");
    });
}

void verify_sha1Signatures_refused(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(22);
        const Outcome o = verifyOnce(
            x, signedJson(x.a, x.certSha1, kOrigin, ch, kContext), sessionFor(x.a, ch));
        expectCode(c, o, FailureCode::WeakSignatureAlgorithm, "a SHA-1 signed card certificate");
        if (!o.ok()) {
            c.that(o.failure().reason.find("depth 0") != std::string::npos
                    && o.failure().reason.find("sha1WithRSAEncryption") != std::string::npos,
                "the reason names depth and algorithm: " + o.failure().reason);
            c.eq(failureCodeName(o.failure().code), "WEAK_SIGNATURE_ALGORITHM", "stable name");
        }
        expectCode(c, certOnce(x, x.certSha1, {}, x.a.codiceFiscale),
            FailureCode::WeakSignatureAlgorithm, "as a TLS client certificate too");
        const TimePoint clock = x.now;
        VerifierConfig cfg = baseConfig(x, &clock);
        cfg.crlFiles = { writeCaCrl(
            x, x.a, "crl-file-sha1.pem", {}, x.now - 1h, x.now + 24h, { nullptr, true }) };
        c.throws(
            Errc::BadArgument, [&] { const Verifier v(std::move(cfg)); },
            "a SHA-1 signed CRL file is refused at configuration");
    });
}

// ---- identity step ------------------------------------------------------------------------------

void verify_identityBinding(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(19);
        const std::string token = tokenJson(x.a, ch);
        SessionState s = sessionFor(x.a, ch);
        s.expectedCodiceFiscale = x.b.codiceFiscale;
        expectCode(
            c, verifyOnce(x, token, s), FailureCode::IdentityMismatch, "another account's CF");
        s.expectedCodiceFiscale = "";
        expectCode(c, verifyOnce(x, token, s), FailureCode::IdentityMismatch, "no expected CF");
        s.expectedCodiceFiscale = x.a.codiceFiscale;
        for (char& ch2 : s.expectedCodiceFiscale)
            ch2 = static_cast<char>(std::tolower(static_cast<unsigned char>(ch2)));
        expectCode(c, verifyOnce(x, token, s), FailureCode::IdentityMismatch, "compared exactly");
        s.expectedCodiceFiscale = x.a.codiceFiscale.substr(0, 15);
        expectCode(c, verifyOnce(x, token, s), FailureCode::IdentityMismatch, "CF prefix");
        s = sessionFor(x.a, ch);
        expectCode(c, verifyOnce(x, signedJson(x.a, x.certBadCn, kOrigin, ch, kContext), s),
            FailureCode::IdentityMismatch, "CN not of the CNS form");
        s.identificationOnly = true;
        s.expectedCodiceFiscale = "";
        const Outcome id = verifyOnce(x, token, s);
        expectOk(c, id, "identification only");
        if (id.ok()) c.eq(id.holder().codiceFiscale, x.a.codiceFiscale, "identified");
    });
}

void verify_cardIdBinding(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch = fixedChallenge(20);
        SessionState s = sessionFor(x.a, ch);
        s.typedCardId = x.a.cardId;
        expectOk(c, verifyOnce(x, tokenJson(x.a, ch), s), "typed card ID equals the certified");
        s.typedCardId = x.b.cardId;
        expectCode(c, verifyOnce(x, tokenJson(x.a, ch), s), FailureCode::CardIdMismatch,
            "typed card ID of another card");
        s.typedCardId = "80380001234567890123";
        expectCode(c, verifyOnce(x, tokenJson(x.a, ch), s), FailureCode::CardIdMismatch,
            "printed 20-digit number");
        // The token's cardId is unsigned: it is never what the comparison uses.
        s.typedCardId = x.a.cardId;
        const std::string lying = signedJson(x.a, x.a.certDer, kOrigin, ch, kContext,
            [&](cnsauth::Token& t) { t.cardId = x.b.cardId; });
        const Outcome o = verifyOnce(x, lying, s);
        expectOk(c, o, "unsigned cardId ignored");
        if (o.ok()) c.eq(o.holder().cardId, x.a.cardId, "certified card ID reported");
        s.typedCardId = x.b.cardId;
        expectCode(c, verifyOnce(x, lying, s), FailureCode::CardIdMismatch,
            "token cardId equal to the typed one does not help");
    });
}

// ---- TLS client certificates (verifyCertificate) ----------------------------------------------

/// verifyCertificate once, for the account of `cf`, with the base configuration and `tweak`.
Outcome certOnce(const Artifacts& x, ByteView der, const std::vector<Bytes>& chain,
    const std::string& cf, const Tweak& tweak, std::optional<TimePoint> at)
{
    const TimePoint clock = at.value_or(x.now);
    VerifierConfig config = baseConfig(x, &clock);
    if (tweak) tweak(config);
    const Verifier v(std::move(config));
    Account account;
    account.codiceFiscale = cf;
    return v.verifyCertificate(der, chain, account);
}

void certificate_valid_returnsCertifiedHolder(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const Outcome o = certOnce(x, x.a.certDer, {}, x.a.codiceFiscale);
        expectOk(c, o, "card A's certificate");
        if (!o.ok()) return;
        const VerifiedHolder& h = o.holder();
        expectCardA(c, x, h);
        c.eq(h.notAfter.size(), 20, "notAfter ISO 8601");
        c.eq(h.keyBits, 2048U, "key size");
        c.that(h.policies == std::vector<std::string> { std::string(kCnsPolicy) }, "CNS policy");
        c.eq(h.revocation.size(), 1, "one non-anchor certificate");
        if (h.revocation.size() == 1)
            c.eq(h.revocation[0].method, RevocationEvidence::Method::Crl, "checked by CRL");
        // The same holder as the token path gives for the same certificate.
        const std::string ch = fixedChallenge(40);
        const Outcome viaToken = verifyOnce(x, tokenJson(x.a, ch), sessionFor(x.a, ch));
        expectOk(c, viaToken, "card A's token");
        if (viaToken.ok()) {
            c.eq(viaToken.holder().notAfter, h.notAfter, "same notAfter");
            c.eq(viaToken.holder().certificateSha256, h.certificateSha256, "same certificate");
        }
    });
}

void certificate_pathAndProfile_enforced(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string& cf = x.a.codiceFiscale;
        expectCode(c, certOnce(x, x.b.certDer, {}, x.b.codiceFiscale),
            FailureCode::UntrustedCertificate, "card B: its CA is not configured");
        expectCode(c, certOnce(x, x.b.certDer, { x.b.caDer }, x.b.codiceFiscale),
            FailureCode::UntrustedCertificate, "card B with its own CA as a presented hint");
        expectCode(c, certOnce(x, x.a.certDer, {}, cf, {}, x.a.notAfter + 24h),
            FailureCode::CertificateExpired, "a day after notAfter");
        expectCode(c, certOnce(x, x.a.certDer, {}, cf, {}, x.a.notBefore - 24h),
            FailureCode::CertificateNotYetValid, "a day before notBefore");
        expectCode(
            c, certOnce(x, x.certNoPolicy, {}, cf), FailureCode::Policy, "no certificate policy");
        expectCode(c, certOnce(x, x.certOtherPolicy, {}, cf), FailureCode::Policy,
            "a CRS policy only, not enabled");
        expectCode(c, certOnce(x, x.certNonRepudiation, {}, cf), FailureCode::KeyUsage,
            "a signature certificate (nonRepudiation only)");
        expectCode(c, certOnce(x, x.certEmailEku, {}, cf), FailureCode::KeyUsage,
            "EKU without clientAuth");
        expectCode(c,
            certOnce(x, x.weak.certDer, {}, x.weak.codiceFiscale,
                [&](VerifierConfig& cfg) {
                    cfg.trustAnchors = { x.weak.ca() };
                    cfg.crlFiles = { x.crlWeak };
                }),
            FailureCode::WeakKey, "RSA-1024 from a CA not listed");
        auto bothCrls = [&](VerifierConfig& cfg) { cfg.crlFiles = { x.crlA, x.crlIntermediate }; };
        const Outcome three
            = certOnce(x, x.leafUnderIntermediate, { x.intermediateDer }, cf, bothCrls);
        expectOk(c, three, "path through the presented intermediate");
        if (three.ok()) c.eq(three.holder().revocation.size(), 2, "leaf and intermediate checked");
        expectCode(c, certOnce(x, x.leafUnderIntermediate, {}, cf, bothCrls),
            FailureCode::UntrustedCertificate, "no intermediate, no path");
    });
}

void certificate_malformed_rejected(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string& cf = x.a.codiceFiscale;
        expectCode(c, certOnce(x, Bytes {}, {}, cf), FailureCode::Malformed, "no certificate");
        const Bytes garbage = { 0x30, 0x03, 0x02, 0x01, 0x01 };
        expectCode(c, certOnce(x, garbage, {}, cf), FailureCode::Malformed, "not a certificate");
        Bytes trailing = x.a.certDer;
        trailing.push_back(0x00);
        expectCode(c, certOnce(x, trailing, {}, cf), FailureCode::Malformed, "a byte after it");
        expectCode(c, certOnce(x, x.a.certDer, { garbage }, cf), FailureCode::Malformed,
            "a presented intermediate that is not a certificate");
        std::vector<Bytes> many;
        many.reserve(9);
        for (int i = 0; i < 9; ++i)
            many.push_back(x.a.caDer);
        expectCode(c, certOnce(x, x.a.certDer, many, cf), FailureCode::Malformed,
            "more than 8 presented certificates");
    });
}

void certificate_revocation_enforced(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string& cf = x.a.codiceFiscale;
        expectCode(c,
            certOnce(x, x.a.certDer, {}, cf,
                [&](VerifierConfig& cfg) { cfg.crlFiles = { x.crlARevoked }; }),
            FailureCode::Revoked, "serial listed in the CRL");
        expectCode(c,
            certOnce(x, x.a.certDer, {}, cf, [&](VerifierConfig& cfg) { cfg.crlFiles.clear(); }),
            FailureCode::RevocationUnavailable, "no CRL: fail closed");
        expectCode(c,
            certOnce(x, x.a.certDer, {}, cf,
                [&](VerifierConfig& cfg) {
                    cfg.crlFiles.clear();
                    cfg.revocationGrace = 24h;
                }),
            FailureCode::RevocationUnavailable, "no CRL, a grace: still fail closed");
    });
}

void certificate_identityBinding(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        expectCode(c, certOnce(x, x.a.certDer, {}, x.b.codiceFiscale),
            FailureCode::IdentityMismatch, "another account's CF");
        expectCode(c, certOnce(x, x.a.certDer, {}, ""), FailureCode::IdentityMismatch,
            "no account CF: never identification only");
        expectCode(c, certOnce(x, x.certBadCn, {}, x.a.codiceFiscale),
            FailureCode::IdentityMismatch, "CN not of the CNS form");
        const TimePoint clock = x.now;
        const Verifier v(baseConfig(x, &clock));
        Account account;
        account.codiceFiscale = x.a.codiceFiscale;
        account.typedCardId = x.b.cardId;
        expectCode(c, v.verifyCertificate(x.a.certDer, {}, account), FailureCode::CardIdMismatch,
            "typed card ID of another card");
        account.typedCardId = x.a.cardId;
        expectOk(c, v.verifyCertificate(x.a.certDer, {}, account), "typed card ID matches");
        const std::vector<Bytes> anchors = v.trustAnchors();
        c.eq(anchors.size(), 1, "one anchor (for the CertificateRequest's CA names)");
        if (anchors.size() == 1) c.that(anchors.front() == x.a.caDer, "the anchor's DER");
    });
}

// ---- configuration and concurrency --------------------------------------------------------------

void verifier_badConfiguration_rejected(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const TimePoint clock = x.now;
        auto build = [&](const Tweak& tweak) {
            VerifierConfig cfg = baseConfig(x, &clock);
            tweak(cfg);
            const Verifier v(std::move(cfg));
        };
        c.throws(
            Errc::BadArgument, [&] { build([](auto& cfg) { cfg.trustAnchors.clear(); }); },
            "no anchors");
        c.throws(
            Errc::BadArgument,
            [&] { build([&](auto& cfg) { cfg.trustAnchors = { x.a.dir / "card.json" }; }); },
            "anchor file without a certificate");
        c.throws(
            Errc::BadArgument,
            [&] { build([&](auto& cfg) { cfg.trustAnchors = { x.root / "missing.pem" }; }); },
            "missing anchor file");
        c.throws(
            Errc::BadArgument, [&] { build([](auto& cfg) { cfg.algorithm = "ES256"; }); },
            "unimplemented algorithm");
        c.throws(
            Errc::BadArgument,
            [&] { build([](auto& cfg) { cfg.allowedPolicies = { "not an oid" }; }); }, "bad OID");
        c.throws(
            Errc::BadArgument, [&] { build([](auto& cfg) { cfg.allowedPolicies.clear(); }); },
            "empty policy allowlist");
        c.throws(
            Errc::BadArgument, [&] { build([&](auto& cfg) { cfg.crlFiles = { x.a.ca() }; }); },
            "CRL file holds a certificate");
        c.throws(
            Errc::BadArgument, [&] { build([](auto& cfg) { cfg.revocationGrace = -1s; }); },
            "negative revocation grace");
        c.throws(
            Errc::BadArgument,
            [&] {
                build([](auto& cfg) {
                    cfg.revocationGrace = VerifierConfig::kMaxRevocationGrace + 1s;
                });
            },
            "revocation grace beyond 7 days");
        c.eq(failureCodeName(FailureCode::BadSignature), "BAD_SIGNATURE", "stable names");
        c.eq(failureCodeName(FailureCode::CardIdMismatch), "CARD_ID_MISMATCH", "stable names");
    });
}

void verifier_concurrentVerifications_allSucceed(void** state)
{
    const Artifacts& x = artifacts(state);
    TSCNS_CHECK([&](Checker& c) {
        const TimePoint clock = x.now;
        const Verifier v(baseConfig(x, &clock));
        std::vector<std::string> tokens;
        for (int i = 0; i < 8; ++i)
            tokens.push_back(tokenJson(x.a, fixedChallenge(30 + i)));
        std::array<bool, 8> ok {};
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                const auto n = static_cast<std::size_t>(i);
                ok[n] = true;
                for (int round = 0; round < 5; ++round)
                    ok[n] = ok[n]
                        && v.verify(tokens[n], sessionFor(x.a, fixedChallenge(30 + i))).ok();
            });
        for (auto& t : threads)
            t.join();
        for (std::size_t i = 0; i < ok.size(); ++i)
            c.that(ok[i], "thread " + std::to_string(i));
    });
}

} // namespace

int runVerifyTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verify_validToken_returnsCertifiedHolder),
        cmocka_unit_test(verify_storeBacked_singleUseAcrossStores),
        cmocka_unit_test(verify_expiredChallenge_rejected),
        cmocka_unit_test(verify_threeFailures_dropSession),
        cmocka_unit_test(verify_sessionStepComesFirst),
        cmocka_unit_test(verify_malformedTokens_rejected),
        cmocka_unit_test(verify_wrongFormatOrAlgorithm_rejected),
        cmocka_unit_test(verify_nonStrictCertificateEncoding_rejected),
        cmocka_unit_test(verify_messageFromOtherRequest_badSignature),
        cmocka_unit_test(verify_tamperedSignature_badSignature),
        cmocka_unit_test(verify_signatureCheckedBeforeCertificate),
        cmocka_unit_test(verify_unknownCa_untrusted),
        cmocka_unit_test(verify_certificateValidity_clock),
        cmocka_unit_test(verify_keyUsageProfile_enforced),
        cmocka_unit_test(verify_policyAllowlist_enforced),
        cmocka_unit_test(verify_rsa1024_onlyForListedCas),
        cmocka_unit_test(verify_intermediates_areHintsOnly),
        cmocka_unit_test(verify_revocationByCrl),
        cmocka_unit_test(verify_crlFetchHook_usedAndCached),
        cmocka_unit_test(verify_revocationGrace_bounded),
        cmocka_unit_test(verify_crlFetch_forgedNeverCached),
        cmocka_unit_test(verify_sha1Signatures_refused),
        cmocka_unit_test(verify_revocationByOcsp),
        cmocka_unit_test(verify_identityBinding),
        cmocka_unit_test(verify_cardIdBinding),
        cmocka_unit_test(certificate_valid_returnsCertifiedHolder),
        cmocka_unit_test(certificate_pathAndProfile_enforced),
        cmocka_unit_test(certificate_malformed_rejected),
        cmocka_unit_test(certificate_revocation_enforced),
        cmocka_unit_test(certificate_identityBinding),
        cmocka_unit_test(verifier_badConfiguration_rejected),
        cmocka_unit_test(verifier_concurrentVerifications_allSucceed),
    };
    return cmocka_run_group_tests_name("verify", tests, artifactsSetup, artifactsTeardown);
}
