// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#11 core: slots, token binding, sessions, login, objects, signatures, decryption.
#include "core/module.hpp"

#include "core/mechanism.hpp"
#include "core/output.hpp"

#include "tscns/apdu/error.hpp"

#include <algorithm>

namespace tscns::pkcs11 {

namespace {
    /// Handles are never 0 and never the values google/pkcs11test uses as known-invalid ones
    /// (docs/pkcs11-clients.md §1.2); counters only grow, so a closed handle is never reused.
    CK_ULONG takeHandle(CK_ULONG& counter) noexcept
    {
        for (;;) {
            const CK_ULONG h = counter++;
            if (h != CK_INVALID_HANDLE && h != 77777 && h != 88888 && h != 99999) return h;
        }
    }

    bool allDigits(ByteView pin) noexcept
    {
        return std::all_of(
            pin.begin(), pin.end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; });
    }

    /// A PIN or PUK as the card takes it (5-8 ASCII digits, cns-card.md §5), copied into
    /// SecureBytes. CKR_PIN_LEN_RANGE for a wrong length, `notDigits` for other characters
    /// (nothing is sent to the card for either: such a code cannot be right).
    SecureBytes checkedPin(ByteView pin, const Token& token, CK_RV notDigits)
    {
        if (pin.size() < token.minPinLength() || pin.size() > token.maxPinLength())
            fail(CKR_PIN_LEN_RANGE);
        if (!allDigits(pin)) fail(notDigits);
        return SecureBytes(pin);
    }
} // namespace

template <typename F> auto Module::withCard(Slot& s, F&& operation) -> decltype(operation())
{
    try {
        return operation();
    } catch (const Error& e) {
        switch (e.code()) {
        case Errc::CardRemoved:
        case Errc::CardAbsent:
        case Errc::NoReader:
            // The card has gone: its token, login and sessions with it (docs/development.md §4).
            dropToken(s);
            fail(CKR_DEVICE_REMOVED);
        default:
            throw;
        }
    }
}

Module::Module(std::unique_ptr<ReaderProvider> provider)
    : provider_(std::move(provider))
{
    try {
        readerNames_ = provider_->readerNames();
    } catch (const Error&) {
        readerNames_.clear(); // no PC/SC service: a module without slots
    }
    slots_.resize(readerNames_.size());
    for (std::size_t i = 0; i < slots_.size(); ++i)
        slots_[i].reader = readerNames_[i];
    refresh();
    // Cards already present are not events (google/pkcs11test: two CKF_DONT_BLOCK waits right
    // after C_Initialize give CKR_NO_EVENT).
    for (auto& s : slots_) {
        s.reportedPresent = s.status.present;
        s.reportedInsertion = s.status.insertion;
    }
}

Module::~Module()
{
    sessions_.clear();
    for (auto& s : slots_)
        s.token.reset(); // logs out (card reset) where a PIN was verified
}

CK_INFO Module::info(CK_VERSION cryptokiVersion) noexcept
{
    CK_INFO info {};
    info.cryptokiVersion = cryptokiVersion;
    padField(info.manufacturerID, sizeof info.manufacturerID, "tscns");
    info.flags = 0;
    padField(info.libraryDescription, sizeof info.libraryDescription, "TS-CNS PKCS#11 module");
    info.libraryVersion = CK_VERSION { 0, 1 };
    return info;
}

// ---- Slots and tokens

Module::Slot& Module::slot(CK_SLOT_ID id)
{
    if (id >= slots_.size()) fail(CKR_SLOT_ID_INVALID);
    return slots_[id];
}

std::size_t Module::slotIndex(const Slot& s) const noexcept
{
    return static_cast<std::size_t>(&s - slots_.data());
}

void Module::refresh(Slot* only)
{
    std::vector<std::string> names;
    if (only != nullptr)
        names.push_back(only->reader);
    else
        names = readerNames_;
    if (names.empty()) return;
    std::vector<ReaderStatus> states;
    try {
        states = provider_->status(names);
    } catch (const Error&) {
        states.clear(); // the service has gone: every reader reads as empty
    }
    states.resize(names.size());
    if (only != nullptr) {
        applyStatus(*only, std::move(states[0]));
        return;
    }
    for (std::size_t i = 0; i < slots_.size(); ++i)
        applyStatus(slots_[i], std::move(states[i]));
}

