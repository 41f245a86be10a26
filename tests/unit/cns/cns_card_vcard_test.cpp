// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsCard over the in-process VirtualCnsCard, one image per card profile: identification, EF
// contents equal to the personalization, PIN life cycle, the raw RSA operation checked with the
// certificate's public key (short, extended, chained, IDEMIA key DF), GET CHALLENGE splitting.
#include "groups.hpp"
#include "recording_channel.hpp"

#include "tscns/apdu/status_word.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/profile.hpp"
#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <exception>
#include <memory>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using cns::CnsCard;

namespace {

constexpr const char* kPin = "12345";
constexpr const char* kPuk = "87654321";

/// Cards personalized once per group (RSA key generation is the slow part).
struct Images {
    vcard::CardImage st; ///< st-cns11, RSA-2048, STIncard mask
    vcard::CardImage athena; ///< athena-cns10, RSA-1024
    vcard::CardImage cardos; ///< cardos-cns10, RSA-1024
    vcard::CardImage idemia; ///< idemia-2021, RSA-2048, key DF
    vcard::CardImage foreign; ///< foreign-idemia: IDEMIA 2021 ATR, no CNS application
};

/// A reader without extended-APDU support: it refuses extended commands with 6700 before they
/// reach the card, as a short-only reader or driver does.
class ShortOnlyReader final : public apdu::CardChannel {
public:
    explicit ShortOnlyReader(apdu::CardChannel& inner)
        : inner_(inner)
    {
    }
    apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override
    {
        if (command.needsExtended()) {
            ++refused_;
            return { {}, apdu::sw::kWrongLength };
        }
        return inner_.transmit(command);
    }
    [[nodiscard]] int refused() const noexcept { return refused_; }

private:
    apdu::CardChannel& inner_;
    int refused_ = 0;
};

/// Per test: a fresh card on a copy of one image; recorder sees what reaches the card.
struct CardFixture {
    const Images* images = nullptr;
    const vcard::CardImage* image = nullptr;
    std::unique_ptr<vcard::VirtualCnsCard> card;
    std::unique_ptr<RecordingChannel> recorder; ///< over card
    std::unique_ptr<ShortOnlyReader> shortReader; ///< over recorder
};

CardFixture* fx(void** state)
{
    return static_cast<CardFixture*>(*state);
}

vcard::CardImage personalizeProfile(const char* profile, std::uint64_t seed)
{
    vcard::PersonalizeOptions o;
    o.profile = profile;
    o.seed = seed;
    o.pin = kPin;
    o.puk = kPuk;
    return vcard::personalize(o);
}

int imagesSetup(void** state)
{
    try {
        auto images = std::make_unique<Images>();
        images->st = personalizeProfile("st-cns11", 31);
        images->athena = personalizeProfile("athena-cns10", 32);
        images->cardos = personalizeProfile("cardos-cns10", 33);
        images->idemia = personalizeProfile("idemia-2021", 34);
        images->foreign = personalizeProfile("foreign-idemia", 35);
        *state = images.release();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "personalization failed: %s\n", e.what());
        return -1;
    }
}

int imagesTeardown(void** state)
{
    delete static_cast<Images*>(*state);
    *state = nullptr;
    return 0;
}

int cardSetup(void** state, vcard::CardImage Images::*which)
{
    const auto* images = static_cast<const Images*>(*state);
    auto* f = new CardFixture;
    f->images = images;
    f->image = &(images->*which);
    try {
        f->card = vcard::VirtualCnsCard::fromImage(*f->image);
        f->recorder = std::make_unique<RecordingChannel>(*f->card);
        f->shortReader = std::make_unique<ShortOnlyReader>(*f->recorder);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "card setup failed: %s\n", e.what());
        delete f;
        return -1;
    }
    *state = f;
    return 0;
}

int stSetup(void** state)
{
    return cardSetup(state, &Images::st);
}
int athenaSetup(void** state)
{
    return cardSetup(state, &Images::athena);
}
int cardosSetup(void** state)
{
    return cardSetup(state, &Images::cardos);
}
int idemiaSetup(void** state)
{
    return cardSetup(state, &Images::idemia);
}
int foreignSetup(void** state)
{
    return cardSetup(state, &Images::foreign);
}

int cardTeardown(void** state)
{
    auto* f = static_cast<CardFixture*>(*state);
    const Images* images = f->images;
    delete f;
    *state = const_cast<Images*>(images);
    return 0;
}

// ---- helpers (own every object with a destructor; run inside TSCNS_CHECK) -----------------

SecureBytes secret(std::string_view digits)
{
    return SecureBytes(asBytes(digits), 8);
}

