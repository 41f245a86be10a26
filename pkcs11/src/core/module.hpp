// SPDX-License-Identifier: LGPL-2.1-or-later
// Module: the PKCS#11 core. Slots (one per reader, fixed at construction) → Token (the bound
// card) → Session. It speaks the domain; entry.cpp adapts the C API to it and holds the lock.
//
// Errors: CkError for PKCS#11's own results, tscns::Error for card and reader failures (both
// translated by ckr.cpp). Functions whose result is part of a normal answer (attribute
// retrieval, size queries) return a CK_RV instead.
//
// Not thread-safe: entry.cpp serialises every call with the module lock, except the blocking
// part of waitForSlotEvent(), which runs through WaitControl without it.
#pragma once

#include "core/pkcs11.hpp"
#include "core/reader_provider.hpp"
#include "core/session.hpp"
#include "core/token.hpp"

#include "tscns/apdu/bytes.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tscns::pkcs11 {

/// How waitForSlotEvent() lets go of the module lock while it blocks (implemented by entry.cpp).
class WaitControl {
public:
    virtual ~WaitControl() = default;
    /// Runs `wait` without the module lock, then takes the lock again. Returns false when the
    /// module was finalized meanwhile: the Module must not be used any more then.
    virtual bool unlocked(const std::function<void()>& wait) = 0;
};

class Module {
public:
    /// Reads the reader list once: the slot list is fixed for the module's life (NSS expects
    /// that, docs/pkcs11-clients.md §2.1). A provider that fails gives a module without slots.
    explicit Module(std::unique_ptr<ReaderProvider> provider);
    ~Module();
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    static CK_INFO info(CK_VERSION cryptokiVersion) noexcept;

    // Slots and tokens.
    std::vector<CK_SLOT_ID> slotList(bool tokenPresent);
    CK_SLOT_INFO slotInfo(CK_SLOT_ID slot);
    /// Binds the card on first use; CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED.
    CK_TOKEN_INFO tokenInfo(CK_SLOT_ID slot);
    std::vector<CK_MECHANISM_TYPE> mechanismList(CK_SLOT_ID slot);
    CK_MECHANISM_INFO mechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type);
    /// C_WaitForSlotEvent: a slot whose card was inserted or removed since the last report;
    /// CKR_NO_EVENT with dontBlock when there is none; otherwise waits (without the lock) and
    /// returns CKR_CRYPTOKI_NOT_INITIALIZED (through CkError) when finalized meanwhile.
    CK_SLOT_ID waitForSlotEvent(bool dontBlock, WaitControl& control);
    /// Wakes waitForSlotEvent() callers blocked in another thread (C_Finalize). Thread-safe.
    void cancelWaits() noexcept { provider_->cancelWait(); }
    /// How long one blocking wait lasts before the states are checked again.
    static constexpr std::chrono::milliseconds kWaitSlice { 1000 };

    // Sessions.
    CK_SESSION_HANDLE openSession(CK_SLOT_ID slot, CK_FLAGS flags);
    void closeSession(CK_SESSION_HANDLE session);
    void closeAllSessions(CK_SLOT_ID slot);
    /// No APDU: the reader state only (NSS calls it often, docs/pkcs11-clients.md §2.2).
    CK_SESSION_INFO sessionInfo(CK_SESSION_HANDLE session);

    // Login and PINs.
    void login(CK_SESSION_HANDLE session, CK_USER_TYPE user, ByteView pin);
    /// C_Login with pPin NULL_PTR and ulPinLen 0: on a token whose reader has a PIN pad
    /// (CKF_PROTECTED_AUTHENTICATION_PATH), CKU_USER and CKU_CONTEXT_SPECIFIC verify the PIN
    /// typed on the pad; a timeout or a cancel on the pad is CKR_FUNCTION_CANCELED. Anything else
    /// (no pad, no such session or token, CKU_SO) is CKR_ARGUMENTS_BAD, as without a pad.
    void loginOnPad(CK_SESSION_HANDLE session, CK_USER_TYPE user);
    void logout(CK_SESSION_HANDLE session);
    void initPin(CK_SESSION_HANDLE session, ByteView newPin);
    void setPin(CK_SESSION_HANDLE session, ByteView oldPin, ByteView newPin);

    // Objects.
    CK_RV getAttributeValue(
        CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE* tmpl, CK_ULONG count);
    CK_ULONG objectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);
    void findObjectsInit(CK_SESSION_HANDLE session, const CK_ATTRIBUTE* tmpl, CK_ULONG count);
    std::vector<CK_OBJECT_HANDLE> findObjects(CK_SESSION_HANDLE session, std::size_t max);
    void findObjectsFinal(CK_SESSION_HANDLE session);
    /// Creation, copy, change and destruction are refused: the token is read-only.
    void createObject(CK_SESSION_HANDLE session);
    void modifyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);

    // Signatures.
    void signInit(CK_SESSION_HANDLE session, const CK_MECHANISM& mechanism, CK_OBJECT_HANDLE key);
    CK_RV sign(CK_SESSION_HANDLE session, ByteView data, CK_BYTE_PTR signature, CK_ULONG_PTR len);
    void signUpdate(CK_SESSION_HANDLE session, ByteView part);
    CK_RV signFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR signature, CK_ULONG_PTR len);

    // Decryption.
    void decryptInit(
        CK_SESSION_HANDLE session, const CK_MECHANISM& mechanism, CK_OBJECT_HANDLE key);
    CK_RV decrypt(
        CK_SESSION_HANDLE session, ByteView encrypted, CK_BYTE_PTR data, CK_ULONG_PTR len);

    /// C_SessionCancel: ends the active operations named by flags (CKF_SIGN, CKF_DECRYPT,
    /// CKF_FIND_OBJECTS).
    void cancelOperations(CK_SESSION_HANDLE session, CK_FLAGS flags);
    /// Checks the handle (for the functions the module does not support).
    void requireSession(CK_SESSION_HANDLE session);

