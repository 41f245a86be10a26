// SPDX-License-Identifier: LGPL-2.1-or-later
// Personalization: synthetic holder, EF contents (cns-card.md §2, §3) and the CNS certificate
// profile (§4) issued by a seeded test CA.
#include "tscns/vcard/personalize.hpp"

#include "ossl.hpp"
#include "seed_stream.hpp"
#include "tscns/apdu/error.hpp"
#include "tscns/vcard/identity.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <array>
#include <cctype>
#include <string_view>

namespace tscns::vcard {

namespace {

    constexpr std::array<std::string_view, 12> kMaleNames { "MARIO", "LUCA", "GIUSEPPE", "MARCO",
        "ANDREA", "FRANCESCO", "ALESSANDRO", "GIOVANNI", "ANTONIO", "PAOLO", "STEFANO", "ROBERTO" };
    constexpr std::array<std::string_view, 12> kFemaleNames { "MARIA", "ANNA", "GIULIA",
        "FRANCESCA", "CHIARA", "SARA", "LAURA", "ELENA", "PAOLA", "VALENTINA", "SILVIA",
        "ROBERTA" };
    constexpr std::array<std::string_view, 20> kSurnames { "ROSSI", "RUSSO", "FERRARI", "ESPOSITO",
        "BIANCHI", "ROMANO", "COLOMBO", "RICCI", "MARINO", "GRECO", "BRUNO", "GALLO", "CONTI",
        "DE LUCA", "MANCINI", "COSTA", "GIORDANO", "RIZZO", "LOMBARDI", "FO" };
    // Belfiore (cadastral) codes: Milano, Roma, Torino, Bologna, Firenze, Palermo, Napoli.
    constexpr std::array<std::string_view, 7> kBelfiore { "F205", "H501", "L219", "A944", "D612",
        "G273", "F839" };

    constexpr std::string_view kCnsPolicy = "1.3.76.16.2.1";
    // Explicit text of the CNS authentication policy, as the CNS user guide quotes it (§4).
    constexpr std::string_view kCnsPolicyText
        = "Identifies X.509 authentication certificates issued for the italian National Service "
          "Card (CNS) project in according to the italian regulation";
    constexpr std::string_view kCardName = "Carta Nazionale dei Servizi";
    constexpr unsigned kCaKeyBits = 2048;
    constexpr int kValidityYears = 6;

    template <typename Table> std::string_view pick(SeedStream& s, const Table& table)
    {
        return table[s.below(static_cast<std::uint32_t>(table.size()))];
    }

    bool allDigits(std::string_view s) noexcept
    {
        for (char c : s)
            if (c < '0' || c > '9') return false;
        return !s.empty();
    }

    struct Holder {
        std::string surname;
        std::string givenName;
        char sex = 'M';
        Date birth;
        std::string birthPlace;
        std::string residence;
    };

    // Issue dates from 2023-07-01 to 2026-06-30: every card is valid for a few years more. The
    // first draw of the seed's "card" stream.
    Date issueDate(SeedStream& cardStream)
    {
        return Date { 2023, 7, 1 }.plusDays(cardStream.between(0, 1095));
    }

    Holder syntheticHolder(std::uint64_t seed)
    {
        SeedStream s(seed, "holder");
        Holder h;
        h.sex = s.below(2) == 0 ? 'M' : 'F';
        h.givenName = h.sex == 'M' ? pick(s, kMaleNames) : pick(s, kFemaleNames);
        h.surname = pick(s, kSurnames);
        h.birth.year = s.between(1945, 2006);
        h.birth.month = s.between(1, 12);
        h.birth.day = s.between(1, daysInMonth(h.birth.year, h.birth.month));
        h.birthPlace = pick(s, kBelfiore);
        h.residence = pick(s, kBelfiore);
        return h;
    }

    // ---- certificates ----------------------------------------------------------------------

