// SPDX-License-Identifier: LGPL-2.1-or-later
// Slots and tokens: the fixed slot list, slot flags, token info fields from the card, binding
// once (APDU budget), foreign cards, PIN flags, mechanisms, the Errc → CK_RV table.
#include "groups.hpp"

#include "fixture.hpp"

#include "ckr.hpp"

#include <algorithm>
#include <cstdio>
#include <new>
#include <stdexcept>

using namespace tscns;
using namespace tscns::pkcs11;
using namespace tscns::pkcs11::test;
using tscns::test::Checker;

namespace {

void slotList_twoReaders_fixedListPresentFiltered(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        c.that(f->module->slotList(false) == std::vector<CK_SLOT_ID> { 0, 1 }, "all slots");
        c.that(f->module->slotList(true) == std::vector<CK_SLOT_ID> { 0 }, "slots with a card");
        f->provider->insert(1, makeCard(f->images->athena));
        c.that(f->module->slotList(true) == std::vector<CK_SLOT_ID> { 0, 1 }, "after insertion");
    });
}

void slotInfo_flags_removableHwAndPresence(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const CK_SLOT_INFO s0 = f->module->slotInfo(0);
        const CK_SLOT_INFO s1 = f->module->slotInfo(1);
        c.eq(s0.flags, CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | CKF_TOKEN_PRESENT, "slot 0 flags");
        c.eq(s1.flags, CKF_REMOVABLE_DEVICE | CKF_HW_SLOT, "slot 1 flags");
        c.eq(trimmed(s0.slotDescription, sizeof s0.slotDescription), std::string(kReader0),
            "slot description = reader name");
        c.eq(s0.slotDescription[63], ' ', "blank padded");
        expectRv(
            c, rvOf([&] { (void)f->module->slotInfo(88888); }), CKR_SLOT_ID_INVALID, "slot 88888");
        c.eq(f->provider->apduCount(0), 0, "slot info sends no APDU");
    });
}

void tokenInfo_stCard_fieldsFromTheCard(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const vcard::CardRecord& r = f->images->st.record;
        const CK_TOKEN_INFO t = f->module->tokenInfo(0);
        c.eq(trimmed(t.label, sizeof t.label), r.givenName + " " + r.surname, "label = holder");
        c.eq(std::string(reinterpret_cast<const char*>(t.serialNumber), 16), r.cardId,
            "serial = the 16-digit card ID");
        c.eq(trimmed(t.model, sizeof t.model), std::string("TS-CNS"), "model");
        c.that(trimmed(t.manufacturerID, sizeof t.manufacturerID) != "unknown"
                && !trimmed(t.manufacturerID, sizeof t.manufacturerID).empty(),
            "manufacturer from the ATR");
        c.eq(t.flags & (CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED),
            CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED,
            "login required, PIN and token initialized");
        c.eq(t.flags & (CKF_WRITE_PROTECTED | CKF_RNG | CKF_PROTECTED_AUTHENTICATION_PATH), 0UL,
            "not write-protected, no RNG, no protected path");
        c.eq(t.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED), 0UL,
            "no PIN warnings on a fresh card");
        c.eq(t.ulMinPinLen, 5UL, "min PIN");
        c.eq(t.ulMaxPinLen, 8UL, "max PIN");
        c.eq(t.ulMaxSessionCount, CK_EFFECTIVELY_INFINITE, "max sessions");
        c.eq(t.ulSessionCount, 0UL, "sessions");
        c.eq(trimmed(t.utcTime, sizeof t.utcTime), std::string(), "utcTime blank");
    });
}

void tokenInfo_emptyReader_tokenNotPresent(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        expectRv(
            c, rvOf([&] { (void)f->module->tokenInfo(1); }), CKR_TOKEN_NOT_PRESENT, "token info");
        expectRv(
            c, rvOf([&] { (void)open(*f->module, 1); }), CKR_TOKEN_NOT_PRESENT, "open session");
        expectRv(c, rvOf([&] { (void)f->module->mechanismList(1); }), CKR_TOKEN_NOT_PRESENT,
            "mechanism list");
    });
}