const Bytes& imageFile(const vcard::CardImage& image, const char* path)
{
    return image.files.at(vcard::parseFilePath(path));
}

/// Identifies the card through the recorder (its ATR, then the EF_IDCarta probe).
cns::Identification identifyCard(CardFixture* f)
{
    return CnsCard::identify(*f->recorder, f->card->atr());
}

/// A modulus-length block below the modulus (leading 00).
Bytes testBlock(std::size_t n)
{
    Bytes block(n);
    for (std::size_t i = 0; i < n; ++i)
        block[i] = static_cast<std::uint8_t>(0xA5 ^ (i * 13));
    block[0] = 0x00;
    return block;
}

/// "" when result^e mod n (public key of the DER certificate, no padding) equals `block`.
std::string publicRawMismatch(ByteView certDer, ByteView result, ByteView block)
{
    const unsigned char* p = certDer.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(certDer.size()));
    EVP_PKEY* key = cert != nullptr ? X509_get_pubkey(cert) : nullptr;
    EVP_PKEY_CTX* ctx = key != nullptr ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
    Bytes out(result.size() + 16);
    std::size_t outLen = out.size();
    const bool ok = ctx != nullptr && EVP_PKEY_encrypt_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1
        && EVP_PKEY_encrypt(ctx, out.data(), &outLen, result.data(), result.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    X509_free(cert);
    ERR_clear_error();
    if (!ok)
        return "raw RSA public operation failed on a " + std::to_string(result.size())
            + "-byte result";
    out.resize(outLen);
    if (out != Bytes(block.begin(), block.end()))
        return "result^e mod n differs from the block\n     got:   " + toHexSpaced(out)
            + "\n     block: " + toHexSpaced(block);
    return {};
}

void checkIdentify(
    Checker& c, CardFixture* f, cns::Family family, std::uint8_t flag, std::uint8_t pinP2)
{
    const cns::Identification id = identifyCard(f);
    c.that(id.profile.family == family, "family");
    c.eq(id.profile.referenceFlag, flag, "reference flag");
    c.eq(id.profile.pinP2(), pinP2, "PIN P2");
    c.that(id.atrInfo.has_value(), "CNS ATR structure recognised");
    c.eq(id.cardId.digits, f->image->record.cardId, "card ID");
    c.bytes(id.idCartaRaw, imageFile(*f->image, "3F00/1000/1003"), "raw EF_IDCarta");
    CnsCard card(*f->recorder, id.profile);
    c.eq(card.readCardId().digits, f->image->record.cardId, "readCardId()");
}

// ---- identification ---------------------------------------------------------------------------

void identify_stCns11_isStIncardClassic(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkIdentify(c, f, cns::Family::Classic, 0x80, 0x90); });
}

void identify_athena_isClassic(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkIdentify(c, f, cns::Family::Classic, 0x00, 0x10); });
}

void identify_cardos_isClassic(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkIdentify(c, f, cns::Family::Classic, 0x00, 0x10); });
}

void identify_idemia2021_isIdemia(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        checkIdentify(c, f, cns::Family::Idemia2021, 0x00, 0x10);
        const cns::Identification id = identifyCard(f);
        c.that(id.profile.keyDf.has_value(), "key DF");
        c.eq(id.profile.keyReference, 0x02, "key reference");
    });
}

void identify_foreignIdemia_isNotCnsCard(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        c.throws(
            Errc::NotCnsCard, [&] { (void)identifyCard(f); }, "foreign card");
    });
}

// ---- EF contents ------------------------------------------------------------------------------

void checkPersonalData(Checker& c, CardFixture* f)
{
    const cns::Identification id = identifyCard(f);
    CnsCard card(*f->recorder, id.profile);
    const vcard::CardRecord& r = f->image->record;
    c.bytes(card.readPersonalDataRaw(), imageFile(*f->image, "3F00/1100/1102"), "raw EF");
    const cns::PersonalData pd = card.readPersonalData();
    c.eq(pd.surname, r.surname, "surname");
    c.eq(pd.givenName, r.givenName, "givenName");
    c.eq(pd.codiceFiscale, r.codiceFiscale, "codiceFiscale");
    c.eq(pd.sex, r.sex, "sex");
    c.eq(pd.issuer, r.issuer, "issuer");
    c.eq(pd.birthMunicipality, r.birthPlace, "birth municipality");
    c.eq(pd.residenceMunicipality, r.residence, "residence municipality");
    c.eq(pd.birthDate ? pd.birthDate->toIso() : std::string(), r.birthDate, "birth date");
    c.eq(pd.issueDate ? pd.issueDate->toIso() : std::string(), r.issueDate, "issue date");
    c.eq(pd.expiryDate ? pd.expiryDate->toIso() : std::string(), r.expiryDate, "expiry date");
}