void Module::applyStatus(Slot& s, ReaderStatus status)
{
    // A different insertion is a different token, even for the same card (docs/development.md §4).
    if (s.token && !(status.present && status.insertion == s.token->insertion())) dropToken(s);
    if (s.foreignInsertion && !(status.present && status.insertion == *s.foreignInsertion))
        s.foreignInsertion.reset();
    s.status = std::move(status);
}

void Module::dropToken(Slot& s) noexcept
{
    const std::size_t index = slotIndex(s);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->second.slot == index)
            it = sessions_.erase(it);
        else
            ++it;
    }
    s.token.reset();
}

Token& Module::boundToken(Slot& s)
{
    refresh(&s);
    if (!s.status.present) fail(CKR_TOKEN_NOT_PRESENT);
    if (s.token) return *s.token;
    // A foreign card is probed once per insertion: Firefox becomes very slow when every call
    // probes again (docs/pkcs11-clients.md §2.2).
    if (s.foreignInsertion) fail(CKR_TOKEN_NOT_RECOGNIZED);
    try {
        auto connection = provider_->connect(s.reader);
        s.token = std::make_unique<Token>(
            std::move(connection), s.status.insertion, [this] { return takeHandle(nextObject_); });
    } catch (const Error& e) {
        switch (e.code()) {
        case Errc::NotCnsCard:
            s.foreignInsertion = s.status.insertion;
            fail(CKR_TOKEN_NOT_RECOGNIZED);
        case Errc::CardAbsent:
        case Errc::CardRemoved:
        case Errc::NoReader:
            fail(CKR_TOKEN_NOT_PRESENT);
        default:
            throw;
        }
    }
    return *s.token;
}

std::vector<CK_SLOT_ID> Module::slotList(bool tokenPresent)
{
    refresh();
    std::vector<CK_SLOT_ID> out;
    for (std::size_t i = 0; i < slots_.size(); ++i)
        if (!tokenPresent || slots_[i].status.present) out.push_back(i);
    return out;
}

CK_SLOT_INFO Module::slotInfo(CK_SLOT_ID id)
{
    Slot& s = slot(id);
    refresh(&s);
    CK_SLOT_INFO info {};
    padField(info.slotDescription, sizeof info.slotDescription, s.reader);
    padField(info.manufacturerID, sizeof info.manufacturerID, "tscns");
    info.flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
    if (s.status.present) info.flags |= CKF_TOKEN_PRESENT;
    return info;
}

CK_TOKEN_INFO Module::tokenInfo(CK_SLOT_ID id)
{
    Slot& s = slot(id);
    Token& t = boundToken(s);
    CK_TOKEN_INFO info {};
    withCard(s, [&] { t.fillInfo(info); });
    const std::size_t index = slotIndex(s);
    CK_ULONG all = 0;
    CK_ULONG rw = 0;
    for (const auto& [h, se] : sessions_) {
        if (se.slot != index) continue;
        ++all;
        if (se.readWrite) ++rw;
    }
    info.ulSessionCount = all;
    info.ulRwSessionCount = rw;
    return info;
}

std::vector<CK_MECHANISM_TYPE> Module::mechanismList(CK_SLOT_ID id)
{
    Slot& s = slot(id);
    Token& t = boundToken(s);
    std::vector<CK_MECHANISM_TYPE> out;
    if (withCard(s, [&] { return t.certificate(); }) == nullptr)
        return out; // no key, nothing to do with it
    for (const auto& m : mechanisms())
        out.push_back(m.type);
    return out;
}