    using NamePtr = std::unique_ptr<X509_NAME, ossl::Deleter<X509_NAME_free>>;
    using ExtPtr = std::unique_ptr<X509_EXTENSION, ossl::Deleter<X509_EXTENSION_free>>;
    using PoliciesPtr
        = std::unique_ptr<CERTIFICATEPOLICIES, ossl::Deleter<CERTIFICATEPOLICIES_free>>;
    using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, ossl::Deleter<ASN1_INTEGER_free>>;

    struct Rdn {
        const char* type;
        std::string value;
    };

    NamePtr makeName(const std::vector<Rdn>& rdns)
    {
        NamePtr name(X509_NAME_new());
        if (!name) ossl::fail("X509_NAME_new");
        for (const Rdn& rdn : rdns) {
            if (X509_NAME_add_entry_by_txt(name.get(), rdn.type, MBSTRING_UTF8,
                    reinterpret_cast<const unsigned char*>(rdn.value.c_str()), -1, -1, 0)
                != 1)
                ossl::fail(std::string("X509_NAME_add_entry_by_txt ") + rdn.type);
        }
        return name;
    }

    void addExtension(X509* cert, X509* issuer, int nid, const char* value)
    {
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
        ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
        if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
            ossl::fail(std::string("extension ") + OBJ_nid2sn(nid) + " = " + value);
    }

    // certificatePolicies with 1.3.76.16.2.1 and its explicit text (cns-card.md §4).
    void addCnsPolicy(X509* cert)
    {
        PoliciesPtr policies(sk_POLICYINFO_new_null());
        if (!policies) ossl::fail("sk_POLICYINFO_new_null");
        POLICYINFO* info = POLICYINFO_new();
        if (info == nullptr || sk_POLICYINFO_push(policies.get(), info) == 0) {
            POLICYINFO_free(info);
            ossl::fail("POLICYINFO_new");
        }
        info->policyid = OBJ_txt2obj(std::string(kCnsPolicy).c_str(), 1);
        info->qualifiers = sk_POLICYQUALINFO_new_null();
        if (info->policyid == nullptr || info->qualifiers == nullptr) ossl::fail("policy id");
        POLICYQUALINFO* qualifier = POLICYQUALINFO_new();
        if (qualifier == nullptr || sk_POLICYQUALINFO_push(info->qualifiers, qualifier) == 0) {
            POLICYQUALINFO_free(qualifier);
            ossl::fail("POLICYQUALINFO_new");
        }
        qualifier->pqualid = OBJ_nid2obj(NID_id_qt_unotice);
        qualifier->d.usernotice = USERNOTICE_new();
        if (qualifier->d.usernotice == nullptr) ossl::fail("USERNOTICE_new");
        ASN1_STRING* text = ASN1_STRING_type_new(V_ASN1_UTF8STRING);
        qualifier->d.usernotice->exptext = text;
        if (text == nullptr
            || ASN1_STRING_set(text, kCnsPolicyText.data(), static_cast<int>(kCnsPolicyText.size()))
                != 1)
            ossl::fail("policy explicit text");
        if (X509_add1_ext_i2d(cert, NID_certificate_policies, policies.get(), 0, 0) != 1)
            ossl::fail("certificatePolicies");
    }

    void setTime(ASN1_TIME* t, const Date& d, const char* hhmmss)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%04d%02d%02d%sZ", d.year, d.month, d.day, hhmmss);
        if (ASN1_TIME_set_string_X509(t, buf) != 1) ossl::fail("ASN1_TIME_set_string_X509");
    }