void readPersonalData_equalsPersonalization(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkPersonalData(c, f); });
}

void checkCertificate(Checker& c, CardFixture* f, const char* path)
{
    const cns::Identification id = identifyCard(f);
    CnsCard card(*f->recorder, id.profile);
    const Bytes der = card.readCertificate();
    c.bytes(der, imageFile(*f->image, path), "certificate EF");
    // And the EF is the DER of the image's certificate PEM.
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    c.that(cert != nullptr && p == der.data() + der.size(), "the EF is one DER certificate");
    X509_free(cert);
    c.that(f->image->certPem.find("BEGIN CERTIFICATE") != std::string::npos, "PEM present");
}

void readCertificate_classicPath_equalsImage(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkCertificate(c, f, "3F00/1100/1101"); });
}

void readCertificate_idemiaPath_equalsImage(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkCertificate(c, f, "3F00/1400/9001/2002"); });
}

void readCertificate_wrongFamily_fallsBackAndKeepsTheLayout(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        // The ATR suggested a classic card, the card is an IDEMIA 2021.
        CnsCard card(*f->recorder, cns::classicProfile());
        c.bytes(card.readCertificate(), imageFile(*f->image, "3F00/1400/9001/2002"), "cert");
        c.that(card.profile().family == cns::Family::Idemia2021, "profile switched");
        // The switched profile drives the key operation (key DF + key 02).
        card.verifyPin(secret(kPin));
        const Bytes block = testBlock(256);
        const Bytes result = card.rsaRaw(block);
        c.eq(publicRawMismatch(imageFile(*f->image, "3F00/1400/9001/2002"), result, block),
            std::string(), "RSA");
    });
}

// ---- PIN life cycle ---------------------------------------------------------------------------

void verifyPin_wrongThrice_locks_pukRestores(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const cns::Identification id = identifyCard(f);
        CnsCard card(*f->recorder, id.profile);
        const std::size_t before = f->recorder->count(0x20);
        const auto e1 = c.throws(
            Errc::PinIncorrect, [&] { card.verifyPin(secret("11111")); }, "1st");
        if (e1) c.eq(e1->retries(), std::optional<int>(2), "retries after 1st");
        const auto e2 = c.throws(
            Errc::PinIncorrect, [&] { card.verifyPin(secret("11111")); }, "2nd");
        if (e2) c.eq(e2->retries(), std::optional<int>(1), "retries after 2nd");
        c.throws(
            Errc::PinLocked, [&] { card.verifyPin(secret("11111")); }, "3rd");
        c.throws(
            Errc::PinLocked, [&] { card.verifyPin(secret(kPin)); }, "right PIN when locked");
        c.eq(f->recorder->count(0x20) - before, 4, "one VERIFY per attempt");
        // P2 90 on the STIncard mask (ATR H4 = 09), 10 elsewhere (cns-card.md §5).
        const std::uint8_t p2 = f->card->profile().name == "st-cns11" ? 0x90 : 0x10;
        for (const apdu::CommandApdu& cmd : f->recorder->commands())
            if (cmd.ins == 0x20) c.eq(cmd.p2, p2, "VERIFY P2");
        cns::PinStatus s = card.pinStatus();
        c.that(s.blocked, "status: blocked");
        c.eq(s.triesLeft, std::optional<int>(0), "status: tries");
        c.eq(f->card->pinTriesLeft(), 0, "card counter");

        card.unblockPin(secret(kPuk), secret("24680"));
        s = card.pinStatus();
        c.that(!s.blocked && !s.verified, "status after unblock");
        c.eq(s.triesLeft, std::optional<int>(3), "tries after unblock");
        c.throws(
            Errc::PinIncorrect, [&] { card.verifyPin(secret(kPin)); }, "old PIN");
        c.noThrow([&] { card.verifyPin(secret("24680")); }, "new PIN");
        c.that(card.pinStatus().verified, "status: verified");
    });
}

void unblockPin_wrongPuk_isPinIncorrect(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const cns::Identification id = identifyCard(f);
        CnsCard card(*f->recorder, id.profile);
        const auto e = c.throws(
            Errc::PinIncorrect, [&] { card.unblockPin(secret("11111111"), secret("24680")); },
            "wrong PUK");
        if (e) c.eq(e->retries(), std::optional<int>(vcard::kPukTriesMax - 1), "PUK retries");
        c.noThrow([&] { card.verifyPin(secret(kPin)); }, "PIN unchanged");
    });
}

