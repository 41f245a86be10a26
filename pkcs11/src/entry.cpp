// SPDX-License-Identifier: LGPL-2.1-or-later
// The C ABI of tscns-pkcs11: function lists and interfaces, argument checks, and guarded(), which
// takes the module lock, calls the core and translates. No logic lives here
// (docs/development.md §4).
//
// Global state is plain data only (no destructors run at exit): the Module pointer, the lock and
// a condition variable with static initialisers, the pid that initialised the module.
#include "ckr.hpp"
#include "core/module.hpp"
#include "core/output.hpp"
#include "provider_factory.hpp"

#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <string_view>

#define TSCNS_EXPORT extern "C" __attribute__((visibility("default")))

using tscns::ByteView;
using tscns::pkcs11::Module;

namespace {

pthread_mutex_t gLock = PTHREAD_MUTEX_INITIALIZER;
/// Signalled when the last blocked C_WaitForSlotEvent has left (C_Finalize waits for it).
pthread_cond_t gWaitersGone = PTHREAD_COND_INITIALIZER;
Module* gModule = nullptr;
pid_t gPid = 0;
/// Threads blocked in C_WaitForSlotEvent with the lock released.
unsigned gWaiters = 0;
/// C_Finalize is waiting for those threads: the module takes no new calls.
bool gFinalizing = false;

constexpr CK_VERSION kVersion240 { 2, 40 };
constexpr CK_VERSION kVersion30 { 3, 0 };

class Lock {
public:
    Lock() noexcept { pthread_mutex_lock(&gLock); }
    ~Lock() { pthread_mutex_unlock(&gLock); }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
};

/// In a child after fork() the module belongs to the parent: its PC/SC connections share the
/// parent's sockets. It is forgotten (never deleted, never used) and the child must call
/// C_Initialize again, as with OpenSC.
void forgetAfterFork() noexcept
{
    if (gModule != nullptr && gPid != getpid()) {
        gModule = nullptr;
        gWaiters = 0;
        gFinalizing = false;
    }
}

/// Every entry point but C_Initialize, C_Finalize and the list getters: the lock for the whole
/// call, the initialisation check, and the one translation of exceptions.
template <typename F> CK_RV guarded(F&& fn) noexcept
{
    const Lock lock;
    forgetAfterFork();
    if (gModule == nullptr || gFinalizing) return CKR_CRYPTOKI_NOT_INITIALIZED;
    try {
        return fn(*gModule);
    } catch (...) {
        return tscns::pkcs11::currentExceptionToCkr();
    }
}

/// Releases the lock around a blocking wait; C_Finalize waits until every waiter has left.
class EntryWaitControl final : public tscns::pkcs11::WaitControl {
public:
    bool unlocked(const std::function<void()>& wait) override
    {
        const Module* module = gModule;
        ++gWaiters;
        pthread_mutex_unlock(&gLock);
        try {
            wait();
        } catch (...) {
            // waitForChange() does not throw; nothing may escape here anyway.
        }
        pthread_mutex_lock(&gLock);
        if (--gWaiters == 0) pthread_cond_broadcast(&gWaitersGone);
        return !gFinalizing && gModule == module;
    }
};

ByteView bytes(const CK_BYTE* p, CK_ULONG n) noexcept
{
    return p == nullptr ? ByteView() : ByteView(p, n);
}

CK_RV notSupported() noexcept
{
    return guarded([](Module&) { return CKR_FUNCTION_NOT_SUPPORTED; });
}

CK_RV getInfo(CK_INFO_PTR pInfo, CK_VERSION version) noexcept
{
    return guarded([&](Module&) {
        if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
        *pInfo = Module::info(version);
        return CKR_OK;
    });
}

/// C_GetInfo of the 3.0 function list: the same, reporting Cryptoki 3.0.
CK_RV getInfoV3(CK_INFO_PTR pInfo)
{
    return getInfo(pInfo, kVersion30);
}

extern CK_FUNCTION_LIST gFunctions240;
extern CK_FUNCTION_LIST_3_0 gFunctions30;

} // namespace