    void setSerial(X509* cert, std::uint64_t seed, std::string_view label)
    {
        SeedStream s(seed, label);
        Bytes serial = s.bytes(16);
        serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7F) | 0x40); // positive, 16 bytes
        ossl::BnPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
        if (!bn) ossl::fail("BN_bin2bn");
        AsnIntPtr asn(BN_to_ASN1_INTEGER(bn.get(), nullptr));
        if (!asn || X509_set_serialNumber(cert, asn.get()) != 1) ossl::fail("serial number");
    }

    struct CertSpec {
        const std::vector<Rdn>* subject;
        EVP_PKEY* subjectKey;
        X509* issuerCert; ///< nullptr: self-signed
        EVP_PKEY* issuerKey;
        Date notBefore;
        Date notAfter;
        std::uint64_t seed;
        std::string_view serialLabel;
        bool ca;
    };

    ossl::X509Ptr makeCertificate(const CertSpec& spec)
    {
        ossl::X509Ptr cert(X509_new());
        if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) ossl::fail("X509_new");
        setSerial(cert.get(), spec.seed, spec.serialLabel);
        NamePtr subject = makeName(*spec.subject);
        if (X509_set_subject_name(cert.get(), subject.get()) != 1) ossl::fail("subject");
        X509_NAME* issuerName
            = spec.issuerCert != nullptr ? X509_get_subject_name(spec.issuerCert) : subject.get();
        if (X509_set_issuer_name(cert.get(), issuerName) != 1) ossl::fail("issuer");
        setTime(X509_getm_notBefore(cert.get()), spec.notBefore, "000000");
        setTime(X509_getm_notAfter(cert.get()), spec.notAfter, "235959");
        if (X509_set_pubkey(cert.get(), spec.subjectKey) != 1) ossl::fail("X509_set_pubkey");

        X509* issuer = spec.issuerCert != nullptr ? spec.issuerCert : cert.get();
        if (spec.ca) {
            addExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
            addExtension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        } else {
            addExtension(cert.get(), issuer, NID_basic_constraints, "CA:FALSE");
            // nonRepudiation must not be set on a CNS authentication certificate (§4).
            addExtension(
                cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
            addExtension(cert.get(), issuer, NID_ext_key_usage, "clientAuth");
            addCnsPolicy(cert.get());
        }
        addExtension(cert.get(), issuer, NID_subject_key_identifier, "hash");
        addExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
        if (X509_sign(cert.get(), spec.issuerKey, EVP_sha256()) <= 0) ossl::fail("X509_sign");
        return cert;
    }

    std::string base64(ByteView data)
    {
        std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
        const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
            static_cast<int>(data.size()));
        if (n < 0) ossl::fail("EVP_EncodeBlock");
        out.resize(static_cast<std::size_t>(n));
        return out;
    }

    /// The certificate EF: DER, or the Infocamere "1204" wrapper (01, DER length in 2 bytes,
    /// 00 00, DER), then the padding of a fixed-size EF.
    Bytes certificateEf(const Bytes& der, bool wrapped, const CardQuirks& q)
    {
        Bytes ef;
        ef.reserve(der.size() + 5);
        if (wrapped) {
            for (const std::uint8_t b :
                { std::uint8_t { 0x01 }, static_cast<std::uint8_t>(der.size() >> 8),
                    static_cast<std::uint8_t>(der.size() & 0xFF), std::uint8_t { 0 },
                    std::uint8_t { 0 } })
                ef.push_back(b);
        }
        for (const std::uint8_t b : der)
            ef.push_back(b);
        if (q.pad != "none") {
            if (q.efSize < ef.size())
                throw Error(Errc::BadArgument,
                    "ef-size " + std::to_string(q.efSize) + " is smaller than the certificate EF ("
                        + std::to_string(ef.size()) + " bytes)");
            ef.resize(q.efSize, q.pad == "ff" ? 0xFF : 0x00);
        }
        return ef;
    }

    /// ACe 2025 D003: 10 bytes, the 16 digits as packed BCD in bytes 2..9. Bytes 0..1 are not
    /// documented; "5A 08" (application PAN tag, 8 bytes) is our choice.
    Bytes bcdId(const std::string& digits)
    {
        Bytes out { 0x5A, 0x08 };
        for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
            out.push_back(
                static_cast<std::uint8_t>(((digits[i] - '0') << 4) | (digits[i + 1] - '0')));
        return out;
    }

} // namespace