void changePin_oldFailsNewWorks(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const cns::Identification id = identifyCard(f);
        CnsCard card(*f->recorder, id.profile);
        const auto e = c.throws(
            Errc::PinIncorrect, [&] { card.changePin(secret("99999"), secret("13579")); },
            "wrong old PIN");
        if (e) c.eq(e->retries(), std::optional<int>(2), "retries");
        c.noThrow([&] { card.changePin(secret(kPin), secret("13579")); }, "change");
        c.throws(
            Errc::PinIncorrect, [&] { card.verifyPin(secret(kPin)); }, "old PIN");
        c.noThrow([&] { card.verifyPin(secret("13579")); }, "new PIN");
    });
}

void pinStatus_reportsTriesAsTheCardAnswers(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const cns::Identification id = identifyCard(f);
        CnsCard card(*f->recorder, id.profile);
        cns::PinStatus s = card.pinStatus();
        c.eq(s.triesLeft, std::optional<int>(3), "fresh card");
        c.that(!s.verified && !s.blocked, "fresh flags");
        c.throws(
            Errc::PinIncorrect, [&] { card.verifyPin(secret("11111")); }, "wrong PIN");
        c.eq(card.pinStatus().triesLeft, std::optional<int>(2), "after a wrong PIN");
        c.eq(f->card->pinTriesLeft(), 2, "the query cost no try");
        card.verifyPin(secret(kPin));
        s = card.pinStatus();
        c.that(s.verified, "verified");
        c.eq(f->card->pinTriesLeft(), 3, "counter reset");
    });
}

// ---- rsaRaw -----------------------------------------------------------------------------------

void checkRsaRaw(Checker& c, CardFixture* f, std::size_t modulusBytes, const char* certPath)
{
    const cns::Identification id = identifyCard(f);
    CnsCard card(*f->recorder, id.profile);
    const Bytes block = testBlock(modulusBytes);
    c.throws(
        Errc::NotLoggedIn, [&] { (void)card.rsaRaw(block); }, "without PIN");
    card.verifyPin(secret(kPin));
    f->recorder->clear();
    const Bytes result = card.rsaRaw(block);
    c.eq(result.size(), modulusBytes, "result size");
    c.eq(publicRawMismatch(imageFile(*f->image, certPath), result, block), std::string(), "RSA");
    // One PSO DECIPHER, short for 1024-bit keys and extended for 2048-bit keys.
    c.eq(f->recorder->count(0x2A), 1, "one PSO");
    for (const apdu::CommandApdu& cmd : f->recorder->commands())
        if (cmd.ins == 0x2A) c.eq(cmd.needsExtended(), modulusBytes > 128, "extended form");
    // A second operation works too (MSE is restored every time).
    const Bytes again = card.rsaRaw(block);
    c.bytes(again, result, "deterministic raw RSA");
}

void rsaRaw_1024_shortApdu_roundTrips(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkRsaRaw(c, f, 128, "3F00/1100/1101"); });
}

void rsaRaw_2048_extendedApdu_roundTrips(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkRsaRaw(c, f, 256, "3F00/1100/1101"); });
}

void rsaRaw_idemia_keyDf_roundTrips(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        checkRsaRaw(c, f, 256, "3F00/1400/9001/2002");
        // The key DF is selected before MSE SET (else the card answers 6984).
        f->recorder->clear();
        const cns::Identification id = identifyCard(f);
        CnsCard card(*f->recorder, id.profile);
        (void)card.rsaRaw(testBlock(256));
        const auto& cmds = f->recorder->commands();
        // identify: SELECT + READ BINARY; rsaRaw: SELECT key DF, MSE RESTORE, MSE SET, PSO.
        c.eq(cmds.size(), 6, "commands recorded");
        if (cmds.size() == 6) {
            c.hex(cmds[cmds.size() - 4].encode(), "00 A4 08 0C 04 14 00 90 02", "key DF select");
            c.hex(cmds[cmds.size() - 2].encode(), "00 22 F1 B8 03 83 01 02", "MSE SET key 02");
        }
    });
}