CK_MECHANISM_INFO Module::mechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type)
{
    Slot& s = slot(id);
    Token& t = boundToken(s);
    const CertificateData* key = withCard(s, [&] { return t.certificate(); });
    const MechanismSpec* spec = findMechanism(type);
    if (spec == nullptr || key == nullptr) fail(CKR_MECHANISM_INVALID);
    return pkcs11::mechanismInfo(*spec, key->modulusBits, key->canDecrypt);
}

CK_SLOT_ID Module::waitForSlotEvent(bool dontBlock, WaitControl& control)
{
    for (;;) {
        refresh();
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            Slot& s = slots_[i];
            const bool changed = s.status.present != s.reportedPresent
                || (s.status.present && s.status.insertion != s.reportedInsertion);
            if (!changed) continue;
            s.reportedPresent = s.status.present;
            s.reportedInsertion = s.status.insertion;
            return i;
        }
        if (dontBlock) fail(CKR_NO_EVENT);
        ReaderProvider* provider = provider_.get();
        const std::vector<std::string>* names = &readerNames_;
        // Without the lock: other threads go on using the module meanwhile, and C_Finalize
        // wakes us (docs/pkcs11-clients.md §2.2).
        if (!control.unlocked([provider, names] { provider->waitForChange(*names, kWaitSlice); }))
            fail(CKR_CRYPTOKI_NOT_INITIALIZED);
    }
}

// ---- Sessions

Session& Module::session(CK_SESSION_HANDLE handle)
{
    auto it = sessions_.find(handle);
    if (it == sessions_.end()) fail(CKR_SESSION_HANDLE_INVALID);
    return it->second;
}

Token& Module::tokenOf(Session& s)
{
    // Sessions die with their token (dropToken), so the slot still has the session's token.
    Token* t = slots_[s.slot].token.get();
    if (t == nullptr || t != s.token) fail(CKR_SESSION_HANDLE_INVALID);
    return *t;
}

CK_STATE Module::sessionState(const Session& s) const
{
    switch (s.token->loginState()) {
    case LoginState::User:
        return s.readWrite ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    case LoginState::SecurityOfficer:
        return CKS_RW_SO_FUNCTIONS;
    case LoginState::Public:
        break;
    }
    return s.readWrite ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
}

CK_SESSION_HANDLE Module::openSession(CK_SLOT_ID id, CK_FLAGS flags)
{
    Slot& s = slot(id);
    // PKCS#11 2.40 §5.6: parallel sessions no longer exist; the flag must be set.
    if ((flags & CKF_SERIAL_SESSION) == 0) fail(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    Token& t = boundToken(s);
    const bool rw = (flags & CKF_RW_SESSION) != 0;
    if (!rw && t.loginState() == LoginState::SecurityOfficer)
        fail(CKR_SESSION_READ_WRITE_SO_EXISTS);
    const CK_SESSION_HANDLE h = takeHandle(nextSession_);
    Session se;
    se.slot = slotIndex(s);
    se.token = &t;
    se.readWrite = rw;
    sessions_.emplace(h, std::move(se));
    return h;
}

void Module::endSession(std::map<CK_SESSION_HANDLE, Session>::iterator it)
{
    const std::size_t index = it->second.slot;
    sessions_.erase(it);
    const bool last = std::none_of(sessions_.begin(), sessions_.end(),
        [index](const auto& p) { return p.second.slot == index; });
    // §5.6 C_CloseSession: closing the application's last session with a token logs it out.
    if (last && slots_[index].token) slots_[index].token->logout();
}

void Module::closeSession(CK_SESSION_HANDLE handle)
{
    auto it = sessions_.find(handle);
    if (it == sessions_.end()) fail(CKR_SESSION_HANDLE_INVALID);
    endSession(it);
}

void Module::closeAllSessions(CK_SLOT_ID id)
{
    Slot& s = slot(id);
    const std::size_t index = slotIndex(s);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->second.slot == index)
            it = sessions_.erase(it);
        else
            ++it;
    }
    if (s.token) s.token->logout();
}