void checkPersonalizeOptions(const PersonalizeOptions& o)
{
    const Profile& profile = requireProfile(o.profile);
    const unsigned keyBits = o.keyBits.value_or(profile.defaultKeyBits);
    if (keyBits != 1024 && keyBits != 2048)
        throw Error(Errc::BadArgument,
            "key size must be 1024 or 2048 bits (got " + std::to_string(keyBits) + ")");
    if (o.pin && (o.pin->size() < 5 || o.pin->size() > 8 || !allDigits(*o.pin)))
        throw Error(Errc::BadArgument, "the PIN must be 5 to 8 digits");
    if (o.puk && (o.puk->size() != 8 || !allDigits(*o.puk)))
        throw Error(Errc::BadArgument, "the PUK must be 8 digits");
    if (o.region.size() != 3 || !allDigits(o.region))
        throw Error(Errc::BadArgument,
            "the issuer region must be 3 digits, e.g. 030 (Lombardia), 090 (Toscana)");
    if (o.cardId && (o.cardId->size() != 16 || !allDigits(*o.cardId)))
        throw Error(Errc::BadArgument, "the card ID must be 16 digits");
    if (o.atrHex) {
        Bytes atr;
        try {
            atr = fromHex(*o.atrHex);
        } catch (const Error&) {
            throw Error(Errc::BadArgument, "the ATR must be hex, e.g. 3B 8F 80 01 ...");
        }
        if (atr.size() < 2 || atr.size() > 33 || atr[0] != 0x3B)
            throw Error(Errc::BadArgument, "the ATR must be 2 to 33 bytes starting with 3B");
    }
    checkQuirks(o.quirks);
    if (o.quirks.pad == "none" && o.quirks.efSize != 0)
        throw Error(Errc::BadArgument, "an EF size needs padding (--pad 00 or ff)");
    if (o.quirks.aidRequired && !profile.aidRequired && !profile.aidRequiredOption)
        throw Error(Errc::BadArgument,
            "profile " + std::string(profile.name)
                + " has no CNS application to require (aid-required: ace-2025)");
}

