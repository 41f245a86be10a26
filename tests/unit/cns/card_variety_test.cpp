// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsCard over the in-process VirtualCnsCard, on every card layout and quirk the virtual card can
// play (docs/card-layouts.md, docs/vcard.md): identification, card-ID checks, the DER certificate
// out of padded and wrapped EFs, personal data under both header conventions, the PIN and the raw
// RSA operation. The APDUs of identification + certificate discovery are counted and bounded.
#include "groups.hpp"
#include "recording_channel.hpp"

#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/profile.hpp"
#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <string>
#include <vector>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using cns::CnsCard;
using cns::Family;

namespace {

constexpr const char* kPin = "24680";

struct Variant {
    const char* name;
    const char* profile;
    Family family;
    vcard::CardQuirks quirks;
    const char* cardId = nullptr; ///< nullptr: the seed's (Luhn)
    std::size_t maxDiscoveryApdus = 0; ///< identification + certificate, at most
};

vcard::CardQuirks quirks(const char* pad = "none", std::size_t efSize = 0,
    const char* header = "including", bool noFci = false, const char* readEnd = "9000",
    bool aidRequired = false)
{
    vcard::CardQuirks q;
    q.pad = pad;
    q.efSize = efSize;
    q.personalHeader = header;
    q.noFci = noFci;
    q.readEnd = readEnd;
    q.aidRequired = aidRequired;
    return q;
}

// The bounds (docs/card-layouts.md): 2 APDUs of identification at MF level, 4 through an
// application, then 1 SELECT + 5 READ for the ~1040-byte test certificate, plus one SELECT per
// layout tried before the card's own (Infocamere: classic and IDEMIA first).
const std::vector<Variant>& variants()
{
    static const std::vector<Variant> v = {
        { "classic", "st-cns11", Family::Classic, quirks(), nullptr, 8 },
        { "classic, non-Luhn ID", "st-cns11", Family::Classic, quirks(), "6030012345678905", 8 },
        { "classic, EF padded with 00", "st-cns11", Family::Classic, quirks("00", 2048), nullptr,
            8 },
        { "classic, header excluding, no FCI", "athena-cns10", Family::Classic,
            quirks("none", 0, "excluding", true), nullptr, 9 },
        { "classic, no FCI, 6B00 past the end", "cardos-cns10", Family::Classic,
            quirks("ff", 1536, "including", true, "6b00"), nullptr, 8 },
        { "classic, 6282 at the end", "athena-cns10", Family::Classic,
            quirks("none", 0, "including", false, "6282"), nullptr, 8 },
        { "IDEMIA 2021, EF padded with FF", "idemia-2021", Family::Idemia2021, quirks("ff", 2048),
            nullptr, 8 },
        { "Infocamere 1204", "infocamere-1204", Family::Infocamere1204, quirks(), nullptr, 10 },
        { "Infocamere 1204, padded", "infocamere-1204", Family::Infocamere1204, quirks("00", 3000),
            "9000000000000001", 10 },
        { "ACe 2025", "ace-2025", Family::Ace2025, quirks(), nullptr, 8 },
        { "ACe 2025, AID required", "ace-2025", Family::Ace2025,
            quirks("none", 0, "including", false, "9000", true), nullptr, 10 },
        { "ACe 2025, AID required, no FCI, 6B00", "ace-2025", Family::Ace2025,
            quirks("00", 2048, "excluding", true, "6b00", true), nullptr, 10 },
        { "ChipDoc CNS applet", "chipdoc-cns", Family::ChipDocCns, quirks(), nullptr, 10 },
        { "ST 2022 contactless (JSign4)", "st-2022-nfc", Family::JSign4, quirks(), nullptr, 10 },
    };
    return v;
}

bool luhnOk(const std::string& id)
{
    return cns::luhnCheckDigit(std::string_view(id).substr(0, 15)) == id[15];
}

Bytes pemToDer(const std::string& pem)
{
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
    Bytes der;
    if (x != nullptr) {
        const int n = i2d_X509(x, nullptr);
        der.resize(static_cast<std::size_t>(n > 0 ? n : 0));
        unsigned char* p = der.data();
        if (n > 0) (void)i2d_X509(x, &p);
    }
    X509_free(x);
    BIO_free(bio);
    return der;
}

/// result^e mod n with the certificate's key equals `block`.
bool rawVerifies(ByteView der, ByteView result, ByteView block)
{
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
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
    out.resize(outLen);
    return ok && out == Bytes(block.begin(), block.end());
}

void checkVariant(Checker& c, const Variant& v, std::uint64_t seed)
{
    const std::string at = std::string(v.name) + ": ";
    vcard::PersonalizeOptions o;
    o.profile = v.profile;
    o.seed = seed;
    o.keyBits = 1024; // the layout is under test here; 2048-bit keys are in cns_card_vcard
    o.pin = kPin;
    o.quirks = v.quirks;
    if (v.cardId != nullptr) o.cardId = v.cardId;
    const vcard::CardImage image = vcard::personalize(o);
    auto card = vcard::VirtualCnsCard::fromImage(image);
    RecordingChannel rec(*card);

    const cns::Identification id = CnsCard::identify(rec, card->atr());
    c.eq(id.cardId.digits, image.record.cardId, at + "card ID");
    c.eq(id.cardId.checks.luhn, luhnOk(image.record.cardId), at + "Luhn check reported");
    CnsCard cns(rec, id.profile);
    const Bytes der = cns.readCertificate();
    c.bytes(der, pemToDer(image.certPem), at + "the DER certificate, nothing around it");
    c.that(cns.profile().family == v.family,
        at + "layout " + std::string(cns::familyName(cns.profile().family)));
    const std::size_t discovery = rec.commands().size();
    std::printf("  %-40s %2zu APDUs (identification + certificate)\n", v.name, discovery);
    if (discovery > v.maxDiscoveryApdus)
        c.report(at + std::to_string(discovery) + " APDUs of identification + discovery, more than "
            + std::to_string(v.maxDiscoveryApdus));

    const cns::PersonalData pd = cns.readPersonalData();
    c.eq(pd.surname, image.record.surname, at + "surname");
    c.eq(pd.codiceFiscale, image.record.codiceFiscale, at + "codice fiscale");
    c.that(pd.warnings.empty(), at + "no personal-data warning");
    c.that(pd.headerMeaning()
            == (v.quirks.personalHeader == "including"
                    ? cns::PersonalData::HeaderMeaning::IncludesHeader
                    : cns::PersonalData::HeaderMeaning::ExcludesHeader),
        at + "header convention recognised");

    const auto before = cns.pinStatus();
    c.that(before.triesLeft == 3 && !before.verified, at + "3 tries, not verified");
    cns.verifyPin(SecureBytes(asBytes(kPin), 8));
    Bytes block(128);
    for (std::size_t i = 1; i < block.size(); ++i)
        block[i] = static_cast<std::uint8_t>(i * 7);
    const Bytes result = cns.rsaRaw(block);
    c.that(rawVerifies(der, result, block), at + "raw RSA with the certificate's key");
}

void everyVariant_readsEndToEnd(void**)
{
    TSCNS_CHECK([](Checker& c) {
        std::uint64_t seed = 900;
        for (const Variant& v : variants()) {
            try {
                checkVariant(c, v, ++seed);
            } catch (const Error& e) {
                c.report(std::string(v.name) + ": " + e.message());
            }
        }
    });
}

// A card that stops answering its application after another one was selected (ACe 2025 "ESIGN")
// is reached again by selecting the CNS application, without any PIN resent.
void aceAfterEsign_reselectsTheApplication(void**)
{
    TSCNS_CHECK([](Checker& c) {
        vcard::PersonalizeOptions o;
        o.profile = "ace-2025";
        o.seed = 990;
        o.keyBits = 1024;
        o.pin = kPin;
        o.quirks.aidRequired = true;
        auto card = vcard::VirtualCnsCard::fromImage(vcard::personalize(o));
        RecordingChannel rec(*card);
        const cns::Identification id = CnsCard::identify(rec, card->atr());
        // Another program selects the ESIGN application between our transactions.
        const auto esign = card->transmit(apdu::CommandApdu {
            0x00, 0xA4, 0x04, 0x0C, fromHex("A0 00 00 05 30 45 53 49 47 4E"), std::nullopt });
        c.that(esign.isSuccess(), "ESIGN answers");
        CnsCard cns(rec, id.profile);
        c.eq(cns.readCertificate().empty(), false, "certificate after ESIGN");
        c.eq(cns.readCardId().digits, id.cardId.digits, "card ID after ESIGN");
        c.eq(card->pinTriesLeft(), 3, "no PIN try spent");
    });
}

// Not a TS-CNS: the foreign card with the IDEMIA ATR stays refused.
void foreignCard_staysRefused(void**)
{
    TSCNS_CHECK([](Checker& c) {
        vcard::PersonalizeOptions o;
        o.profile = "foreign-idemia";
        o.seed = 991;
        o.keyBits = 1024;
        auto card = vcard::VirtualCnsCard::fromImage(vcard::personalize(o));
        c.throws(
            Errc::NotCnsCard, [&] { (void)CnsCard::identify(*card, card->atr()); }, "foreign",
            "no CNS application answers");
    });
}

} // namespace

int runCardVarietyTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everyVariant_readsEndToEnd),
        cmocka_unit_test(aceAfterEsign_reselectsTheApplication),
        cmocka_unit_test(foreignCard_staysRefused),
    };
    return cmocka_run_group_tests_name("cns_card_variety", tests, nullptr, nullptr);
}