CK_SESSION_INFO Module::sessionInfo(CK_SESSION_HANDLE handle)
{
    const std::size_t index = session(handle).slot;
    refresh(&slots_[index]);
    // A removal seen now has closed the session: CKR_SESSION_HANDLE_INVALID, which is how NSS
    // notices a re-insertion (docs/pkcs11-clients.md §2.2).
    const Session& s = session(handle);
    CK_SESSION_INFO info {};
    info.slotID = s.slot;
    info.state = sessionState(s);
    info.flags = CKF_SERIAL_SESSION | (s.readWrite ? CKF_RW_SESSION : 0);
    info.ulDeviceError = 0;
    return info;
}

void Module::requireSession(CK_SESSION_HANDLE handle)
{
    (void)session(handle);
}

// ---- Login and PINs

void Module::login(CK_SESSION_HANDLE handle, CK_USER_TYPE user, ByteView pin)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    Slot& s = slots_[se.slot];
    switch (user) {
    case CKU_USER: {
        if (t.loginState() == LoginState::User) fail(CKR_USER_ALREADY_LOGGED_IN);
        if (t.loginState() == LoginState::SecurityOfficer) fail(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
        const SecureBytes p = checkedPin(pin, t, CKR_PIN_INCORRECT);
        withCard(s, [&] { t.loginUser(p); }); // one VERIFY, never retried
        return;
    }
    case CKU_CONTEXT_SPECIFIC: {
        // §5.8: re-authentication for the operation just initialised (our key does not need
        // it: CKA_ALWAYS_AUTHENTICATE is FALSE; accepted for callers that do it anyway).
        if (!se.sign && !se.decrypt) fail(CKR_OPERATION_NOT_INITIALIZED);
        if (t.loginState() != LoginState::User) fail(CKR_USER_NOT_LOGGED_IN);
        const SecureBytes p = checkedPin(pin, t, CKR_PIN_INCORRECT);
        withCard(s, [&] { t.loginUser(p); });
        return;
    }
    case CKU_SO: {
        // The SO is the PUK holder. The PUK is only kept here (SecureBytes, this session) and
        // checked by the card in C_InitPIN's RESET RETRY COUNTER: checking it now would need a
        // VERIFY of the PUK, a second PUK-bearing command for the same unblock (cns-card.md §5).
        if (t.loginState() == LoginState::SecurityOfficer) fail(CKR_USER_ALREADY_LOGGED_IN);
        if (t.loginState() == LoginState::User) fail(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
        const bool readOnlyExists = std::any_of(sessions_.begin(), sessions_.end(),
            [&](const auto& p) { return p.second.slot == se.slot && !p.second.readWrite; });
        if (readOnlyExists) fail(CKR_SESSION_READ_ONLY_EXISTS);
        se.puk = checkedPin(pin, t, CKR_PIN_INCORRECT);
        t.loginSecurityOfficer();
        return;
    }
    default:
        fail(CKR_USER_TYPE_INVALID);
    }
}

void Module::loginOnPad(CK_SESSION_HANDLE handle, CK_USER_TYPE user)
{
    // Without a pad (or a usable session) NULL_PTR stays a bad argument, as it always was.
    auto it = sessions_.find(handle);
    if (it == sessions_.end()) fail(CKR_ARGUMENTS_BAD);
    Session& se = it->second;
    Token* t = slots_[se.slot].token.get();
    if (t == nullptr || t != se.token) fail(CKR_ARGUMENTS_BAD);
    Slot& s = slots_[se.slot];
    if (user != CKU_USER && user != CKU_CONTEXT_SPECIFIC) fail(CKR_ARGUMENTS_BAD);
    if (!withCard(s, [&] { return t->hasPinPad(); })) fail(CKR_ARGUMENTS_BAD);
    if (user == CKU_USER) {
        if (t->loginState() == LoginState::User) fail(CKR_USER_ALREADY_LOGGED_IN);
        if (t->loginState() == LoginState::SecurityOfficer)
            fail(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    } else {
        if (!se.sign && !se.decrypt) fail(CKR_OPERATION_NOT_INITIALIZED);
        if (t->loginState() != LoginState::User) fail(CKR_USER_NOT_LOGGED_IN);
    }
    withCard(s, [&] { t->loginUserOnPad(); }); // one pad request, never retried
}

void Module::logout(CK_SESSION_HANDLE handle)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (t.loginState() == LoginState::Public) fail(CKR_USER_NOT_LOGGED_IN);
    for (auto& [h, other] : sessions_)
        if (other.slot == se.slot) other.puk.reset();
    t.logout(); // resets the card: no verified PIN stays behind
}

void Module::initPin(CK_SESSION_HANDLE handle, ByteView newPin)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (t.loginState() != LoginState::SecurityOfficer || !se.puk) fail(CKR_USER_NOT_LOGGED_IN);
    if (!se.readWrite) fail(CKR_SESSION_READ_ONLY);
    const SecureBytes p = checkedPin(newPin, t, CKR_PIN_INVALID);
    // The PUK is used once, whatever the outcome.
    const SecureBytes puk = std::move(*se.puk);
    se.puk.reset();
    withCard(slots_[se.slot], [&] { t.unblockPin(puk, p); });
}

