// SPDX-License-Identifier: LGPL-2.1-or-later
// Login and PINs: one VERIFY per C_Login, the login state shared by the sessions, logout with a
// card reset, the last session closing, another application's reset, PIN format checks without
// APDUs, the SO (PUK) unblock flow, C_SetPIN, CKU_CONTEXT_SPECIFIC.
#include "groups.hpp"

#include "fixture.hpp"

#include "tscns/vcard/virtual_card.hpp"

using namespace tscns;
using namespace tscns::pkcs11;
using namespace tscns::pkcs11::test;
using tscns::test::Checker;

namespace {

void login_rightPin_userStateForAllSessions(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE ro = open(m, 0);
        const CK_SESSION_HANDLE rw = open(m, 0, true);
        const std::size_t before = f->provider->apduCount(0);
        c.noThrow([&] { loginUser(m, ro); }, "login");
        c.eq(f->provider->apduCount(0) - before, 1, "exactly one APDU (VERIFY)");
        c.that(f->provider->card(0)->pinVerified(), "PIN verified on the card");
        c.eq(m.sessionInfo(ro).state, CKS_RO_USER_FUNCTIONS, "RO session");
        c.eq(m.sessionInfo(rw).state, CKS_RW_USER_FUNCTIONS, "RW session");
        const CK_SESSION_HANDLE later = open(m, 0);
        c.eq(m.sessionInfo(later).state, CKS_RO_USER_FUNCTIONS, "session opened after login");
        expectRv(c, rvOf([&] { loginUser(m, rw); }), CKR_USER_ALREADY_LOGGED_IN, "twice");
        expectRv(c, rvOf([&] { m.login(rw, CKU_SO, asBytes(kPuk)); }),
            CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "SO while user");
        expectRv(
            c, rvOf([&] { m.login(rw, 7, asBytes(kPin)); }), CKR_USER_TYPE_INVALID, "user type 7");
    });
}

void login_wrongPinOrFormat_noLoginFewApdus(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const std::size_t before = f->provider->apduCount(0);
        expectRv(c, rvOf([&] { loginUser(m, s, "1234"); }), CKR_PIN_LEN_RANGE, "4 digits");
        expectRv(c, rvOf([&] { loginUser(m, s, "123456789"); }), CKR_PIN_LEN_RANGE, "9 digits");
        expectRv(c, rvOf([&] { loginUser(m, s, "12a45"); }), CKR_PIN_INCORRECT, "a letter");
        c.eq(f->provider->apduCount(0), before, "format errors send nothing");
        c.eq(f->provider->card(0)->pinTriesLeft(), 3, "and cost no try");
        expectRv(c, rvOf([&] { loginUser(m, s, "54321"); }), CKR_PIN_INCORRECT, "wrong PIN");
        c.eq(f->provider->card(0)->pinTriesLeft(), 2, "one try spent");
        c.eq(m.sessionInfo(s).state, CKS_RO_PUBLIC_SESSION, "still public");
    });
}

void logout_dropsLoginAndResetsCard(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        expectRv(c, rvOf([&] { m.logout(s); }), CKR_USER_NOT_LOGGED_IN, "logout before login");
        loginUser(m, s);
        m.logout(s);
        c.that(!f->provider->card(0)->pinVerified(), "no verified PIN left on the card");
        c.eq(m.sessionInfo(s).state, CKS_RO_PUBLIC_SESSION, "public again");
        c.noThrow([&] { loginUser(m, s); }, "login again");
    });
}

void closeLastSession_logsOut(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE a = open(m, 0);
        const CK_SESSION_HANDLE b = open(m, 0);
        loginUser(m, a);
        m.closeSession(a);
        c.eq(m.sessionInfo(b).state, CKS_RO_USER_FUNCTIONS, "still logged in: b is open");
        m.closeSession(b);
        c.that(!f->provider->card(0)->pinVerified(), "last session closed: card reset");
        const CK_SESSION_HANDLE n = open(m, 0);
        c.eq(m.sessionInfo(n).state, CKS_RO_PUBLIC_SESSION, "new session is public");
    });
}

void resetByOtherApplication_loginLostWithoutApdu(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        loginUser(m, s);
        CK_MECHANISM mech { CKM_SHA256_RSA_PKCS, nullptr, 0 };
        m.signInit(s, mech, privateKey(m, s));
        f->provider->resetByOtherApplication(0);
        const std::size_t before = f->provider->apduCount(0);
        Bytes sig(256);
        CK_ULONG len = sig.size();
        const std::uint8_t data[] = { 1, 2, 3 };
        expectRv(c, rvOf([&] { return m.sign(s, data, sig.data(), &len); }), CKR_USER_NOT_LOGGED_IN,
            "sign after another application's reset");
        c.eq(f->provider->apduCount(0), before, "no APDU sent");
        c.eq(m.sessionInfo(s).state, CKS_RO_PUBLIC_SESSION, "login state dropped");
    });
}