void tokenInfo_foreignCard_notRecognizedAndProbedOnce(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        expectRv(c, rvOf([&] { (void)f->module->tokenInfo(0); }), CKR_TOKEN_NOT_RECOGNIZED,
            "token info");
        const std::size_t probe = f->provider->apduCount(0);
        c.that(probe > 0, "the card was probed");
        expectRv(
            c, rvOf([&] { (void)open(*f->module, 0); }), CKR_TOKEN_NOT_RECOGNIZED, "open session");
        expectRv(c, rvOf([&] { (void)f->module->tokenInfo(0); }), CKR_TOKEN_NOT_RECOGNIZED,
            "token info again");
        c.eq(f->provider->apduCount(0), probe, "no second probe while the card stays");
        c.eq(f->module->slotInfo(0).flags & CKF_TOKEN_PRESENT, CKF_TOKEN_PRESENT,
            "still a present token for the slot");
        // A TS-CNS inserted afterwards is recognised.
        f->provider->remove(0);
        f->provider->insert(0, makeCard(f->images->st));
        c.noThrow([&] { (void)f->module->tokenInfo(0); }, "TS-CNS after the foreign card");
    });
}

/// pkcs11-tool -L, then -O, in one process: each part of the card is read once, and only when
/// first needed (OpenSC needs 74 APDUs for -L and -O, the benchmark).
void binding_listAndObjects_readsEachPartOnce(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        (void)m.slotList(true);
        (void)m.slotInfo(0);
        (void)m.tokenInfo(0);
        // EF_IDCarta (SELECT + READ, the probe), EF_DatiPersonali (SELECT + 2 READs, the label),
        // the PIN tries (empty VERIFY): no certificate for -L.
        const std::size_t list = f->provider->apduCount(0);
        c.eq(list, 6, "-L: token info");
        const CK_SESSION_HANDLE s = open(m, 0);
        for (CK_OBJECT_HANDLE o : find(m, s)) {
            for (CK_ATTRIBUTE_TYPE t : { CKA_CLASS, CKA_LABEL, CKA_ID, CKA_VALUE, CKA_MODULUS,
                     CKA_SUBJECT, CKA_KEY_TYPE, CKA_SIGN, CKA_CERTIFICATE_TYPE }) {
                CK_ATTRIBUTE a { t, nullptr, 0 };
                (void)m.getAttributeValue(s, o, &a, 1);
            }
        }
        // The certificate: SELECT + 5 READs of 255 bytes (1171 bytes).
        const std::size_t all = f->provider->apduCount(0);
        std::printf(
            "      -L: %zu APDUs, -L and -O: %zu APDUs (2048-bit certificate)\n", list, all);
        c.that(all <= 12, "-L and -O within 12 APDUs, got " + std::to_string(all));
        (void)m.tokenInfo(0);
        (void)m.mechanismList(0);
        (void)m.mechanismInfo(0, CKM_RSA_PKCS_PSS);
        (void)m.sessionInfo(s);
        (void)find(m, s);
        m.closeSession(s);
        c.eq(f->provider->apduCount(0), all, "nothing read twice");
    });
}

void tokenInfo_pinTriesOnTheCard_flagsAtBinding(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const auto flagsWith = [&](int tries) {
            f->provider->remove(0);
            f->provider->insert(0, makeCard(f->images->st, tries));
            return f->module->tokenInfo(0).flags
                & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
        };
        c.eq(flagsWith(3), 0UL, "3 tries");
        c.eq(flagsWith(2), CKF_USER_PIN_COUNT_LOW, "2 tries");
        c.eq(flagsWith(1), CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY, "1 try");
        c.eq(flagsWith(0), CKF_USER_PIN_LOCKED, "blocked");
    });
}