void Module::setPin(CK_SESSION_HANDLE handle, ByteView oldPin, ByteView newPin)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (!se.readWrite) fail(CKR_SESSION_READ_ONLY);
    // The SO's PIN is the PUK, which the holder cannot change (cns-card.md §5).
    if (t.loginState() == LoginState::SecurityOfficer) fail(CKR_FUNCTION_NOT_SUPPORTED);
    const SecureBytes o = checkedPin(oldPin, t, CKR_PIN_INCORRECT);
    const SecureBytes n = checkedPin(newPin, t, CKR_PIN_INVALID);
    withCard(slots_[se.slot], [&] { t.changePin(o, n); });
}

// ---- Objects

CK_RV Module::getAttributeValue(
    CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, CK_ATTRIBUTE* tmpl, CK_ULONG count)
{
    return objectOf(session(handle), object).getAttributes(tmpl, count);
}

const Object& Module::objectOf(Session& se, CK_OBJECT_HANDLE handle)
{
    Token& t = tokenOf(se);
    const Object* o = withCard(slots_[se.slot], [&] { return t.object(handle); });
    if (o == nullptr) fail(CKR_OBJECT_HANDLE_INVALID);
    return *o;
}

CK_ULONG Module::objectSize(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object)
{
    return objectOf(session(handle), object).size();
}

void Module::findObjectsInit(CK_SESSION_HANDLE handle, const CK_ATTRIBUTE* tmpl, CK_ULONG count)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (se.find) fail(CKR_OPERATION_ACTIVE);
    const auto& objects = withCard(slots_[se.slot],
        [&]() -> const std::map<CK_OBJECT_HANDLE, Object>& { return t.objects(); });
    // PKCS#11 2.40 §4.4: private objects (CKA_PRIVATE true: the private key) are visible only
    // once the user is logged in. Before login NSS learns that a key exists from the public key
    // with the same CKA_ID, and finds the private key by that ID after C_Login.
    const bool user = t.loginState() == LoginState::User;
    FindOperation op;
    for (const auto& [h, o] : objects)
        if ((user || !o.boolValue(CKA_PRIVATE)) && o.matches(tmpl, count)) op.results.push_back(h);
    se.find = std::move(op);
}

std::vector<CK_OBJECT_HANDLE> Module::findObjects(CK_SESSION_HANDLE handle, std::size_t max)
{
    Session& se = session(handle);
    if (!se.find) fail(CKR_OPERATION_NOT_INITIALIZED);
    FindOperation& op = *se.find;
    const std::size_t n = std::min(max, op.results.size() - op.next);
    std::vector<CK_OBJECT_HANDLE> out(op.results.begin() + static_cast<std::ptrdiff_t>(op.next),
        op.results.begin() + static_cast<std::ptrdiff_t>(op.next + n));
    op.next += n;
    return out;
}

void Module::findObjectsFinal(CK_SESSION_HANDLE handle)
{
    Session& se = session(handle);
    if (!se.find) fail(CKR_OPERATION_NOT_INITIALIZED);
    se.find.reset();
}

