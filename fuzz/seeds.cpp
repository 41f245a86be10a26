// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_seeds DIR: writes the seed corpora DIR/<harness>/ (fuzz/corpus in the repository) from
// virtual cards: APDU transcripts of a client session (identify, the EFs, PIN status, VERIFY,
// GET CHALLENGE, a signature) for each card profile, the ATRs, the EF contents, daemon
// requests, a signed cns-auth token, and hand-written samples for the text parsers. All data is
// synthetic (generated cards and keys). Deterministic: the same build writes the same files.
#include "tscns/apdu/card_channel.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/known_atrs.hpp"
#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/cnsauth/token.hpp"
#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/profiles.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
using tscns::Bytes;
using tscns::ByteView;

fs::path root;

void put(const std::string& harness, const std::string& name, ByteView data)
{
    const fs::path dir = root / harness;
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary)
        .write(
            reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}
void put(const std::string& harness, const std::string& name, std::string_view text)
{
    put(harness, name, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Bytes bytesOf(std::string_view s)
{
    return { s.begin(), s.end() };
}
void chunk8(Bytes& out, ByteView v)
{
    out.push_back(static_cast<std::uint8_t>(v.size()));
    out.insert(out.end(), v.begin(), v.end());
}
void chunk16(Bytes& out, ByteView v)
{
    out.push_back(static_cast<std::uint8_t>(v.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(v.size() & 0xFF));
    out.insert(out.end(), v.begin(), v.end());
}

/// A CardChannel over a virtual card that records every raw command and answer.
class RecordingChannel final : public tscns::apdu::CardChannel {
public:
    explicit RecordingChannel(tscns::vcard::VirtualCnsCard& card)
        : card_(card)
    {
    }
    tscns::apdu::ResponseApdu transmit(const tscns::apdu::CommandApdu& command) override
    {
        commands.push_back(command.encode());
        answers.push_back(card_.process(commands.back()));
        return tscns::apdu::ResponseApdu::decode(answers.back());
    }
    std::vector<Bytes> commands;
    std::vector<Bytes> answers;

private:
    tscns::vcard::VirtualCnsCard& card_;
};

tscns::vcard::CardImage personalize(std::string_view profile, std::uint64_t seed)
{
    tscns::vcard::PersonalizeOptions o;
    o.profile = std::string(profile);
    o.seed = seed;
    o.pin = "12345";
    o.puk = "87654321";
    return tscns::vcard::personalize(o);
}

/// The session fuzz_cns_card runs, recorded against a virtual card.
void cardSession(const std::string& profile, std::uint64_t seed)
{
    using namespace tscns;
    const auto image = personalize(profile, seed);
    auto card = vcard::VirtualCnsCard::fromImage(image);
    RecordingChannel ch(*card);
    const Bytes atr = card->atr();
    auto quiet = [](auto&& fn) {
        try {
            fn();
        } catch (const Error&) {
        }
    };
    quiet([&] {
        const auto id = cns::CnsCard::identify(ch, atr);
        cns::CnsCard c(ch, id.profile);
        quiet([&] { (void)c.readCardId(); });
        quiet([&] { (void)c.readPersonalData(); });
        quiet([&] { (void)c.readCertificate(); });
        quiet([&] { (void)c.pinStatus(); });
        quiet([&] {
            SecureBytes pin(8);
            for (const char x : std::string_view("12345"))
                pin.push_back(static_cast<std::uint8_t>(x));
            c.verifyPin(pin);
        });
        quiet([&] { (void)c.getChallenge(8); });
        quiet([&] { (void)c.rsaRaw(Bytes(256, 0x01)); });
    });
    Bytes transcript;
    chunk8(transcript, atr);
    for (const auto& a : ch.answers)
        chunk16(transcript, a);
    put("cns_card", profile, transcript);
    put("atr", profile, atr);

    Bytes commands { static_cast<std::uint8_t>(profile == "idemia-2021" ? 1 : 0) };
    for (const auto& c : ch.commands)
        chunk16(commands, c);
    put("vcard_apdu", profile, commands);

    Bytes frames { 3 }; // the decoder's piece size; then power on, GET ATR, the APDUs, power off
    for (const Bytes& m : { Bytes { 0x01 }, Bytes { 0x04 } })
        chunk16(frames, m);
    for (const auto& c : ch.commands) {
        chunk16(frames, c);
        chunk16(frames, Bytes { 0x04 }); // vpcd's presence poll between APDUs
    }
    chunk16(frames, Bytes { 0x00 });
    put("vpcd_frame", profile, frames);

    // A few distinct commands, answers and FCIs of this session.
    for (std::size_t i = 0; i < ch.commands.size() && i < 6; ++i) {
        put("command_apdu", profile + "-" + std::to_string(i), ch.commands[i]);
        put("response_apdu", profile + "-" + std::to_string(i), ch.answers[i]);
    }
    std::size_t fci = 0;
    for (const auto& a : ch.answers)
        if (a.size() > 4 && (a[0] == 0x6F || a[0] == 0x62) && fci < 3)
            put("tlv", profile + "-fci" + std::to_string(fci++), ByteView(a).first(a.size() - 2));

    for (const auto& [path, content] : image.files) {
        const std::string name = profile + "-" + vcard::filePathName(path);
        put("card_data", name,
            ByteView(content).first(std::min<std::size_t>(content.size(), 4096)));
    }
}

Bytes sign(const std::string& keyPem, ByteView message)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    if (!key || !md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1
        || EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1)
        throw std::runtime_error("EVP_DigestSignInit");
    Bytes signature(len);
    if (EVP_DigestSign(md.get(), signature.data(), &len, message.data(), message.size()) != 1)
        throw std::runtime_error("EVP_DigestSign");
    signature.resize(len);
    return signature;
}

/// The verifier's token: card seed 11 (fuzz_verifier's trust anchor), its session's values.
void tokens()
{
    using namespace tscns;
    const auto image = personalize("st-cns11", 11);
    const std::string certPemBody = image.certPem;
    Bytes der;
    {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(
            BIO_new_mem_buf(certPemBody.data(), static_cast<int>(certPemBody.size())), BIO_free);
        std::unique_ptr<X509, decltype(&X509_free)> cert(
            PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
        unsigned char* out = nullptr;
        const int n = i2d_X509(cert.get(), &out);
        der.assign(out, out + n);
        OPENSSL_free(out);
    }
    const auto message = cnsauth::signedMessage(
        "https://fse.example.it", "dGhpcy1pcy1hLTMyLWJ5dGUtY2hhbGxlbmdlLXRlc3Q", "fse-login-2fa");
    cnsauth::Token t;
    t.format = "cns-auth:1";
    t.algorithm = "RS256";
    t.unverifiedCertificate = cnsauth::base64Encode(der);
    t.signature = cnsauth::base64Encode(sign(image.keyPem, message));
    t.cardId = image.record.cardId;
    t.appVersion = "https://tscns.invalid/releases/v0.1.0";
    const std::string json = cnsauth::toJson(t);
    put("verifier", "valid-token", json);
    put("cnsauth", "token", json);
    cnsauth::Token bad = t;
    bad.signature = cnsauth::base64Encode(Bytes(256, 0x42));
    put("verifier", "bad-signature", cnsauth::toJson(bad));
    put("card_data", "subject-cn",
        "RSSMRA80A01F205X/6030000000000017.abcdefghijklmnopqrstuvwxyz0=");
}

/// A daemon request in fuzz/daemon_request.hpp's encoding (indices into its tables).
Bytes request(std::uint8_t method, std::uint8_t path,
    const std::vector<std::pair<std::uint8_t, std::string>>& headers, std::string_view body)
{
    Bytes r { method, path, static_cast<std::uint8_t>(headers.size()) };
    for (const auto& [h, v] : headers) {
        r.push_back(h);
        chunk8(r, bytesOf(v));
    }
    r.insert(r.end(), body.begin(), body.end());
    return r;
}

void daemonRequests()
{
    // Header indices: 0 Host, 1 Origin, 2 Sec-Fetch-Site, 3 Sec-Fetch-Mode, 4 Sec-Fetch-Dest,
    // 5 X-CNS-Client, 6 Content-Type, 7 A-C-Request-Method, 8 A-C-Request-Headers.
    const std::vector<std::pair<std::uint8_t, std::string>> browser
        = { { 0, "127.0.0.1:47123" }, { 1, "https://portal.example.it" }, { 2, "cross-site" },
              { 3, "cors" }, { 4, "empty" }, { 5, "1" } };
    auto post = browser;
    post.emplace_back(6, "application/json");
    const std::string auth = R"({"challenge":"dGhpcy1pcy1hLTMyLWJ5dGUtY2hhbGxlbmdlLXRlc3Q",)"
                             R"("context":"fse-login-2fa","lang":"it"})";
    const std::string authExpected
        = R"({"challenge":"dGhpcy1pcy1hLTMyLWJ5dGUtY2hhbGxlbmdlLXRlc3Q","context":"login",)"
          R"("lang":"en","expected":{"cardId":"6030000000000017"}})";
    auto preflight = browser;
    preflight.pop_back();
    preflight.emplace_back(7, "POST");
    preflight.emplace_back(8, "content-type,x-cns-client");
    const std::vector<std::pair<std::string, Bytes>> requests = {
        { "status", request(0, 0, browser, "") },
        { "authenticate", request(1, 1, post, auth) },
        { "authenticate-expected", request(1, 1, post, authExpected) },
        { "identity", request(1, 2, post, R"({"lang":"en"})") },
        { "cancel", request(1, 3, post, "{}") },
        { "preflight", request(2, 1, preflight, "") },
    };
    for (const auto& [name, r] : requests) {
        put("daemon_checks", name, r);
        Bytes withUi { 0 }; // the user types the right PIN
        withUi.insert(withUi.end(), r.begin(), r.end());
        put("daemon_core", name, withUi);
    }
    put("daemon_checks", "config",
        request(0, 0, {},
            R"({"port":47123,"allowedOrigins":["https://portal.example.it"],)"
            R"("rateLimitPerMinute":5,"uiTimeoutSeconds":120,"logLevel":"info"})"));
}

void textSeeds()
{
    put("cnsauth", "json", R"({"a":[1,2.5e3,-0,"x\u00e8\n"],"b":{"c":null,"d":true}})");
    put("cnsauth", "duplicate", R"({"a":1,"a":2})");
    put("cnsauth", "base64", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    put("cnsauth", "origin", "https://xn--sanit-vqa.example.it:8443");
    using namespace std::string_view_literals;
    put("cnsauth", "message",
        "https://fse.example.it\0dGhpcy1pcy1hLTMyLWJ5dGUtY2hhbGxlbmdlLXRlc3Q\0fse-login-2fa"sv);
    put("punycode", "label", "sanit-vqa");
    put("punycode", "host", "xn--sanit-vqa.example.it");
    put("punycode", "origin", "https://xn--mnchen-3ya.xn--sanit-vqa.example.it:8443");
    put("punycode", "long", "xn--egbpdaj6bu4bxfgehfvwxn");
    put("assuan", "greeting", "OK Pleased to meet you, process 4242\n");
    put("assuan", "getpin", "S PIN_REPEATED\n# comment\nD 12%2534\nOK\n");
    put("assuan", "cancel", "ERR 83886179 Operation cancelled <Pinentry>\n");
    put("assuan", "inquire", "INQUIRE QUALITY 1234\nD %0A%0D%25\nERR 83886142 Timeout\n");
    put("card_data", "codice-fiscale", "RSSMRA80A01F205X");
    put("card_data", "date", "01011980");
    put("card_data", "path", "3F00/1100/1102");

    Bytes form;
    chunk16(form, bytesOf("__Host-tscns-portal=abc123; theme=dark;  other=1"));
    chunk8(form, bytesOf("theme"));
    const std::string body = "codiceFiscale=RSSMRA80A01F205X&password=p%40ss+word&csrf=a%2Bb%3D&x";
    form.insert(form.end(), body.begin(), body.end());
    put("portal_form", "login", form);

    // GET RESPONSE: command, then the answers (one-byte lengths): 61 10 then 16 bytes + 9000;
    // and 6C 08 then 8 bytes + 9000.
    const auto exchange
        = [&](const char* name, Bytes command, Bytes status, std::size_t n, std::uint8_t fill) {
              Bytes seed;
              chunk8(seed, command);
              chunk8(seed, status);
              Bytes answer(n, fill);
              answer.push_back(0x90);
              answer.push_back(0x00);
              chunk8(seed, answer);
              put("get_response", name, seed);
          };
    exchange("61xx", Bytes { 0x00, 0xA4, 0x08, 0x00, 0x02, 0x10, 0x00, 0x00 }, Bytes { 0x61, 0x10 },
        16, 0x5A);
    exchange("6cxx", Bytes { 0x00, 0x84, 0x00, 0x00, 0x00 }, Bytes { 0x6C, 0x08 }, 8, 0x33);

    // PKCS#11 call sequences (fuzz/pkcs11.cpp's opcodes): open a session, find everything,
    // read attributes of the first object, log in, sign with SHA256_RSA_PKCS and PSS.
    const Bytes findAll { 0, 0, 0, /*find*/ 2, 0, 0, 7, 1 };
    Bytes p = findAll;
    p.insert(p.end(), { /*get*/ 3, 0, 0, 3, 0, 0, 3, 40, 6, 0 });
    p.insert(p.end(), { /*login*/ 1, 0, 1 });
    p.insert(p.end(), { /*find private key*/ 2, 0, 1, 0, 0, 3, 8, 1 });
    p.insert(p.end(), { /*signInit SHA256_RSA_PKCS*/ 4, 0, 4, 0, 0 });
    p.insert(p.end(), { /*sign*/ 5, 0, 5, 'h', 'e', 'l', 'l', 'o', 0 });
    p.insert(p.end(), { /*signInit SHA256 PSS*/ 4, 0, 7, 100, 2, 2, 32, 0 });
    p.insert(p.end(), { /*size query*/ 5, 0, 3, 'a', 'b', 'c', 3 });
    put("pkcs11", "find-sign", p);
    Bytes q = findAll;
    q.insert(q.end(), { 1, 0, 0, 1, 5, '0', '0', '0', '0', '0' }); // a wrong PIN once
    q.insert(q.end(), { 12, 0, 13, 0, 0, 10, 0, 11, 0 });
    put("pkcs11", "wrong-pin", q);
}
} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seeds DIR\n");
        return 2;
    }
    root = argv[1];
    for (const auto& p : tscns::vcard::profiles())
        cardSession(std::string(p.name), 100);
    for (const auto& k : tscns::cns::knownAtrs()) {
        Bytes atr;
        std::string hex(k.hex);
        for (std::size_t i = 0; i + 1 < hex.size();) {
            if (hex[i] == ' ') {
                ++i;
                continue;
            }
            atr.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
            i += 2;
        }
        put("atr", "known-" + std::to_string(atr.size()) + "-" + std::to_string(atr.back()), atr);
    }
    tokens();
    daemonRequests();
    textSeeds();
    return 0;
}