void soLogin_initPin_unblocksWithPuk(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        {
            const CK_SESSION_HANDLE s = open(m, 0);
            for (int i = 0; i < 3; ++i)
                (void)rvOf([&] { loginUser(m, s, "99999"); });
            c.eq(f->provider->card(0)->pinTriesLeft(), 0, "PIN blocked");
            // SO login needs no RO session open (§5.8).
            const CK_SESSION_HANDLE rw = open(m, 0, true);
            expectRv(c, rvOf([&] { m.login(rw, CKU_SO, asBytes(kPuk)); }),
                CKR_SESSION_READ_ONLY_EXISTS, "SO with an RO session open");
            m.closeSession(s);
            m.closeSession(rw);
        }
        const CK_SESSION_HANDLE rw = open(m, 0, true);
        expectRv(c, rvOf([&] { m.initPin(rw, asBytes("11111")); }), CKR_USER_NOT_LOGGED_IN,
            "InitPIN without SO");
        const std::size_t before = f->provider->apduCount(0);
        c.noThrow([&] { m.login(rw, CKU_SO, asBytes(kPuk)); }, "SO login");
        c.eq(f->provider->apduCount(0), before, "SO login sends nothing (PUK checked by 2C)");
        c.eq(m.sessionInfo(rw).state, CKS_RW_SO_FUNCTIONS, "SO state");
        expectRv(c, rvOf([&] { (void)open(m, 0, false); }), CKR_SESSION_READ_WRITE_SO_EXISTS,
            "RO session while SO");
        expectRv(c, rvOf([&] { m.initPin(rw, asBytes("1111")); }), CKR_PIN_LEN_RANGE,
            "new PIN too short");
        c.noThrow([&] { m.initPin(rw, asBytes("11111")); }, "InitPIN");
        c.eq(f->provider->apduCount(0) - before, 1, "one RESET RETRY COUNTER");
        c.eq(f->provider->card(0)->pinTriesLeft(), 3, "PIN unblocked");
        expectRv(c, rvOf([&] { m.initPin(rw, asBytes("22222")); }), CKR_USER_NOT_LOGGED_IN,
            "the PUK was used once and forgotten");
        m.logout(rw);
        c.eq(m.tokenInfo(0).flags & CKF_USER_PIN_LOCKED, 0UL, "not locked any more");
        c.noThrow([&] { loginUser(m, rw, "11111"); }, "login with the new PIN");
    });
}

void soLogin_wrongPuk_initPinIncorrect(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE rw = open(m, 0, true);
        const int puk = f->provider->card(0)->pukTriesLeft();
        m.login(rw, CKU_SO, asBytes("12121212"));
        expectRv(c, rvOf([&] { m.initPin(rw, asBytes("11111")); }), CKR_PIN_INCORRECT, "wrong PUK");
        c.eq(f->provider->card(0)->pukTriesLeft(), puk - 1, "one PUK try spent");
        c.eq(m.sessionInfo(rw).state, CKS_RW_SO_FUNCTIONS, "SO until C_Logout");
        m.logout(rw);
        c.noThrow([&] { loginUser(m, rw, kPin); }, "user login afterwards");
    });
}

void setPin_changesThePin(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE ro = open(m, 0);
        expectRv(c, rvOf([&] { m.setPin(ro, asBytes(kPin), asBytes("24680")); }),
            CKR_SESSION_READ_ONLY, "RO session");
        const CK_SESSION_HANDLE rw = open(m, 0, true);
        expectRv(c, rvOf([&] { m.setPin(rw, asBytes("99999"), asBytes("24680")); }),
            CKR_PIN_INCORRECT, "wrong old PIN");
        expectRv(c, rvOf([&] { m.setPin(rw, asBytes(kPin), asBytes("246")); }), CKR_PIN_LEN_RANGE,
            "new PIN too short");
        expectRv(c, rvOf([&] { m.setPin(rw, asBytes(kPin), asBytes("24x80")); }), CKR_PIN_INVALID,
            "new PIN not digits");
        c.noThrow([&] { m.setPin(rw, asBytes(kPin), asBytes("24680")); }, "change");
        expectRv(c, rvOf([&] { loginUser(m, rw, kPin); }), CKR_PIN_INCORRECT, "old PIN refused");
        c.noThrow([&] { loginUser(m, rw, "24680"); }, "new PIN works");
    });
}

void contextSpecificLogin_needsAnOperation(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        loginUser(m, s);
        expectRv(c, rvOf([&] { m.login(s, CKU_CONTEXT_SPECIFIC, asBytes(kPin)); }),
            CKR_OPERATION_NOT_INITIALIZED, "no operation");
        CK_MECHANISM mech { CKM_SHA256_RSA_PKCS, nullptr, 0 };
        m.signInit(s, mech, privateKey(m, s));
        c.noThrow([&] { m.login(s, CKU_CONTEXT_SPECIFIC, asBytes(kPin)); }, "after SignInit");
        Bytes sig(256);
        CK_ULONG len = sig.size();
        const std::uint8_t data[] = { 9 };
        expectRv(c, m.sign(s, data, sig.data(), &len), CKR_OK, "sign");
    });
}

} // namespace

int runLoginTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            login_rightPin_userStateForAllSessions, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            login_wrongPinOrFormat_noLoginFewApdus, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(logout_dropsLoginAndResetsCard, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(closeLastSession_logsOut, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            resetByOtherApplication_loginLostWithoutApdu, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(soLogin_initPin_unblocksWithPuk, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            soLogin_wrongPuk_initPinIncorrect, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(setPin_changesThePin, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            contextSpecificLogin_needsAnOperation, stSetup, fixtureTeardown),
    };
    return cmocka_run_group_tests_name("pkcs11 login", tests, imagesSetup, imagesTeardown);
}