void Module::createObject(CK_SESSION_HANDLE handle)
{
    (void)tokenOf(session(handle));
    fail(CKR_TOKEN_WRITE_PROTECTED);
}

void Module::modifyObject(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object)
{
    (void)objectOf(session(handle), object);
    // CKA_MODIFIABLE, CKA_COPYABLE and CKA_DESTROYABLE are FALSE on every object (§4.4).
    fail(CKR_ACTION_PROHIBITED);
}

// ---- Signatures

namespace {
    /// The private key behind `key`, for an operation that needs `usage` (CKA_SIGN/CKA_DECRYPT).
    void checkKey(const Object* o, CK_ATTRIBUTE_TYPE usage)
    {
        if (o == nullptr) fail(CKR_KEY_HANDLE_INVALID);
        if (o->objectClass() == CKO_PUBLIC_KEY) fail(CKR_KEY_TYPE_INCONSISTENT);
        if (o->objectClass() != CKO_PRIVATE_KEY) fail(CKR_KEY_HANDLE_INVALID);
        if (!o->boolValue(usage)) fail(CKR_KEY_FUNCTION_NOT_PERMITTED);
    }
} // namespace

void Module::signInit(CK_SESSION_HANDLE handle, const CK_MECHANISM& mechanism, CK_OBJECT_HANDLE key)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (se.sign) fail(CKR_OPERATION_ACTIVE);
    checkKey(withCard(slots_[se.slot], [&] { return t.object(key); }), CKA_SIGN);
    // No login needed yet (only C_Sign uses the key): NSS and pkcs11-tool sign in that order.
    SignOperation op { checkSignMechanism(mechanism, t.keyCertificate().modulusBits), std::nullopt,
        {}, false };
    if (hashesInput(op.mechanism)) op.hasher.emplace(*op.mechanism.spec->hash);
    se.sign = std::move(op);
}

CK_RV Module::sign(CK_SESSION_HANDLE handle, ByteView data, CK_BYTE_PTR signature, CK_ULONG_PTR len)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (!se.sign) fail(CKR_OPERATION_NOT_INITIALIZED);
    const CertificateData& key = t.keyCertificate();
    // Size query or short buffer: answered without the card, the operation stays (§5.2).
    if (auto rv = sizeCheck(key.modulusBytes(), signature, len)) return *rv;

    // From here on C_Sign ends the operation, whatever the result (§5.12).
    SignOperation op = std::move(*se.sign);
    se.sign.reset();
    // C_Sign cannot finish a multi-part operation (§5.12).
    if (op.multiPart) fail(CKR_OPERATION_ACTIVE);
    Bytes input;
    if (op.hasher) {
        op.hasher->update(data);
        input = op.hasher->finish();
    } else {
        input.assign(data.begin(), data.end());
    }
    const Bytes block = encodeForSignature(op.mechanism, input, key);
    const Bytes result = withCard(slots_[se.slot], [&] { return t.privateKeyOperation(block); });
    return copyOut(result, signature, len);
}

void Module::signUpdate(CK_SESSION_HANDLE handle, ByteView part)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (!se.sign) fail(CKR_OPERATION_NOT_INITIALIZED);
    SignOperation& op = *se.sign;
    op.multiPart = true;
    if (op.hasher) {
        op.hasher->update(part);
        return;
    }
    // Raw mechanisms: collected (OpenSC does the same), never beyond one block.
    if (op.buffer.size() + part.size() > t.keyCertificate().modulusBytes()) {
        se.sign.reset(); // an error ends the operation (§5.12)
        fail(CKR_DATA_LEN_RANGE);
    }
    op.buffer.insert(op.buffer.end(), part.begin(), part.end());
}

