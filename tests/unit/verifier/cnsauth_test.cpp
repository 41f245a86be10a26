// SPDX-License-Identifier: LGPL-2.1-or-later
// tscns::cnsauth: signed message golden vector, strict base64, input validators, token JSON.
#include "groups.hpp"

#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/cnsauth/token.hpp"
#include "tscns/cnsauth/validators.hpp"

#include <string>
#include <vector>

// Last: it brings cmocka, whose fail() macro clashes with standard headers.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::cnsauth;
using tscns::test::Checker;

namespace {

// ---- signed message -----------------------------------------------------------------------------

// Derived independently of the code under test:
//   O='https://fse.example.it'; C='dGhpcyBpcyBhIHRlc3QgY2hhbGxlbmdlIG9mIDMyIGI'; X='fse-login-2fa'
//   (printf 'cns-auth:1\0'; printf '%s' "$O" | openssl dgst -sha256 -binary;
//    printf '%s' "$C" | openssl dgst -sha256 -binary;
//    printf '%s' "$X" | openssl dgst -sha256 -binary) | xxd -p
constexpr const char* kGoldenMessage
    = "636e732d617574683a3100"
      "a58590d70a7c3f01479a1b9bdcee65c747853a85608ed632e71f775aefd88c1d"
      "ae8231e37d7c40670b2c2cab7fb017eba5ee8431e34292b57364eb48e7ec66b9"
      "2a3c81338c5c8dcc3d233628959dcf5eacf09f0d2e8d834ff1ee453ebd8f312e";

void signedMessage_knownInputs_matchesOpensslVector(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Bytes m = signedMessage("https://fse.example.it",
            "dGhpcyBpcyBhIHRlc3QgY2hhbGxlbmdlIG9mIDMyIGI", "fse-login-2fa");
        c.eq(m.size(), kSignedMessageSize, "107 bytes");
        c.hex(m, kGoldenMessage, "golden vector");
    });
}

void signedMessage_shiftedFieldBoundary_differs(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        // "example.com" + ".eu1234" vs "example.com.eu" + "1234" (cns-auth.md §4.2).
        const Bytes a = signedMessage("https://example.com", ".eu1234", "x");
        const Bytes b = signedMessage("https://example.com.eu", "1234", "x");
        c.that(a != b, "boundaries cannot shift");
        c.eq(a.size(), b.size(), "fixed width");
        c.that(signedMessage("https://a.it", "c", "x") != signedMessage("https://a.it", "c", "y"),
            "context is bound");
        // The challenge is hashed as text: its decoded bytes would give another message.
        c.bytes(ByteView(signedMessage("", "", "")).first(11),
            asBytes(std::string_view("cns-auth:1\0", 11)), "domain tag and separator");
    });
}

// ---- base64 -------------------------------------------------------------------------------------

void base64_roundTrip_allLengths(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        Bytes data;
        for (int n = 0; n < 40; ++n) {
            if (n > 0) {
                const std::string text = base64Encode(data);
                c.eq(text.size() % 4, 0, "padded length");
                c.bytes(base64Decode(text), data, "round trip of " + std::to_string(n));
            }
            data.push_back(static_cast<std::uint8_t>(n * 37 + 250));
        }
        c.eq(base64Encode(asBytes("foobar")), "Zm9vYmFy", "RFC 4648 §10");
        c.eq(base64Encode(asBytes("fo")), "Zm8=", "RFC 4648 §10, one pad");
        c.eq(base64Encode(asBytes("f")), "Zg==", "RFC 4648 §10, two pads");
        c.eq(base64UrlEncode(Bytes { 0xFB, 0xFF }), "-_8", "base64url, no padding");
    });
}

