// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_verifier: the verifier on an untrusted token (the input, as the login service receives
// it). The trust anchor is the test CA of a virtual card personalised at start-up (st-cns11, seed
// 11, deterministic), the clock is fixed 30 days after the card certificate's notBefore, and
// an empty CRL of that CA is made at start-up, so a well-signed token gets through every stage (the
// seed corpus has one, made by fuzz_seeds). Each input is verified against a fixed session and then
// through an in-memory challenge store (whose challenge is random, so that path ends at the
// signature).
#include "fuzz_support.hpp"

#include "tscns/vcard/personalize.hpp"
#include "tscns/verifier/memory_challenge_store.hpp"
#include "tscns/verifier/verifier.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using tscns::verifier::TimePoint;

constexpr std::string_view kOrigin = "https://fse.example.it";
constexpr std::string_view kContext = "fse-login-2fa";
constexpr std::string_view kChallenge = "dGhpcy1pcy1hLTMyLWJ5dGUtY2hhbGxlbmdlLXRlc3Q";

struct State {
    fs::path dir;
    std::string codiceFiscale;
    std::string cardId;
    TimePoint now;
    std::unique_ptr<tscns::verifier::Verifier> verifier;
};
State* state = nullptr;

TimePoint notBeforeOf(const std::string& pem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    std::tm tm {};
    if (!cert || ASN1_TIME_to_tm(X509_get0_notBefore(cert.get()), &tm) != 1) std::abort();
    return tscns::verifier::Clock::from_time_t(timegm(&tm));
}

/// An empty CRL of the test CA, valid from the CA's notBefore for ten years (revocation data
/// is required: without it verification fails closed).
void writeEmptyCrl(const tscns::vcard::CardImage& image, const fs::path& file)
{
    auto bio = [](const std::string& pem) {
        return std::unique_ptr<BIO, decltype(&BIO_free)>(
            BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    };
    auto caBio = bio(image.caCertPem);
    auto keyBio = bio(image.caKeyPem);
    std::unique_ptr<X509, decltype(&X509_free)> ca(
        PEM_read_bio_X509(caBio.get(), nullptr, nullptr, nullptr), X509_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), X509_CRL_free);
    std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> t(ASN1_TIME_new(), ASN1_TIME_free);
    if (!ca || !key || !crl || !t || X509_CRL_set_version(crl.get(), 1) != 1
        || X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.get())) != 1
        || ASN1_TIME_set(t.get(), tscns::verifier::Clock::to_time_t(state->now) - 86400) == nullptr
        || X509_CRL_set1_lastUpdate(crl.get(), t.get()) != 1
        || ASN1_TIME_set(t.get(), tscns::verifier::Clock::to_time_t(state->now) + 86400 * 3650)
            == nullptr
        || X509_CRL_set1_nextUpdate(crl.get(), t.get()) != 1
        || X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) == 0)
        std::abort();
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(file.c_str(), "w"), BIO_free);
    if (!out || PEM_write_bio_X509_CRL(out.get(), crl.get()) != 1) std::abort();
}

void removeDir()
{
    std::error_code ec;
    if (state != nullptr) fs::remove_all(state->dir, ec);
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tscns::vcard::PersonalizeOptions o;
    o.profile = "st-cns11";
    o.seed = 11;
    o.pin = "12345";
    o.puk = "87654321";
    const auto image = tscns::vcard::personalize(o);
    state = new State;
    state->dir = fs::temp_directory_path() / ("tscns-fuzz-verifier-" + std::to_string(::getpid()));
    fs::create_directories(state->dir);
    std::atexit(removeDir);
    std::ofstream(state->dir / "ca.pem") << image.caCertPem;
    state->codiceFiscale = image.record.codiceFiscale;
    state->cardId = image.record.cardId;
    state->now = notBeforeOf(image.certPem) + std::chrono::hours(24 * 30);
    tscns::verifier::VerifierConfig c;
    c.trustAnchors = { state->dir / "ca.pem" };
    writeEmptyCrl(image, state->dir / "ca.crl");
    c.crlFiles = { state->dir / "ca.crl" };
    c.ocsp = false;
    c.now = [] { return state->now; };
    state->verifier = std::make_unique<tscns::verifier::Verifier>(std::move(c));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    const std::string_view token(reinterpret_cast<const char*>(data), size);
    fuzz::refusalsAllowed([&] {
        verifier::SessionState session;
        session.origin = kOrigin;
        session.challenge = kChallenge;
        session.context = kContext;
        session.expectedCodiceFiscale = state->codiceFiscale;
        session.typedCardId = state->cardId;
        const auto outcome = state->verifier->verify(token, session);
        if (std::getenv("TSCNS_FUZZ_VERBOSE") != nullptr) // to check a seed gets through
            std::fprintf(stderr, "fuzz_verifier: %s %s\n",
                outcome ? "accepted"
                        : std::string(verifier::failureCodeName(outcome.failure().code)).c_str(),
                outcome ? "" : outcome.failure().reason.c_str());
    });
    fuzz::refusalsAllowed([&] {
        verifier::MemoryChallengeStore store([] { return state->now; });
        (void)store.issue("fuzz-session", kOrigin, kContext);
        verifier::Account account { state->codiceFiscale, std::nullopt };
        (void)state->verifier->verify(store, "fuzz-session", token, account);
    });
    return 0;
}