// ---- General purpose (PKCS#11 2.40 §5.4)

TSCNS_EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
    const Lock lock;
    forgetAfterFork();
    if (gModule != nullptr) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    if (pInitArgs != nullptr) {
        const auto* args = static_cast<const CK_C_INITIALIZE_ARGS*>(pInitArgs);
        if (args->pReserved != nullptr) return CKR_ARGUMENTS_BAD;
        const bool any = args->CreateMutex != nullptr || args->DestroyMutex != nullptr
            || args->LockMutex != nullptr || args->UnlockMutex != nullptr;
        const bool all = args->CreateMutex != nullptr && args->DestroyMutex != nullptr
            && args->LockMutex != nullptr && args->UnlockMutex != nullptr;
        if (any && !all) return CKR_ARGUMENTS_BAD;
        // Application locks only: we use OS locks, so they are refused (docs/development.md §4).
        // CKF_LIBRARY_CANT_CREATE_OS_THREADS is fine: the module creates no threads.
        if (all && (args->flags & CKF_OS_LOCKING_OK) == 0) return CKR_CANT_LOCK;
    }
    try {
        gModule = new Module(tscns::pkcs11::makeReaderProvider());
        gPid = getpid();
        return CKR_OK;
    } catch (...) {
        return tscns::pkcs11::currentExceptionToCkr();
    }
}

TSCNS_EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
    if (pReserved != nullptr) return CKR_ARGUMENTS_BAD;
    const Lock lock;
    forgetAfterFork();
    if (gModule == nullptr || gFinalizing) return CKR_CRYPTOKI_NOT_INITIALIZED;
    gFinalizing = true;
    // Wake the threads blocked in C_WaitForSlotEvent and wait until they have left the module
    // (Firefox stops its smart-card thread this way, docs/pkcs11-clients.md §2.2).
    while (gWaiters > 0) {
        gModule->cancelWaits();
        timespec until {};
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 50 * 1000 * 1000;
        if (until.tv_nsec >= 1000 * 1000 * 1000) {
            until.tv_nsec -= 1000 * 1000 * 1000;
            ++until.tv_sec;
        }
        pthread_cond_timedwait(&gWaitersGone, &gLock, &until);
    }
    Module* module = gModule;
    gModule = nullptr;
    gFinalizing = false;
    delete module;
    return CKR_OK;
}

TSCNS_EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
    return getInfo(pInfo, kVersion240);
}

TSCNS_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    if (ppFunctionList == nullptr) return CKR_ARGUMENTS_BAD;
    *ppFunctionList = &gFunctions240;
    return CKR_OK;
}

// ---- Interfaces (PKCS#11 3.0 §5.2): "PKCS 11" 3.0 first, then "PKCS 11" 2.40.

namespace {
CK_CHAR gInterfaceName[] = "PKCS 11";
CK_INTERFACE gInterfaces[] = {
    { gInterfaceName, &gFunctions30, 0 },
    { gInterfaceName, &gFunctions240, 0 },
};
constexpr CK_ULONG kInterfaceCount = sizeof gInterfaces / sizeof gInterfaces[0];
} // namespace

TSCNS_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
    if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
    if (pInterfacesList == nullptr) {
        *pulCount = kInterfaceCount;
        return CKR_OK;
    }
    if (*pulCount < kInterfaceCount) {
        *pulCount = kInterfaceCount;
        return CKR_BUFFER_TOO_SMALL;
    }
    for (CK_ULONG i = 0; i < kInterfaceCount; ++i)
        pInterfacesList[i] = gInterfaces[i];
    *pulCount = kInterfaceCount;
    return CKR_OK;
}