void base64Decode_nonCanonical_rejected(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const char* bad[] = {
            "", // empty
            "Zm9vYmFy\n", // line break
            " Zm9vYmFy", // leading space (EVP_DecodeBlock would trim it)
            "Zm9v YmFy", // inner space
            "Zm8", // missing padding
            "Zm9=", // non-zero bits before '=' (canonical: Zm8=)
            "Zh==", // non-zero bits before '=='
            "Zm=8", // padding inside
            "Zg===", // three pads
            "-_8A", // URL-safe alphabet
            "Zm9vYmFy====", // padding-only group
        };
        for (const char* b : bad)
            c.throws(
                Errc::BadArgument, [&] { (void)base64Decode(b); },
                std::string("rejects \"") + b + "\"");
        c.throws(
            Errc::BadArgument, [&] { (void)base64Decode(std::string_view("Zm9v\0mFy", 8)); },
            "rejects an embedded NUL");
    });
}

// ---- validators ---------------------------------------------------------------------------------

void validators_challenge_lengthAndAlphabet(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        c.that(isValidChallenge(std::string(43, 'a')), "43 characters");
        c.that(isValidChallenge(std::string(128, '_')), "128 characters");
        c.that(isValidChallenge("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ-_0"), "alphabet");
        c.that(!isValidChallenge(std::string(42, 'a')), "42 characters");
        c.that(!isValidChallenge(std::string(129, 'a')), "129 characters");
        c.that(!isValidChallenge(std::string(42, 'a') + "="), "padding");
        c.that(!isValidChallenge(std::string(42, 'a') + "+"), "'+' is not base64url");
        c.that(!isValidChallenge(std::string(42, 'a') + "/"), "'/' is not base64url");
        c.throws(
            Errc::BadArgument, [] { validateChallenge("short"); }, "throws", "challenge");
    });
}

void validators_contextAndCardId(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        c.that(isValidContext("fse-login-2fa"), "fse-login-2fa");
        c.that(isValidContext(std::string(64, 'a')), "64 characters");
        c.that(!isValidContext(""), "empty");
        c.that(!isValidContext(std::string(65, 'a')), "65 characters");
        c.that(!isValidContext("Login"), "upper case");
        c.that(!isValidContext("step_up"), "underscore");
        c.that(!isValidContext("a b"), "space");
        c.that(isValidCardIdForm("6030012345678904"), "16 digits");
        c.that(!isValidCardIdForm("603001234567890"), "15 digits");
        c.that(!isValidCardIdForm("80380001234567890123"), "printed 20-digit number");
        c.that(!isValidCardIdForm("603001234567890A"), "letter");
    });
}

void validators_origin_asciiSerialization(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const char* good[] = {
            "https://fse.example.it",
            "https://www.fascicolosanitario.regione.lombardia.it",
            "https://xn--caff-dma.example",
            "https://example.com:8443",
            "https://127.0.0.1",
            "https://[::1]:8443",
            "https://a",
        };
        for (const char* o : good)
            c.that(isValidOrigin(o), std::string("accepts ") + o);
        const char* bad[] = {
            "http://fse.example.it", // http outside development
            "HTTPS://fse.example.it", // upper-case scheme
            "https://FSE.example.it", // upper-case host
            "https://fse.example.it/", // trailing slash
            "https://fse.example.it/login", // path
            "https://fse.example.it?x", // query
            "https://fse.example.it#x", // fragment
            "https://user@fse.example.it", // user info
            "https://fse.example.it:443", // default port
            "https://fse.example.it:0443", // leading zero
            "https://fse.example.it:65536", // port range
            "https://fse.example.it:", // empty port
            "https://fse.example.it.", // trailing dot
            "https://fse..example.it", // empty label
            "https://-fse.example.it", // hyphen at label start
            "https://caff\xc3\xa9.example", // IDN not in punycode
            "https://fse.example.it ", // space
            "https://", // no host
            "wss://fse.example.it", // other scheme
            "https://256.1.1.1", // IPv4 range
            "https://01.1.1.1", // IPv4 leading zero
            "https://[::G]", // IPv6 junk
            "null", // opaque origin
        };
        for (const char* o : bad)
            c.that(!isValidOrigin(o), std::string("rejects ") + o);
        c.that(isValidOrigin("http://localhost:8080", true), "http when allowed");
        c.that(!isValidOrigin("http://localhost:80", true), "http default port");
        c.that(!isValidOrigin("https://" + std::string(250, 'a')), "longer than 255");
    });
}