CardImage personalize(const PersonalizeOptions& options)
{
    checkPersonalizeOptions(options);
    const Profile& profile = requireProfile(options.profile);
    const unsigned keyBits = options.keyBits.value_or(profile.defaultKeyBits);
    const std::uint64_t seed = options.seed;
    const std::uint64_t holderSeed = options.holderSeed.value_or(seed);

    const Holder holder = syntheticHolder(holderSeed);
    SeedStream cardStream(seed, "card");
    const Date issue = issueDate(cardStream);
    const Date expiry = issue.plusYears(kValidityYears);
    // Card ID (§2): type 6 (regional citizen) + region + 11 digits + Luhn check digit.
    std::string cardId = "6" + options.region + cardStream.digits(11);
    cardId.push_back(luhnCheckDigit(cardId));
    if (options.cardId) cardId = *options.cardId; // any 16 digits, as a real series may have

    CardImage image;
    CardRecord& r = image.record;
    r.profile = std::string(profile.name);
    r.atrHex = options.atrHex ? toHexSpaced(fromHex(*options.atrHex)) : toHexSpaced(profile.atr());
    r.cardId = cardId;
    r.surname = holder.surname;
    r.givenName = holder.givenName;
    r.sex = std::string(1, holder.sex);
    r.birthDate = holder.birth.iso();
    r.birthPlace = holder.birthPlace;
    r.residence = holder.residence;
    r.codiceFiscale = codiceFiscale(
        holder.surname, holder.givenName, holder.birth, holder.sex, holder.birthPlace);
    r.issuer = "6" + options.region;
    r.issueDate = issue.iso();
    r.expiryDate = expiry.iso();
    r.pin = options.pin ? *options.pin : SeedStream(seed, "pin").digits(5);
    r.puk = options.puk ? *options.puk : SeedStream(seed, "puk").digits(8);
    r.keyBits = keyBits;
    r.seed = seed;
    r.quirks = options.quirks;
    if (r.quirks.pad != "none" && r.quirks.efSize == 0)
        r.quirks.efSize = PersonalizeOptions::kDefaultPaddedEfSize;
    if (profile.aidRequired) r.quirks.aidRequired = true;
    image.state = CardState { r.pin, r.puk, kPinTriesMax, kPukTriesMax };

    // EF_DatiPersonali with the TS-CNS population: fields 1-7, 9, 11, 14 (§3).
    DatiPersonali dati;
    dati[static_cast<std::size_t>(DatiField::Issuer)] = r.issuer;
    dati[static_cast<std::size_t>(DatiField::IssueDate)] = issue.ddmmyyyy();
    dati[static_cast<std::size_t>(DatiField::ExpiryDate)] = expiry.ddmmyyyy();
    dati[static_cast<std::size_t>(DatiField::Surname)] = holder.surname;
    dati[static_cast<std::size_t>(DatiField::GivenName)] = holder.givenName;
    dati[static_cast<std::size_t>(DatiField::BirthDate)] = holder.birth.ddmmyyyy();
    dati[static_cast<std::size_t>(DatiField::Sex)] = r.sex;
    dati[static_cast<std::size_t>(DatiField::CodiceFiscale)] = r.codiceFiscale;
    dati[static_cast<std::size_t>(DatiField::BirthMunicipality)] = holder.birthPlace;
    dati[static_cast<std::size_t>(DatiField::ResidenceMunicipality)] = holder.residence;
    const Bytes datiPersonali
        = encodeDatiPersonali(dati, kDatiPersonaliSize, r.quirks.personalHeader == "including");

    // Keys and certificates.
    // The CA is the holder seed's: a renewal card (another seed, the same holder seed) comes
    // from the very CA certificate of the card made with the holder seed.
    ossl::PkeyPtr caKey = ossl::deterministicRsaKey(kCaKeyBits, holderSeed, "ca-key");
    ossl::PkeyPtr cardKey = ossl::deterministicRsaKey(keyBits, seed, "card-key");
    const std::vector<Rdn> caSubject {
        { "C", "IT" },
        { "O", "tscns test" },
        { "CN", "tscns Test CA " + std::to_string(holderSeed) },
    };
    SeedStream caStream(holderSeed, "card");
    const Date caIssue = issueDate(caStream);
    ossl::X509Ptr caCert
        = makeCertificate({ &caSubject, caKey.get(), nullptr, caKey.get(), caIssue.plusDays(-365),
            caIssue.plusYears(kValidityYears + 1), holderSeed, "ca-serial", true });

    // CN = <codice fiscale>/<card ID>.<base64 SHA-1 of the 400-byte EF_DatiPersonali> (§4).
    const std::string cn = r.codiceFiscale + "/" + cardId + "." + base64(ossl::sha1(datiPersonali));
    const std::vector<Rdn> subject {
        { "C", "IT" },
        { "OU", "tscns test region" },
        { "SN", holder.surname },
        { "GN", holder.givenName },
        { "CN", cn },
    };
    ossl::X509Ptr cert = makeCertificate({ &subject, cardKey.get(), caCert.get(), caKey.get(),
        issue, expiry, seed, "cert-serial", false });

    image.caCertPem = ossl::certificatePem(caCert.get());
    image.caKeyPem = ossl::privateKeyPem(caKey.get());
    image.certPem = ossl::certificatePem(cert.get());
    image.keyPem = ossl::privateKeyPem(cardKey.get());

    if (profile.cnsApplication) {
        image.files[parseFilePath("3F00/1000/1003")] = Bytes(cardId.begin(), cardId.end());
        image.files[parseFilePath("3F00/1100/1102")] = datiPersonali;
        image.files[parseFilePath(profile.certPath)]
            = certificateEf(ossl::certificateDer(cert.get()), profile.wrappedCertificate, r.quirks);
        if (!profile.idBcdPath.empty())
            image.files[parseFilePath(profile.idBcdPath)] = bcdId(cardId);
        if (!profile.cardNamePath.empty())
            image.files[parseFilePath(profile.cardNamePath)]
                = Bytes(kCardName.begin(), kCardName.end());
    }
    return image;
}

} // namespace tscns::vcard