CK_RV Module::signFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR signature, CK_ULONG_PTR len)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (!se.sign) fail(CKR_OPERATION_NOT_INITIALIZED);
    const CertificateData& key = t.keyCertificate();
    if (auto rv = sizeCheck(key.modulusBytes(), signature, len)) return *rv;

    SignOperation op = std::move(*se.sign);
    se.sign.reset();
    const Bytes input = op.hasher ? op.hasher->finish() : op.buffer;
    const Bytes block = encodeForSignature(op.mechanism, input, key);
    const Bytes result = withCard(slots_[se.slot], [&] { return t.privateKeyOperation(block); });
    return copyOut(result, signature, len);
}

// ---- Decryption

void Module::decryptInit(
    CK_SESSION_HANDLE handle, const CK_MECHANISM& mechanism, CK_OBJECT_HANDLE key)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (se.decrypt) fail(CKR_OPERATION_ACTIVE);
    checkKey(withCard(slots_[se.slot], [&] { return t.object(key); }), CKA_DECRYPT);
    DecryptOperation op;
    op.mechanism = &checkDecryptMechanism(mechanism);
    se.decrypt = std::move(op);
}

CK_RV Module::decrypt(
    CK_SESSION_HANDLE handle, ByteView encrypted, CK_BYTE_PTR data, CK_ULONG_PTR len)
{
    Session& se = session(handle);
    Token& t = tokenOf(se);
    if (!se.decrypt) fail(CKR_OPERATION_NOT_INITIALIZED);
    const CertificateData& key = t.keyCertificate();
    const std::size_t k = key.modulusBytes();
    // Size query: at most a modulus' worth (§5.2 allows a slight overestimate).
    if (data == nullptr) {
        *len = k;
        return CKR_OK;
    }
    DecryptOperation& op = *se.decrypt;
    if (op.lastOutput
        && std::equal(
            encrypted.begin(), encrypted.end(), op.lastInput.begin(), op.lastInput.end())) {
        // The retry after CKR_BUFFER_TOO_SMALL: no second card operation.
        const CK_RV rv = copyOut(op.lastOutput->view(), data, len);
        if (rv != CKR_BUFFER_TOO_SMALL) se.decrypt.reset();
        return rv;
    }

    const MechanismSpec& mech = *op.mechanism;
    se.decrypt.reset(); // ends with any result but CKR_BUFFER_TOO_SMALL (§5.10)
    Bytes block;
    if (mech.type == CKM_RSA_PKCS) {
        if (encrypted.size() != k) fail(CKR_ENCRYPTED_DATA_LEN_RANGE);
        block.assign(encrypted.begin(), encrypted.end());
        // The card refuses a block not below the modulus; so do we, without asking it.
        (void)rawBlock(encrypted, key, CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID);
    } else {
        block = rawBlock(encrypted, key, CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID);
    }
    Bytes raw = withCard(slots_[se.slot], [&] { return t.privateKeyOperation(block); });
    std::optional<SecureBytes> plain;
    if (mech.type == CKM_RSA_PKCS) {
        std::optional<Bytes> unpadded = crypto::pkcs1Type2Unpad(raw);
        secureWipe(raw.data(), raw.size());
        if (!unpadded) fail(CKR_ENCRYPTED_DATA_INVALID);
        plain.emplace(ByteView(*unpadded), k);
        secureWipe(unpadded->data(), unpadded->size());
    } else {
        plain.emplace(ByteView(raw), k);
        secureWipe(raw.data(), raw.size());
    }
    const CK_RV rv = copyOut(plain->view(), data, len);
    if (rv == CKR_BUFFER_TOO_SMALL) {
        DecryptOperation kept;
        kept.mechanism = &mech;
        kept.lastInput.assign(encrypted.begin(), encrypted.end());
        kept.lastOutput = std::move(plain);
        se.decrypt = std::move(kept);
    }
    return rv;
}

void Module::cancelOperations(CK_SESSION_HANDLE handle, CK_FLAGS flags)
{
    Session& se = session(handle);
    if ((flags & CKF_SIGN) != 0) se.sign.reset();
    if ((flags & CKF_DECRYPT) != 0) se.decrypt.reset();
    if ((flags & CKF_FIND_OBJECTS) != 0) se.find.reset();
}

} // namespace tscns::pkcs11