// ---- token --------------------------------------------------------------------------------------

constexpr const char* kToken = R"({"format":"cns-auth:1","algorithm":"RS256",)"
                               R"("unverifiedCertificate":"AAAA","cardId":"6030012345678904",)"
                               R"("signature":"AAAA","appVersion":"https://example.org/v1"})";

void token_valid_parsesAndRoundTrips(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const Token t = parseToken(kToken);
        c.eq(t.format, "cns-auth:1", "format");
        c.eq(t.algorithm, "RS256", "algorithm");
        c.eq(t.unverifiedCertificate, "AAAA", "certificate");
        c.that(t.unverifiedIntermediates.empty(), "no intermediates");
        c.eq(t.cardId, std::optional<std::string>("6030012345678904"), "cardId");
        c.eq(t.appVersion, std::optional<std::string>("https://example.org/v1"), "appVersion");
        c.eq(toJson(t), kToken, "toJson in §4.1 order");
        c.that(parseToken(toJson(t)) == t, "round trip");
        Token u = t;
        u.unverifiedIntermediates = { "BBBB", "CCCC" };
        u.cardId.reset();
        u.appVersion.reset();
        c.that(parseToken(toJson(u)) == u, "round trip with intermediates, without optionals");
        c.that(parseToken(std::string(" \n") + kToken + "\n ") == t, "surrounding whitespace");
    });
}

void token_schemaViolations_rejected(void** /*state*/)
{
    TSCNS_CHECK([&](Checker& c) {
        const std::pair<const char*, const char*> bad[] = {
            { "not JSON", "{" },
            { "array", "[]" },
            { "string", R"("cns-auth:1")" },
            { "missing signature",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA"})" },
            { "number format",
                R"({"format":1,"algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA"})" },
            { "null cardId",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA","cardId":null})" },
            { "numeric cardId",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA","cardId":6030012345678904})" },
            { "short cardId",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA","cardId":"123"})" },
            { "intermediates not an array",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA","unverifiedIntermediates":"AAAA"})" },
            { "intermediate not a string",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA","unverifiedIntermediates":[1]})" },
            { "unknown member",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA","origin":"https://evil.example"})" },
            { "duplicated member",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA","signature":"BBBB"})" },
            { "empty signature",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":""})" },
            { "trailing data",
                R"({"format":"cns-auth:1","algorithm":"RS256","unverifiedCertificate":"AAAA","signature":"AAAA"} {})" },
            { "invalid UTF-8", "{\"format\":\"cns-auth:1\xff\"}" },
        };
        for (const auto& [what, json] : bad)
            c.throws(
                Errc::BadArgument, [&] { (void)parseToken(json); }, what, "malformed token");
        const std::string big = std::string(R"({"format":"cns-auth:1","algorithm":"RS256",)")
            + R"("unverifiedCertificate":")" + std::string(kMaxTokenSize, 'A')
            + R"(","signature":"AAAA"})";
        c.throws(
            Errc::BadArgument, [&] { (void)parseToken(big); }, "oversize", "exceeds");
    });
}

} // namespace

int runCnsauthTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signedMessage_knownInputs_matchesOpensslVector),
        cmocka_unit_test(signedMessage_shiftedFieldBoundary_differs),
        cmocka_unit_test(base64_roundTrip_allLengths),
        cmocka_unit_test(base64Decode_nonCanonical_rejected),
        cmocka_unit_test(validators_challenge_lengthAndAlphabet),
        cmocka_unit_test(validators_contextAndCardId),
        cmocka_unit_test(validators_origin_asciiSerialization),
        cmocka_unit_test(token_valid_parsesAndRoundTrips),
        cmocka_unit_test(token_schemaViolations_rejected),
    };
    return cmocka_run_group_tests_name("cnsauth", tests, nullptr, nullptr);
}
