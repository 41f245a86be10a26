// SPDX-License-Identifier: LGPL-2.1-or-later
// Removal and insertion: sessions die with the card, a re-inserted card is a fresh token, an
// operation that finds the card gone reports CKR_DEVICE_REMOVED; C_GetSessionInfo reads the
// reader state only; C_WaitForSlotEvent with CKF_DONT_BLOCK, blocking (woken by an insertion)
// and cancelled by finalisation.
#include "groups.hpp"

#include "fixture.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using namespace tscns;
using namespace tscns::pkcs11;
using namespace tscns::pkcs11::test;
using tscns::test::Checker;

namespace {

/// Runs the wait without any lock, like entry.cpp minus the lock; `finalized` makes it report
/// that the module was finalised meanwhile.
class TestWaitControl final : public WaitControl {
public:
    bool unlocked(const std::function<void()>& wait) override
    {
        ++waits;
        wait();
        return !finalized.load();
    }
    std::atomic<bool> finalized { false };
    int waits = 0;
};

void removal_invalidatesSessionsAndLogin(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE a = open(m, 0);
        const CK_SESSION_HANDLE b = open(m, 0, true);
        loginUser(m, a);
        f->provider->remove(0);
        c.eq(m.slotInfo(0).flags & CKF_TOKEN_PRESENT, 0UL, "slot without token");
        expectRv(c, rvOf([&] { (void)m.sessionInfo(a); }), CKR_SESSION_HANDLE_INVALID, "session a");
        expectRv(c, rvOf([&] { (void)m.sessionInfo(b); }), CKR_SESSION_HANDLE_INVALID, "session b");
        expectRv(c, rvOf([&] { (void)m.tokenInfo(0); }), CKR_TOKEN_NOT_PRESENT, "token info");
        expectRv(c, rvOf([&] { (void)open(m, 0); }), CKR_TOKEN_NOT_PRESENT, "open session");
    });
}

void reinsertion_sameCard_freshToken(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE old = open(m, 0);
        loginUser(m, old);
        const auto oldObjects = find(m, old);
        // Out and back in between two calls: only the insertion counter tells.
        auto card = f->provider->remove(0);
        f->provider->insert(0, std::move(card));
        expectRv(c, rvOf([&] { (void)m.sessionInfo(old); }), CKR_SESSION_HANDLE_INVALID,
            "old session (NSS relies on this, docs/pkcs11-clients.md §2.2)");
        const CK_SESSION_HANDLE now = open(m, 0);
        c.eq(m.sessionInfo(now).state, CKS_RO_PUBLIC_SESSION, "fresh token: not logged in");
        c.noThrow([&] { loginUser(m, now); }, "login on the fresh token");
        const auto newObjects = find(m, now);
        c.eq(newObjects.size(), oldObjects.size(), "same objects");
        for (CK_OBJECT_HANDLE o : oldObjects) {
            CK_ATTRIBUTE a { CKA_CLASS, nullptr, 0 };
            expectRv(c, rvOf([&] { return m.getAttributeValue(now, o, &a, 1); }),
                CKR_OBJECT_HANDLE_INVALID, "old object handles are not reused");
        }
    });
}

void removal_duringOperation_deviceRemovedThenInvalid(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        loginUser(m, s);
        m.signInit(s, { CKM_SHA256_RSA_PKCS, nullptr, 0 }, privateKey(m, s));
        auto card = f->provider->remove(0);
        f->provider->insert(0, std::move(card)); // even the same card
        Bytes sig(256);
        CK_ULONG len = sig.size();
        const std::uint8_t data[] = { 1 };
        expectRv(c, rvOf([&] { return m.sign(s, data, sig.data(), &len); }), CKR_DEVICE_REMOVED,
            "the failing call");
        expectRv(
            c, rvOf([&] { (void)m.sessionInfo(s); }), CKR_SESSION_HANDLE_INVALID, "afterwards");
        c.noThrow([&] { (void)m.tokenInfo(0); }, "the card in the reader is a new token");
    });
}

void sessionInfo_readerStateOnly(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const std::size_t apdus = f->provider->apduCount(0);
        const std::size_t polls = f->provider->statusCalls();
        for (int i = 0; i < 10; ++i)
            (void)m.sessionInfo(s);
        c.eq(f->provider->apduCount(0), apdus, "no APDU");
        c.eq(f->provider->statusCalls() - polls, 10, "one reader-state read per call");
    });
}

void waitForSlotEvent_dontBlock_pendingOrNoEvent(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        TestWaitControl control;
        expectRv(c, rvOf([&] { (void)m.waitForSlotEvent(true, control); }), CKR_NO_EVENT,
            "nothing pending (a card present at C_Initialize is no event)");
        expectRv(c, rvOf([&] { (void)m.waitForSlotEvent(true, control); }), CKR_NO_EVENT,
            "still nothing");
        f->provider->insert(1, makeCard(f->images->athena));
        c.eq(m.waitForSlotEvent(true, control), 1UL, "insertion in slot 1");
        expectRv(c, rvOf([&] { (void)m.waitForSlotEvent(true, control); }), CKR_NO_EVENT,
            "reported once");
        f->provider->remove(0);
        c.eq(m.waitForSlotEvent(true, control), 0UL, "removal from slot 0");
        c.eq(control.waits, 0, "CKF_DONT_BLOCK never waits");
    });
}

void waitForSlotEvent_blocking_wokenByInsertion(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        TestWaitControl control;
        auto card = makeCard(f->images->athena);
        std::thread inserter([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            f->provider->insert(1, std::move(card));
        });
        const auto start = std::chrono::steady_clock::now();
        CK_SLOT_ID slot = 99;
        const CK_RV rv = rvOf([&] { slot = m.waitForSlotEvent(false, control); });
        const auto took = std::chrono::steady_clock::now() - start;
        inserter.join();
        expectRv(c, rv, CKR_OK, "blocking wait");
        c.eq(slot, 1UL, "slot 1");
        c.that(control.waits >= 1, "waited without the lock");
        c.that(took < std::chrono::seconds(3), "woken by the insertion");
    });
}

void waitForSlotEvent_finalizedMeanwhile_notInitialized(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        TestWaitControl control;
        std::thread finalizer([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            control.finalized = true;
            m.cancelWaits();
        });
        const auto start = std::chrono::steady_clock::now();
        const CK_RV rv = rvOf([&] { (void)m.waitForSlotEvent(false, control); });
        const auto took = std::chrono::steady_clock::now() - start;
        finalizer.join();
        expectRv(c, rv, CKR_CRYPTOKI_NOT_INITIALIZED, "wait ended by finalisation");
        c.that(took < std::chrono::seconds(2), "promptly");
    });
}

} // namespace

int runEventTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            removal_invalidatesSessionsAndLogin, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(reinsertion_sameCard_freshToken, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            removal_duringOperation_deviceRemovedThenInvalid, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(sessionInfo_readerStateOnly, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            waitForSlotEvent_dontBlock_pendingOrNoEvent, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            waitForSlotEvent_blocking_wokenByInsertion, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            waitForSlotEvent_finalizedMeanwhile_notInitialized, stSetup, fixtureTeardown),
    };
    return cmocka_run_group_tests_name("pkcs11 events", tests, imagesSetup, imagesTeardown);
}