private:
    struct Slot {
        std::string reader;
        std::unique_ptr<Token> token;
        ReaderStatus status; ///< as last read
        /// Insertion of a card found not to be a TS-CNS: not probed again while it stays.
        std::optional<std::uint32_t> foreignInsertion;
        /// State last reported by waitForSlotEvent().
        bool reportedPresent = false;
        std::uint32_t reportedInsertion = 0;
    };

    Slot& slot(CK_SLOT_ID id);
    /// Reads the reader state of the slots (all when `only` is null); drops tokens whose card has
    /// gone or was swapped, with their sessions.
    void refresh(Slot* only = nullptr);
    void applyStatus(Slot& s, ReaderStatus status);
    /// The slot's token, bound now if needed. CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED.
    Token& boundToken(Slot& s);
    void dropToken(Slot& s) noexcept;
    std::size_t slotIndex(const Slot& s) const noexcept;

    Session& session(CK_SESSION_HANDLE handle);
    /// The session after a reader-state check: CKR_DEVICE_REMOVED when that check just ended it.
    Session& liveSession(CK_SESSION_HANDLE handle);
    Token& tokenOf(Session& s);
    /// The session's token's object (CKR_OBJECT_HANDLE_INVALID).
    const Object& objectOf(Session& se, CK_OBJECT_HANDLE handle);
    CK_STATE sessionState(const Session& s) const;
    void endSession(std::map<CK_SESSION_HANDLE, Session>::iterator it);

    /// Runs a card operation of slot `s`: a card that has gone drops the token (and with it
    /// the sessions) and becomes CKR_DEVICE_REMOVED.
    template <typename F> auto withCard(Slot& s, F&& operation) -> decltype(operation());

    std::unique_ptr<ReaderProvider> provider_;
    std::vector<std::string> readerNames_; ///< fixed; read by waitForChange() without the lock
    std::vector<Slot> slots_;
    std::map<CK_SESSION_HANDLE, Session> sessions_;
    CK_ULONG nextSession_ = 1;
    CK_ULONG nextObject_ = 1;
};

} // namespace tscns::pkcs11