void tokenInfo_wrongPins_countLowFinalTryLocked(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        constexpr CK_FLAGS kPinFlags
            = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;
        const std::size_t before = f->provider->apduCount(0);
        expectRv(c, rvOf([&] { loginUser(m, s, "99999"); }), CKR_PIN_INCORRECT, "wrong PIN 1");
        c.eq(f->provider->apduCount(0) - before, 1, "one VERIFY, no retry, no tries query");
        c.eq(m.tokenInfo(0).flags & kPinFlags, CKF_USER_PIN_COUNT_LOW, "after 1 wrong");
        expectRv(c, rvOf([&] { loginUser(m, s, "99999"); }), CKR_PIN_INCORRECT, "wrong PIN 2");
        c.eq(m.tokenInfo(0).flags & kPinFlags, CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY,
            "after 2 wrong");
        expectRv(c, rvOf([&] { loginUser(m, s, "99999"); }), CKR_PIN_LOCKED, "wrong PIN 3");
        c.eq(m.tokenInfo(0).flags & kPinFlags, CKF_USER_PIN_LOCKED, "after 3 wrong");
        expectRv(c, rvOf([&] { loginUser(m, s); }), CKR_PIN_LOCKED, "right PIN, blocked");
        c.eq(f->provider->card(0)->pinTriesLeft(), 0, "card blocked");
    });
}

void tokenInfo_rightPinAfterWrong_flagsCleared(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        expectRv(c, rvOf([&] { loginUser(m, s, "99999"); }), CKR_PIN_INCORRECT, "wrong PIN");
        c.noThrow([&] { loginUser(m, s); }, "right PIN");
        c.eq(m.tokenInfo(0).flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY), 0UL,
            "flags cleared");
        c.eq(f->provider->card(0)->pinTriesLeft(), 3, "card counter restored");
    });
}

void mechanisms_listAndInfo_rsaWithPss(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const auto list = m.mechanismList(0);
        c.eq(list.size(), 13, "13 mechanisms");
        for (CK_MECHANISM_TYPE t : { CKM_RSA_PKCS, CKM_RSA_X_509, CKM_RSA_PKCS_PSS,
                 CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
                 CKM_SHA512_RSA_PKCS, CKM_SHA1_RSA_PKCS_PSS, CKM_SHA224_RSA_PKCS_PSS,
                 CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS }) {
            const std::string name = "mechanism 0x" + std::to_string(t);
            c.that(std::find(list.begin(), list.end(), t) != list.end(), name + " listed");
            const CK_MECHANISM_INFO info = m.mechanismInfo(0, t);
            c.eq(info.ulMinKeySize, 2048UL, name + " min key");
            c.eq(info.ulMaxKeySize, 2048UL, name + " max key");
            const CK_FLAGS expected
                = CKF_HW | CKF_SIGN | (t == CKM_RSA_PKCS || t == CKM_RSA_X_509 ? CKF_DECRYPT : 0UL);
            c.eq(info.flags, expected, name + " flags");
        }
        expectRv(c, rvOf([&] { (void)m.mechanismInfo(0, CKM_SHA256); }), CKR_MECHANISM_INVALID,
            "a digest mechanism");
        expectRv(c, rvOf([&] { (void)m.mechanismInfo(0, CKM_RSA_PKCS_OAEP); }),
            CKR_MECHANISM_INVALID, "OAEP");
    });
}

void mechanisms_1024BitCard_keySize(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const CK_MECHANISM_INFO info = f->module->mechanismInfo(0, CKM_RSA_PKCS_PSS);
        c.eq(info.ulMinKeySize, 1024UL, "min");
        c.eq(info.ulMaxKeySize, 1024UL, "max");
    });
}

void sessions_rules_serialRoRwCountsHandles(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        expectRv(c, rvOf([&] { (void)m.openSession(0, CKF_RW_SESSION); }),
            CKR_SESSION_PARALLEL_NOT_SUPPORTED, "without CKF_SERIAL_SESSION");
        const CK_SESSION_HANDLE ro1 = open(m, 0);
        const CK_SESSION_HANDLE ro2 = open(m, 0);
        const CK_SESSION_HANDLE rw = open(m, 0, true);
        c.that(ro1 != ro2 && ro2 != rw && ro1 != 0, "distinct handles");
        const CK_TOKEN_INFO t = m.tokenInfo(0);
        c.eq(t.ulSessionCount, 3UL, "session count");
        c.eq(t.ulRwSessionCount, 1UL, "RW session count");
        c.eq(m.sessionInfo(ro1).state, CKS_RO_PUBLIC_SESSION, "RO state");
        c.eq(m.sessionInfo(rw).state, CKS_RW_PUBLIC_SESSION, "RW state");
        c.eq(m.sessionInfo(rw).flags, CKF_SERIAL_SESSION | CKF_RW_SESSION, "RW flags");
        m.closeSession(ro1);
        expectRv(c, rvOf([&] { (void)m.sessionInfo(ro1); }), CKR_SESSION_HANDLE_INVALID,
            "closed handle");
        expectRv(c, rvOf([&] { m.closeSession(ro1); }), CKR_SESSION_HANDLE_INVALID, "closed twice");
        for (CK_SESSION_HANDLE bad : { 77777UL, 88888UL, 99999UL, 0UL })
            expectRv(c, rvOf([&] { (void)m.sessionInfo(bad); }), CKR_SESSION_HANDLE_INVALID,
                "handle " + std::to_string(bad));
        m.closeAllSessions(0);
        expectRv(c, rvOf([&] { (void)m.sessionInfo(rw); }), CKR_SESSION_HANDLE_INVALID,
            "after closeAllSessions");
        const CK_SESSION_HANDLE again = open(m, 0);
        c.that(again > rw, "handles are never reused");
        c.eq(m.tokenInfo(0).ulSessionCount, 1UL, "one session left");
    });
}

