// SPDX-License-Identifier: LGPL-2.1-or-later
// Token binding, objects, login and the private-key operation.
#include "core/token.hpp"

#include "core/mechanism.hpp"
#include "core/output.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/atr_info.hpp"
#include "tscns/cns/personal_data.hpp"

namespace tscns::pkcs11 {

namespace {
    /// Card answers that mean "this file is not there / not readable": the token is still a
    /// TS-CNS, only without the objects built from that file.
    bool fileUnavailable(const Error& e) noexcept
    {
        return e.code() == Errc::CardRejected || e.code() == Errc::NotLoggedIn
            || e.code() == Errc::Unsupported;
    }

    CK_VERSION versionFromNibbles(std::uint8_t v) noexcept
    {
        return CK_VERSION { static_cast<unsigned char>(v >> 4),
            static_cast<unsigned char>(v & 0x0F) };
    }
} // namespace

Token::Token(std::unique_ptr<cns::CardLink> link, std::uint32_t insertion, HandleSource nextHandle)
    : connection_(std::make_unique<cns::CnsConnection>(std::move(link))) // NotCnsCard: foreign
    , insertion_(insertion)
    , nextHandle_(std::move(nextHandle))
    , id_(connection_->identification())
{
    serial_ = id_.cardId.digits;
    label_ = "TS-CNS " + serial_;
    model_ = "TS-CNS";
    manufacturer_ = "unknown";
    if (id_.atrInfo) {
        const std::string_view mask = id_.atrInfo->maskManufacturerName();
        const std::string_view chip = id_.atrInfo->chipManufacturerName();
        manufacturer_ = std::string(mask != "unknown" ? mask : chip);
        // H13: CNS version (1.0, 1.1); H5-H6: OS version (cns-card.md §7).
        hardwareVersion_ = versionFromNibbles(id_.atrInfo->version);
        firmwareVersion_ = CK_VERSION { static_cast<unsigned char>(id_.atrInfo->osVersion >> 8),
            static_cast<unsigned char>(id_.atrInfo->osVersion & 0xFF) };
    }
}

void Token::loadHolder()
{
    if (holderLoaded_) return;
    {
        auto u = use();
        try {
            personalDataRaw_ = u.card().readPersonalDataRaw();
        } catch (const Error& e) {
            if (!fileUnavailable(e)) throw;
        }
        u.finish();
    }
    holderLoaded_ = true;
    if (personalDataRaw_.empty()) return;
    try {
        const std::string holder = cns::PersonalData::parse(personalDataRaw_).displayName();
        if (!holder.empty()) label_ = holder;
    } catch (const Error&) {
        // Unparsable personal data: the label stays "TS-CNS <card ID>" (OpenSC: not fatal).
    }
}

void Token::loadCertificate()
{
    if (certificateLoaded_) return;
    {
        auto u = use();
        try {
            const Bytes der = u.card().readCertificate();
            cert_ = parseCertificate(der);
        } catch (const Error& e) {
            // Absent, or not a certificate (CardData from the parser): no key objects.
            if (!fileUnavailable(e) && e.code() != Errc::CardData) throw;
        }
        u.finish(); // keeps the layout readCertificate() confirmed
    }
    certificateLoaded_ = true;
}

void Token::loadPinStatus()
{
    if (pinStatusLoaded_) return;
    // An empty VERIFY, which costs no try (ISO 7816-4 §11.5.6). Afterwards the cache follows
    // the answers to our own PIN commands.
    {
        auto u = use();
        try {
            const cns::PinStatus st = u.card().pinStatus();
            if (!st.verified) {
                triesLeft_ = st.triesLeft;
                locked_ = st.blocked;
            }
        } catch (const Error& e) {
            if (!fileUnavailable(e)) throw;
        }
        u.finish();
    }
    pinStatusLoaded_ = true;
}

const std::string& Token::label()
{
    loadHolder();
    return label_;
}

const CertificateData* Token::certificate()
{
    loadCertificate();
    return cert_ && cert_->isRsa ? &*cert_ : nullptr;
}

const std::map<CK_OBJECT_HANDLE, Object>& Token::objects()
{
    if (!objectsBuilt_) {
        loadCertificate();
        loadHolder();
        buildObjects();
        objectsBuilt_ = true;
    }
    return objects_;
}

Token::~Token()
{
    if (login_ != LoginState::User) return;
    try {
        connection_->resetCard();
    } catch (...) {
        // Destructors never throw; a card that cannot be reset is mostly one that has gone.
    }
}

void Token::buildObjects()
{
    const HandleSource& nextHandle = nextHandle_;
    const Bytes id { kKeyId };

    // Common storage attributes (§4.4): token objects, read-only.
    auto storage = [&](Object& o, bool isPrivate, std::string_view label) {
        o.setBool(CKA_TOKEN, true);
        o.setBool(CKA_PRIVATE, isPrivate);
        o.setBool(CKA_MODIFIABLE, false);
        o.setBool(CKA_COPYABLE, false);
        o.setBool(CKA_DESTROYABLE, false);
        o.setString(CKA_LABEL, label);
    };

    if (cert_) {
        const CertificateData& c = *cert_;
        // X.509 certificate (§4.6.3).
        Object cert(CKO_CERTIFICATE);
        storage(cert, false, kKeyLabel);
        cert.setUlong(CKA_CERTIFICATE_TYPE, CKC_X_509);
        cert.setBool(CKA_TRUSTED, false);
        cert.setUlong(CKA_CERTIFICATE_CATEGORY, 1); // token user
        cert.setBytes(CKA_CHECK_VALUE, c.checkValue);
        cert.setString(CKA_START_DATE, c.notBefore);
        cert.setString(CKA_END_DATE, c.notAfter);
        cert.setBytes(CKA_SUBJECT, c.subject);
        cert.setBytes(CKA_ID, id);
        cert.setBytes(CKA_ISSUER, c.issuer);
        cert.setBytes(CKA_SERIAL_NUMBER, c.serialNumber);
        cert.setBytes(CKA_VALUE, c.der);
        cert.setString(CKA_URL, "");
        cert.setBytes(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, {});
        cert.setBytes(CKA_HASH_OF_ISSUER_PUBLIC_KEY, {});
        cert.setUlong(CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
        cert.setBytes(CKA_PUBLIC_KEY_INFO, c.publicKeyInfo);
        objects_.emplace(nextHandle(), std::move(cert));
    }

    if (cert_ && cert_->isRsa) {
        const CertificateData& c = *cert_;
        Bytes mechs;
        for (const auto& m : mechanisms()) {
            const CK_MECHANISM_TYPE t = m.type;
            const auto* p = reinterpret_cast<const std::uint8_t*>(&t);
            mechs.insert(mechs.end(), p, p + sizeof t);
        }
        // Common key attributes (§4.7).
        auto key = [&](Object& o) {
            o.setUlong(CKA_KEY_TYPE, CKK_RSA);
            o.setBytes(CKA_ID, id);
            o.setString(CKA_START_DATE, "");
            o.setString(CKA_END_DATE, "");
            o.setBool(CKA_DERIVE, false);
            o.setBool(CKA_LOCAL, false);
            o.setUlong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
            o.setBytes(CKA_ALLOWED_MECHANISMS, mechs);
            o.setBytes(CKA_SUBJECT, c.subject);
            o.setBytes(CKA_PUBLIC_KEY_INFO, c.publicKeyInfo);
            o.setBytes(CKA_MODULUS, c.modulus);
            o.setUlong(CKA_MODULUS_BITS, c.modulusBits);
            o.setBytes(CKA_PUBLIC_EXPONENT, c.publicExponent);
        };

        // RSA public key (§4.8, §2.1.2), from the certificate.
        Object pub(CKO_PUBLIC_KEY);
        storage(pub, false, kKeyLabel);
        key(pub);
        pub.setBool(CKA_ENCRYPT, c.canDecrypt);
        pub.setBool(CKA_VERIFY, c.canSign);
        pub.setBool(CKA_VERIFY_RECOVER, false);
        pub.setBool(CKA_WRAP, c.canDecrypt);
        pub.setBool(CKA_TRUSTED, false);
        objects_.emplace(nextHandle(), std::move(pub));

        // RSA private key (§4.9, §2.1.3): on the card, so nothing secret is held here; the
        // secret components exist but are CKA_SENSITIVE.
        Object priv(CKO_PRIVATE_KEY);
        storage(priv, true, kKeyLabel);
        key(priv);
        priv.setBool(CKA_SENSITIVE, true);
        priv.setBool(CKA_DECRYPT, c.canDecrypt);
        priv.setBool(CKA_SIGN, c.canSign);
        priv.setBool(CKA_SIGN_RECOVER, false);
        priv.setBool(CKA_UNWRAP, c.canDecrypt);
        priv.setBool(CKA_EXTRACTABLE, false);
        priv.setBool(CKA_ALWAYS_SENSITIVE, true);
        priv.setBool(CKA_NEVER_EXTRACTABLE, true);
        priv.setBool(CKA_WRAP_WITH_TRUSTED, false);
        // FALSE: NSS would otherwise ask the PIN before every signature
        // (docs/pkcs11-clients.md §2.5).
        priv.setBool(CKA_ALWAYS_AUTHENTICATE, false);
        for (CK_ATTRIBUTE_TYPE t : { CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                 CKA_EXPONENT_2, CKA_COEFFICIENT })
            priv.setSensitive(t);
        objects_.emplace(nextHandle(), std::move(priv));
    }

    // Public data objects (§4.5) with the raw EFs, as OpenSC exposes them.
    auto data = [&](std::string_view label, const Bytes& value) {
        Object o(CKO_DATA);
        storage(o, false, label);
        o.setString(CKA_APPLICATION, kDataApplication);
        o.setBytes(CKA_OBJECT_ID, {});
        o.setBytes(CKA_VALUE, value);
        objects_.emplace(nextHandle(), std::move(o));
    };
    data("EF_IDCarta", id_.idCartaRaw);
    if (!personalDataRaw_.empty()) data("EF_DatiPersonali", personalDataRaw_);
}

const Object* Token::object(CK_OBJECT_HANDLE handle)
{
    const auto& all = objects();
    auto it = all.find(handle);
    return it == all.end() ? nullptr : &it->second;
}

void Token::fillInfo(CK_TOKEN_INFO& info)
{
    loadHolder();
    loadPinStatus();
    padField(info.label, sizeof info.label, label_);
    padField(info.manufacturerID, sizeof info.manufacturerID, manufacturer_);
    padField(info.model, sizeof info.model, model_);
    padField(info.serialNumber, sizeof info.serialNumber, serial_);
    // Not CKF_WRITE_PROTECTED: RW sessions are allowed (NSS, pkcs11-tool --test); object
    // creation is refused instead. No CKF_RNG (docs/pkcs11-clients.md §2.2).
    info.flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED | pinFlags();
    // A PIN-pad reader: clients may log in with a NULL_PTR PIN (Module::loginOnPad).
    if (hasPinPad()) info.flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
    info.ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info.ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info.ulMaxPinLen = maxPinLength();
    info.ulMinPinLen = minPinLength();
    info.ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info.ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info.ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info.ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info.hardwareVersion = hardwareVersion_;
    info.firmwareVersion = firmwareVersion_;
    padField(info.utcTime, sizeof info.utcTime, "");
}

CK_FLAGS Token::pinFlags()
{
    loadPinStatus();
    if (locked_ || (triesLeft_ && *triesLeft_ <= 0)) return CKF_USER_PIN_LOCKED;
    CK_FLAGS f = 0;
    if (triesLeft_ && *triesLeft_ < kPinTries) f |= CKF_USER_PIN_COUNT_LOW;
    if (triesLeft_ && *triesLeft_ == 1) f |= CKF_USER_PIN_FINAL_TRY;
    return f;
}

void Token::notePinError(const Error& e) noexcept
{
    pinStatusLoaded_ = true;
    if (e.code() == Errc::PinLocked) {
        locked_ = true;
        triesLeft_ = 0;
    } else if (e.code() == Errc::PinIncorrect && e.retries()) {
        triesLeft_ = *e.retries();
        locked_ = *e.retries() <= 0;
    }
}

cns::CnsConnection::Use Token::use(cns::PinRule rule)
{
    auto u = connection_->begin(rule);
    if (login_ == LoginState::User && connection_->link().resetCount() != loginResets_)
        login_ = LoginState::Public; // another application reset the card: the PIN is gone
    return u;
}

void Token::loginUser(const SecureBytes& pin)
{
    auto u = use(cns::PinRule::KeepLogin);
    try {
        u.card().verifyPin(pin);
    } catch (const Error& e) {
        notePinError(e);
        throw;
    }
    u.finish();
    noteLogin();
}

void Token::noteLogin() noexcept
{
    login_ = LoginState::User;
    loginResets_ = connection_->link().resetCount();
    triesLeft_.reset(); // a successful VERIFY restores the counter
    locked_ = false;
    pinStatusLoaded_ = true;
}

void Token::loginUserOnPad()
{
    auto u = use(cns::PinRule::KeepLogin);
    try {
        u.card().verifyPinOnPad();
    } catch (const Error& e) {
        const auto sw = e.statusWord();
        if (e.code() == Errc::CardRejected
            && (sw == cns::pad_sw::kTimeout || sw == cns::pad_sw::kCancelled))
            fail(CKR_FUNCTION_CANCELED); // nothing reached the card: no try spent
        notePinError(e);
        throw;
    }
    u.finish();
    noteLogin();
}

void Token::logout()
{
    const bool verified = login_ == LoginState::User;
    login_ = LoginState::Public;
    if (verified) connection_->resetCard();
}

void Token::changePin(const SecureBytes& oldPin, const SecureBytes& newPin)
{
    // Inside a user login the PIN stays verified (C_Logout resets); outside, nothing may stay.
    auto u
        = use(login_ == LoginState::User ? cns::PinRule::KeepLogin : cns::PinRule::ResetAfterPin);
    try {
        u.card().changePin(oldPin, newPin);
    } catch (const Error& e) {
        notePinError(e);
        throw;
    }
    u.finish();
    triesLeft_.reset();
    locked_ = false;
    pinStatusLoaded_ = true;
}

void Token::unblockPin(const SecureBytes& puk, const SecureBytes& newPin)
{
    auto u
        = use(login_ == LoginState::User ? cns::PinRule::KeepLogin : cns::PinRule::ResetAfterPin);
    u.card().unblockPin(puk, newPin); // PinIncorrect / PinLocked refer to the PUK here
    u.finish();
    triesLeft_.reset();
    locked_ = false;
    pinStatusLoaded_ = true;
}

Bytes Token::privateKeyOperation(ByteView block)
{
    if (login_ != LoginState::User) fail(CKR_USER_NOT_LOGGED_IN);
    auto u = use();
    if (login_ != LoginState::User) fail(CKR_USER_NOT_LOGGED_IN);
    try {
        Bytes out = u.card().rsaRaw(block);
        u.finish();
        return out;
    } catch (const Error& e) {
        if (e.code() != Errc::NotLoggedIn) throw;
        // The card forgot the PIN (reset we could not see): our login state is stale.
        login_ = LoginState::Public;
        fail(CKR_USER_NOT_LOGGED_IN);
    }
}

} // namespace tscns::pkcs11