TSCNS_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
    CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
    if (ppInterface == nullptr) return CKR_ARGUMENTS_BAD;
    for (auto& candidate : gInterfaces) {
        if (pInterfaceName != nullptr
            && std::string_view(reinterpret_cast<const char*>(pInterfaceName))
                != reinterpret_cast<const char*>(candidate.pInterfaceName))
            continue;
        const auto* list = static_cast<const CK_FUNCTION_LIST*>(candidate.pFunctionList);
        if (pVersion != nullptr
            && (pVersion->major != list->version.major || pVersion->minor != list->version.minor))
            continue;
        if ((candidate.flags & flags) != flags) continue; // e.g. CKF_INTERFACE_FORK_SAFE: no
        *ppInterface = &candidate;
        return CKR_OK;
    }
    return CKR_ARGUMENTS_BAD;
}

// ---- Slots and tokens (§5.5)

TSCNS_EXPORT CK_RV C_GetSlotList(
    CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
    return guarded([&](Module& m) {
        if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
        return tscns::pkcs11::copyList(m.slotList(tokenPresent != CK_FALSE), pSlotList, pulCount);
    });
}

TSCNS_EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    return guarded([&](Module& m) {
        if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
        *pInfo = m.slotInfo(slotID);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    return guarded([&](Module& m) {
        if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
        *pInfo = m.tokenInfo(slotID);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    return guarded([&](Module& m) {
        if (pSlot == nullptr || pReserved != nullptr) return CKR_ARGUMENTS_BAD;
        EntryWaitControl control;
        *pSlot = m.waitForSlotEvent((flags & CKF_DONT_BLOCK) != 0, control);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_GetMechanismList(
    CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount)
{
    return guarded([&](Module& m) {
        if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
        return tscns::pkcs11::copyList(m.mechanismList(slotID), pMechanismList, pulCount);
    });
}

TSCNS_EXPORT CK_RV C_GetMechanismInfo(
    CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
    return guarded([&](Module& m) {
        if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
        *pInfo = m.mechanismInfo(slotID, type);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_InitToken(CK_SLOT_ID, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR)
{
    return notSupported(); // a CNS is personalised by its issuer
}

TSCNS_EXPORT CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    return guarded([&](Module& m) {
        if (pPin == nullptr) return CKR_ARGUMENTS_BAD; // no protected authentication path
        m.initPin(hSession, bytes(pPin, ulPinLen));
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
    CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
    return guarded([&](Module& m) {
        if (pOldPin == nullptr || pNewPin == nullptr) return CKR_ARGUMENTS_BAD;
        m.setPin(hSession, bytes(pOldPin, ulOldLen), bytes(pNewPin, ulNewLen));
        return CKR_OK;
    });
}

// ---- Sessions (§5.6)

TSCNS_EXPORT CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR /*pApplication*/,
    CK_NOTIFY /*Notify: the module makes no callbacks*/, CK_SESSION_HANDLE_PTR phSession)
{
    return guarded([&](Module& m) {
        if (phSession == nullptr) return CKR_ARGUMENTS_BAD;
        *phSession = m.openSession(slotID, flags);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
    return guarded([&](Module& m) {
        m.closeSession(hSession);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
    return guarded([&](Module& m) {
        m.closeAllSessions(slotID);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    return guarded([&](Module& m) {
        if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
        *pInfo = m.sessionInfo(hSession);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_GetOperationState(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}

TSCNS_EXPORT CK_RV C_SetOperationState(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)
{
    return notSupported();
}

TSCNS_EXPORT CK_RV C_Login(
    CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    return guarded([&](Module& m) {
        if (pPin == nullptr) {
            // The protected authentication path: the PIN is typed on the reader's pad.
            if (ulPinLen != 0) return CKR_ARGUMENTS_BAD;
            m.loginOnPad(hSession, userType);
            return CKR_OK;
        }
        m.login(hSession, userType, bytes(pPin, ulPinLen));
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
    CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR /*pUsername: ignored*/,
    CK_ULONG /*ulUsernameLen*/)
{
    return C_Login(hSession, userType, pPin, ulPinLen);
}

TSCNS_EXPORT CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
    return guarded([&](Module& m) {
        m.logout(hSession);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
    return guarded([&](Module& m) {
        m.cancelOperations(hSession, flags);
        return CKR_OK;
    });
}

// ---- Objects (§5.7): read-only token

TSCNS_EXPORT CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
    CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)
{
    return guarded([&](Module& m) {
        if ((pTemplate == nullptr && ulCount > 0) || phObject == nullptr) return CKR_ARGUMENTS_BAD;
        m.createObject(hSession);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
    return guarded([&](Module& m) {
        if ((pTemplate == nullptr && ulCount > 0) || phNewObject == nullptr)
            return CKR_ARGUMENTS_BAD;
        m.modifyObject(hSession, hObject);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    return guarded([&](Module& m) {
        m.modifyObject(hSession, hObject);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_GetObjectSize(
    CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
    return guarded([&](Module& m) {
        if (pulSize == nullptr) return CKR_ARGUMENTS_BAD;
        *pulSize = m.objectSize(hSession, hObject);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    return guarded([&](Module& m) {
        if (pTemplate == nullptr && ulCount > 0) return CKR_ARGUMENTS_BAD;
        return m.getAttributeValue(hSession, hObject, pTemplate, ulCount);
    });
}

TSCNS_EXPORT CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    return guarded([&](Module& m) {
        if (pTemplate == nullptr && ulCount > 0) return CKR_ARGUMENTS_BAD;
        m.modifyObject(hSession, hObject);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_FindObjectsInit(
    CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    return guarded([&](Module& m) {
        if (pTemplate == nullptr && ulCount > 0) return CKR_ARGUMENTS_BAD;
        m.findObjectsInit(hSession, pTemplate, ulCount);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
    CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
    return guarded([&](Module& m) {
        if ((phObject == nullptr && ulMaxObjectCount > 0) || pulObjectCount == nullptr)
            return CKR_ARGUMENTS_BAD;
        const auto found = m.findObjects(hSession, ulMaxObjectCount);
        std::copy(found.begin(), found.end(), phObject);
        *pulObjectCount = found.size();
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
    return guarded([&](Module& m) {
        m.findObjectsFinal(hSession);
        return CKR_OK;
    });
}

// ---- Encryption, verification: not offered (NSS and the others verify and encrypt
// with the public key in software).

TSCNS_EXPORT CK_RV C_EncryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_Encrypt(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_EncryptUpdate(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_EncryptFinal(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}

// ---- Decryption (§5.10): single-part RSA only.

TSCNS_EXPORT CK_RV C_DecryptInit(
    CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return guarded([&](Module& m) {
        if (pMechanism == nullptr) return CKR_ARGUMENTS_BAD;
        m.decryptInit(hSession, *pMechanism, hKey);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData,
    CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
    return guarded([&](Module& m) {
        if (pEncryptedData == nullptr || pulDataLen == nullptr) return CKR_ARGUMENTS_BAD;
        return m.decrypt(hSession, bytes(pEncryptedData, ulEncryptedDataLen), pData, pulDataLen);
    });
}

/// RSA decryption is single-part (PKCS#11 2.40 §2.1.6/§2.1.8 tables).
TSCNS_EXPORT CK_RV C_DecryptUpdate(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_DecryptFinal(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}

// ---- Digests (§5.11): the module lists no digest mechanism (hashing for signatures runs
// inside the hashing sign mechanisms), so C_DigestInit refuses every mechanism and no digest
// operation can be active. After the argument and session checks this is
// CKR_MECHANISM_INVALID for C_DigestInit (google/pkcs11test DigestInitInvalid) and
// CKR_OPERATION_NOT_INITIALIZED for the others, as for a module whose digest mechanisms are
// not the requested one.

TSCNS_EXPORT CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
    return guarded([&](Module& m) {
        if (pMechanism == nullptr) return CKR_ARGUMENTS_BAD;
        m.requireSession(hSession);
        return CKR_MECHANISM_INVALID;
    });
}
TSCNS_EXPORT CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
    CK_BYTE_PTR /*pDigest*/, CK_ULONG_PTR pulDigestLen)
{
    return guarded([&](Module& m) {
        if ((pData == nullptr && ulDataLen > 0) || pulDigestLen == nullptr)
            return CKR_ARGUMENTS_BAD;
        m.requireSession(hSession);
        return CKR_OPERATION_NOT_INITIALIZED;
    });
}
TSCNS_EXPORT CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return guarded([&](Module& m) {
        if (pPart == nullptr && ulPartLen > 0) return CKR_ARGUMENTS_BAD;
        m.requireSession(hSession);
        return CKR_OPERATION_NOT_INITIALIZED;
    });
}
TSCNS_EXPORT CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE)
{
    return guarded([&](Module& m) {
        m.requireSession(hSession);
        return CKR_OPERATION_NOT_INITIALIZED;
    });
}
TSCNS_EXPORT CK_RV C_DigestFinal(
    CK_SESSION_HANDLE hSession, CK_BYTE_PTR /*pDigest*/, CK_ULONG_PTR pulDigestLen)
{
    return guarded([&](Module& m) {
        if (pulDigestLen == nullptr) return CKR_ARGUMENTS_BAD;
        m.requireSession(hSession);
        return CKR_OPERATION_NOT_INITIALIZED;
    });
}

// ---- Signatures (§5.12)

TSCNS_EXPORT CK_RV C_SignInit(
    CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return guarded([&](Module& m) {
        if (pMechanism == nullptr) return CKR_ARGUMENTS_BAD;
        m.signInit(hSession, *pMechanism, hKey);
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
    CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    return guarded([&](Module& m) {
        if ((pData == nullptr && ulDataLen > 0) || pulSignatureLen == nullptr)
            return CKR_ARGUMENTS_BAD;
        return m.sign(hSession, bytes(pData, ulDataLen), pSignature, pulSignatureLen);
    });
}

TSCNS_EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return guarded([&](Module& m) {
        if (pPart == nullptr && ulPartLen > 0) return CKR_ARGUMENTS_BAD;
        m.signUpdate(hSession, bytes(pPart, ulPartLen));
        return CKR_OK;
    });
}

TSCNS_EXPORT CK_RV C_SignFinal(
    CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    return guarded([&](Module& m) {
        if (pulSignatureLen == nullptr) return CKR_ARGUMENTS_BAD;
        return m.signFinal(hSession, pSignature, pulSignatureLen);
    });
}

TSCNS_EXPORT CK_RV C_SignRecoverInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_SignRecover(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_Verify(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyUpdate(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyFinal(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyRecover(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}

// ---- Dual-function operations, keys (§5.13-5.14): not offered.

TSCNS_EXPORT CK_RV C_DigestEncryptUpdate(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_DecryptDigestUpdate(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_SignEncryptUpdate(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_DecryptVerifyUpdate(
    CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_GenerateKey(
    CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR,
    CK_ULONG, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR, CK_OBJECT_HANDLE_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_WrapKey(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE,
    CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_UnwrapKey(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR,
    CK_ULONG, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_DeriveKey(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE,
    CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return notSupported();
}

// ---- Random numbers (§5.15): no CKF_RNG (docs/pkcs11-clients.md §2.2). Both functions answer
// CKR_RANDOM_NO_RNG, the spec's code for a token without a generator; CKR_RANDOM_SEED_NOT_SUPPORTED
// would claim a generator that takes no seed, and `pkcs11-tool --test` then counts the failing
// C_GenerateRandom as an error instead of "not implemented". The argument and session checks
// come first, as for every entry point (google/pkcs11test SeedRandomBadArguments,
// GenerateRandomBadArguments, *NoSession): a NULL buffer with a non-zero length is
// CKR_ARGUMENTS_BAD and an unknown session CKR_SESSION_HANDLE_INVALID before "no RNG".

TSCNS_EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
    return guarded([&](Module& m) {
        if (pSeed == nullptr && ulSeedLen > 0) return CKR_ARGUMENTS_BAD;
        m.requireSession(hSession);
        return CKR_RANDOM_NO_RNG;
    });
}

TSCNS_EXPORT CK_RV C_GenerateRandom(
    CK_SESSION_HANDLE hSession, CK_BYTE_PTR pRandomData, CK_ULONG ulRandomLen)
{
    return guarded([&](Module& m) {
        if (pRandomData == nullptr && ulRandomLen > 0) return CKR_ARGUMENTS_BAD;
        m.requireSession(hSession);
        return CKR_RANDOM_NO_RNG;
    });
}

// ---- Legacy parallel functions (§5.16).

TSCNS_EXPORT CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE)
{
    return guarded([](Module&) { return CKR_FUNCTION_NOT_PARALLEL; });
}
TSCNS_EXPORT CK_RV C_CancelFunction(CK_SESSION_HANDLE)
{
    return guarded([](Module&) { return CKR_FUNCTION_NOT_PARALLEL; });
}

// ---- PKCS#11 3.0 message-based functions: not offered.

TSCNS_EXPORT CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_EncryptMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
    CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_EncryptMessageBegin(
    CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR,
    CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR, CK_FLAGS)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_DecryptMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
    CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_DecryptMessageBegin(
    CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR,
    CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR, CK_FLAGS)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_MessageSignInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_SignMessage(
    CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_SignMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_SignMessageNext(
    CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_MessageSignFinal(CK_SESSION_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyMessage(
    CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_VerifyMessageNext(
    CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported();
}
TSCNS_EXPORT CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE)
{
    return notSupported();
}

// ---- The function lists

#define TSCNS_FUNCTIONS_240(getInfo)                                                               \
    C_Initialize, C_Finalize, getInfo, C_GetFunctionList, C_GetSlotList, C_GetSlotInfo,            \
        C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN,  \
        C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState,  \
        C_SetOperationState, C_Login, C_Logout, C_CreateObject, C_CopyObject, C_DestroyObject,     \
        C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue, C_FindObjectsInit,              \
        C_FindObjects, C_FindObjectsFinal, C_EncryptInit, C_Encrypt, C_EncryptUpdate,              \
        C_EncryptFinal, C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal, C_DigestInit,   \
        C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal, C_SignInit, C_Sign, C_SignUpdate,    \
        C_SignFinal, C_SignRecoverInit, C_SignRecover, C_VerifyInit, C_Verify, C_VerifyUpdate,     \
        C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover, C_DigestEncryptUpdate,                \
        C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate, C_GenerateKey,          \
        C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey, C_SeedRandom, C_GenerateRandom,    \
        C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent

namespace {

CK_FUNCTION_LIST gFunctions240 = { kVersion240, TSCNS_FUNCTIONS_240(C_GetInfo) };

CK_FUNCTION_LIST_3_0 gFunctions30 = { kVersion30, TSCNS_FUNCTIONS_240(getInfoV3),
    C_GetInterfaceList, C_GetInterface, C_LoginUser, C_SessionCancel, C_MessageEncryptInit,
    C_EncryptMessage, C_EncryptMessageBegin, C_EncryptMessageNext, C_MessageEncryptFinal,
    C_MessageDecryptInit, C_DecryptMessage, C_DecryptMessageBegin, C_DecryptMessageNext,
    C_MessageDecryptFinal, C_MessageSignInit, C_SignMessage, C_SignMessageBegin, C_SignMessageNext,
    C_MessageSignFinal, C_MessageVerifyInit, C_VerifyMessage, C_VerifyMessageBegin,
    C_VerifyMessageNext, C_MessageVerifyFinal };

} // namespace
