// SPDX-License-Identifier: LGPL-2.1-or-later
// Token: one TS-CNS card bound to a slot while it stays inserted. It reads what the card cannot
// change while inserted (card ID, personal data, certificate, PIN tries) once each, and only when
// first needed: `pkcs11-tool -L` needs no certificate, so it costs 6 APDUs. It keeps the
// connection (and so the card's security state) across calls, and owns the login state and the
// objects.
#pragma once

#include "core/certificate_data.hpp"
#include "core/object.hpp"
#include "core/pkcs11.hpp"
#include "core/reader_provider.hpp"

#include "tscns/apdu/bytes.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/cns/cns_connection.hpp"
#include "tscns/cns/profile.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace tscns::pkcs11 {

enum class LoginState {
    Public,
    User,
    /// "SO" = the PUK holder. Nothing is checked on the card at C_Login(CKU_SO): the PUK is
    /// verified by RESET RETRY COUNTER in C_InitPIN (see Module::login).
    SecurityOfficer,
};

/// The one CKA_ID shared by the certificate and both key objects: 0x01, the PKCS#15 ID that
/// OpenSC gives the CNS0 key (cns-card.md §4), so `pkcs11:id=%01` URIs keep working.
inline constexpr std::uint8_t kKeyId = 0x01;
/// CKA_LABEL of the certificate and both keys: OpenSC's name for the authentication key.
inline constexpr const char* kKeyLabel = "CNS0";
/// CKA_APPLICATION of the data objects.
inline constexpr const char* kDataApplication = "TS-CNS";
/// PIN tries of a CNS (cns-card.md §5): the base for CKF_USER_PIN_COUNT_LOW.
inline constexpr int kPinTries = 3;

class Token {
public:
    using HandleSource = std::function<CK_OBJECT_HANDLE()>;

    /// Binds the card: identifies it, which reads EF_IDCarta (the probe). Throws
    /// Error(NotCnsCard) for a foreign card and card/reader errors as they come. `nextHandle`
    /// numbers the objects when they are first needed.
    Token(std::unique_ptr<cns::CardLink> link, std::uint32_t insertion, HandleSource nextHandle);
    /// Resets the card when a user is still logged in (no verified PIN left behind).
    ~Token();
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    [[nodiscard]] std::uint32_t insertion() const noexcept { return insertion_; }
    [[nodiscard]] const std::string& serial() const noexcept { return serial_; }
    /// Everything but the session counts (reads the personal data and the PIN tries once).
    void fillInfo(CK_TOKEN_INFO& info);
    /// "GIVENNAME SURNAME", or "TS-CNS <card ID>" (reads the personal data once).
    const std::string& label();

    /// nullptr when the card has no usable RSA certificate (then there are no key objects and
    /// no mechanisms). Reads the certificate once.
    const CertificateData* certificate();
    /// The certificate of the key an operation was started with (CkError(CKR_KEY_HANDLE_INVALID)
    /// when there is none, which a started operation rules out).
    const CertificateData& keyCertificate()
    {
        const CertificateData* c = certificate();
        if (c == nullptr) fail(CKR_KEY_HANDLE_INVALID);
        return *c;
    }
    /// All objects (built once, from the certificate and the EFs).
    const std::map<CK_OBJECT_HANDLE, Object>& objects();
    /// nullptr for a handle that is not one of this token's objects.
    const Object* object(CK_OBJECT_HANDLE handle);

    [[nodiscard]] LoginState loginState() const noexcept { return login_; }
    [[nodiscard]] std::size_t minPinLength() const noexcept
    {
        return connection_->layout().minPinLength;
    }
    [[nodiscard]] std::size_t maxPinLength() const noexcept
    {
        return connection_->layout().maxPinLength;
    }

    /// VERIFY with the user PIN, exactly once. Updates the cached tries from the answer.
    /// Throws Error(PinIncorrect / PinLocked / PinLength) and card errors.
    void loginUser(const SecureBytes& pin);
    /// True when the reader has a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH).
    [[nodiscard]] bool hasPinPad() const { return connection_->link().hasPinPad(); }
    /// loginUser with the PIN typed on the reader's pad (one pad request, never retried). A
    /// timeout or a cancel on the pad throws CkError(CKR_FUNCTION_CANCELED) and spends no try.
    void loginUserOnPad();
    /// Records the SO state (no card access).
    void loginSecurityOfficer() noexcept { login_ = LoginState::SecurityOfficer; }
    /// Drops the login state and, when a PIN was verified, resets the card. Throws
    /// Error(Transport) when that reset fails (the login state is dropped all the same).
    void logout();
    /// CHANGE REFERENCE DATA; the old PIN is checked by the card. Outside a user login the card
    /// is reset afterwards (no verified PIN left behind); likewise for unblockPin.
    void changePin(const SecureBytes& oldPin, const SecureBytes& newPin);
    /// RESET RETRY COUNTER with the PUK and a new PIN.
    void unblockPin(const SecureBytes& puk, const SecureBytes& newPin);
    /// The raw RSA private-key operation on a modulus-sized block. Needs the user logged in;
    /// CkError(CKR_USER_NOT_LOGGED_IN), without any APDU, when not, and (dropping the login)
    /// when the card was reset by another application or forgot the PIN.
    Bytes privateKeyOperation(ByteView block);

    /// CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED from the cached tries (read once).
    CK_FLAGS pinFlags();

private:
    void loadHolder();
    void loadCertificate();
    void loadPinStatus();
    /// Begins a use of the card; when the card was reset by another application since the
    /// login, the login is dropped (the PIN is no longer verified on the card).
    cns::CnsConnection::Use use(cns::PinRule rule = cns::PinRule::KeepLogin);
    void notePinError(const Error& e) noexcept;
    /// The login bookkeeping after a successful VERIFY.
    void noteLogin() noexcept;
    void buildObjects();

    std::unique_ptr<cns::CnsConnection> connection_;
    std::uint32_t insertion_;
    HandleSource nextHandle_;
    cns::Identification id_; ///< as identified at bind

    // Read when first needed, then kept while the card stays inserted.
    bool holderLoaded_ = false;
    Bytes personalDataRaw_;
    bool certificateLoaded_ = false;
    std::optional<CertificateData> cert_;
    bool pinStatusLoaded_ = false;
    bool objectsBuilt_ = false;

    std::string label_;
    std::string manufacturer_;
    std::string model_;
    std::string serial_;
    CK_VERSION hardwareVersion_ {};
    CK_VERSION firmwareVersion_ {};

    std::map<CK_OBJECT_HANDLE, Object> objects_;

    LoginState login_ = LoginState::Public;
    unsigned loginResets_ = 0; ///< connection's resetCount() when the PIN was verified
    std::optional<int> triesLeft_; ///< nullopt: unknown, or full after a successful VERIFY
    bool locked_ = false;
};

} // namespace tscns::pkcs11