void module_noReaderService_noSlots(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        auto provider
            = std::make_unique<testing::VcardReaderProvider>(std::vector<std::string> { kReader0 });
        provider->failReaderNames(true);
        Module m(std::move(provider));
        c.eq(m.slotList(false).size(), 0, "no slots");
        expectRv(c, rvOf([&] { (void)m.slotInfo(0); }), CKR_SLOT_ID_INVALID, "slot 0");
    });
}

void ckr_translation_table(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        expectRv(c, toCkr(Errc::NotCnsCard), CKR_TOKEN_NOT_RECOGNIZED, "NotCnsCard");
        expectRv(c, toCkr(Errc::PinIncorrect), CKR_PIN_INCORRECT, "PinIncorrect");
        expectRv(c, toCkr(Errc::PinLocked), CKR_PIN_LOCKED, "PinLocked");
        expectRv(c, toCkr(Errc::PinLength), CKR_PIN_LEN_RANGE, "PinLength");
        expectRv(c, toCkr(Errc::NotLoggedIn), CKR_USER_NOT_LOGGED_IN, "NotLoggedIn");
        expectRv(c, toCkr(Errc::CardRemoved), CKR_DEVICE_REMOVED, "CardRemoved");
        expectRv(c, toCkr(Errc::CardAbsent), CKR_TOKEN_NOT_PRESENT, "CardAbsent");
        expectRv(c, toCkr(Errc::Transport), CKR_DEVICE_ERROR, "Transport");
        expectRv(c, toCkr(Errc::Internal), CKR_GENERAL_ERROR, "Internal");
        expectRv(c, rvOf([] { throw std::bad_alloc(); }), CKR_HOST_MEMORY, "bad_alloc");
        expectRv(c, rvOf([] { throw std::runtime_error("x"); }), CKR_GENERAL_ERROR, "other");
        expectRv(c, rvOf([] { throw Error(Errc::PinLocked, "x"); }), CKR_PIN_LOCKED, "Error");
        expectRv(c, rvOf([] { throw CkError(CKR_NO_EVENT); }), CKR_NO_EVENT, "CkError");
    });
}

} // namespace

int runTokenTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            slotList_twoReaders_fixedListPresentFiltered, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            slotInfo_flags_removableHwAndPresence, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            tokenInfo_stCard_fieldsFromTheCard, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            tokenInfo_emptyReader_tokenNotPresent, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            tokenInfo_foreignCard_notRecognizedAndProbedOnce, foreignSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            binding_listAndObjects_readsEachPartOnce, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            tokenInfo_pinTriesOnTheCard_flagsAtBinding, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            tokenInfo_wrongPins_countLowFinalTryLocked, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            tokenInfo_rightPinAfterWrong_flagsCleared, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            mechanisms_listAndInfo_rsaWithPss, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            mechanisms_1024BitCard_keySize, athenaSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            sessions_rules_serialRoRwCountsHandles, stSetup, fixtureTeardown),
        cmocka_unit_test(module_noReaderService_noSlots),
        cmocka_unit_test(ckr_translation_table),
    };
    return cmocka_run_group_tests_name("pkcs11 token", tests, imagesSetup, imagesTeardown);
}