void rsaRaw_2048_shortOnlyReader_usesChaining(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const cns::Identification id = identifyCard(f);
        CnsCard card(*f->shortReader, id.profile);
        card.verifyPin(secret(kPin));
        f->recorder->clear();
        const Bytes block = testBlock(256);
        const Bytes result = card.rsaRaw(block);
        c.eq(f->shortReader->refused(), 1, "the extended PSO was refused");
        c.eq(publicRawMismatch(imageFile(*f->image, "3F00/1100/1101"), result, block),
            std::string(), "RSA");
        // What reached the card: MSE RESTORE, MSE SET, then the two chained parts.
        const auto& cmds = f->recorder->commands();
        c.eq(cmds.size(), 4, "commands reaching the card");
        if (cmds.size() == 4) {
            c.eq(cmds[2].cla, 0x10, "first part chained");
            c.eq(cmds[2].data.size(), 255, "first part size");
            c.that(!cmds[2].le.has_value(), "first part without Le");
            c.eq(cmds[3].cla, 0x00, "last part");
            c.eq(cmds[3].data.size(), 2, "last part size");
            c.eq(cmds[3].le, std::optional<std::size_t>(256), "last part Le");
        }
    });
}

// ---- getChallenge -----------------------------------------------------------------------------

void checkChallenge(Checker& c, CardFixture* f, std::size_t n, std::size_t commands)
{
    const cns::Identification id = identifyCard(f);
    CnsCard card(*f->recorder, id.profile);
    f->recorder->clear();
    const Bytes random = card.getChallenge(n);
    c.eq(random.size(), n, "bytes");
    c.eq(f->recorder->count(0x84), commands, "GET CHALLENGE commands");
    for (const apdu::ResponseApdu& r : f->recorder->responses())
        c.eq(r.sw.value(), 0x9000, "every command answered 9000");
    const Bytes other = card.getChallenge(n);
    c.that(other != random, "two challenges differ");
}

void getChallenge_idemia40_inTwoCommands(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        checkChallenge(c, f, 40, 2);
        c.eq(f->recorder->commands().at(0).le, std::optional<std::size_t>(32), "first Le 32");
        c.eq(f->recorder->commands().at(1).le, std::optional<std::size_t>(8), "second Le 8");
    });
}

void getChallenge_classic40_inFiveCommands(void** state)
{
    CardFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) { checkChallenge(c, f, 40, 5); });
}

} // namespace

int runCnsCardVirtualCardTests()
{
#define ST(t) cmocka_unit_test_setup_teardown(t, stSetup, cardTeardown)
#define ATHENA(t) cmocka_unit_test_setup_teardown(t, athenaSetup, cardTeardown)
#define CARDOS(t) cmocka_unit_test_setup_teardown(t, cardosSetup, cardTeardown)
#define IDEMIA(t) cmocka_unit_test_setup_teardown(t, idemiaSetup, cardTeardown)
#define FOREIGN(t) cmocka_unit_test_setup_teardown(t, foreignSetup, cardTeardown)
    const struct CMUnitTest tests[] = {
        ST(identify_stCns11_isStIncardClassic),
        ATHENA(identify_athena_isClassic),
        CARDOS(identify_cardos_isClassic),
        IDEMIA(identify_idemia2021_isIdemia),
        FOREIGN(identify_foreignIdemia_isNotCnsCard),
        ST(readPersonalData_equalsPersonalization),
        IDEMIA(readPersonalData_equalsPersonalization),
        ST(readCertificate_classicPath_equalsImage),
        ATHENA(readCertificate_classicPath_equalsImage),
        CARDOS(readCertificate_classicPath_equalsImage),
        IDEMIA(readCertificate_idemiaPath_equalsImage),
        IDEMIA(readCertificate_wrongFamily_fallsBackAndKeepsTheLayout),
        ST(verifyPin_wrongThrice_locks_pukRestores),
        ATHENA(verifyPin_wrongThrice_locks_pukRestores),
        IDEMIA(verifyPin_wrongThrice_locks_pukRestores),
        ST(unblockPin_wrongPuk_isPinIncorrect),
        ST(changePin_oldFailsNewWorks),
        CARDOS(changePin_oldFailsNewWorks),
        ST(pinStatus_reportsTriesAsTheCardAnswers),
        ATHENA(rsaRaw_1024_shortApdu_roundTrips),
        CARDOS(rsaRaw_1024_shortApdu_roundTrips),
        ST(rsaRaw_2048_extendedApdu_roundTrips),
        IDEMIA(rsaRaw_idemia_keyDf_roundTrips),
        ST(rsaRaw_2048_shortOnlyReader_usesChaining),
        IDEMIA(getChallenge_idemia40_inTwoCommands),
        ST(getChallenge_classic40_inFiveCommands),
    };
#undef ST
#undef ATHENA
#undef CARDOS
#undef IDEMIA
#undef FOREIGN
    return cmocka_run_group_tests_name("cns_card_vcard", tests, imagesSetup, imagesTeardown);
}
