// SPDX-License-Identifier: LGPL-2.1-or-later
// PIN-pad readers: CKF_PROTECTED_AUTHENTICATION_PATH only with the pad, C_Login with a NULL_PTR
// PIN verified on the pad (one pad request, tries-left flags from the card's answer), the pad's
// timeout and cancel as CKR_FUNCTION_CANCELED, a PIN given on a pad token still sent by VERIFY,
// and NULL_PTR without a pad answered CKR_ARGUMENTS_BAD as before.
#include "groups.hpp"

#include "fixture.hpp"

#include "tscns/vcard/virtual_card.hpp"

using namespace tscns;
using namespace tscns::pkcs11;
using namespace tscns::pkcs11::test;
using tscns::test::Checker;

namespace {

void flagCheck(Fixture* f, bool pad)
{
    TSCNS_CHECK([&](Checker& c) {
        const CK_TOKEN_INFO t = f->module->tokenInfo(0);
        c.eq((t.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0, pad,
            pad ? "flag with the pad" : "no flag without the pad");
        c.that((t.flags & CKF_LOGIN_REQUIRED) != 0, "login still required");
    });
}

void flag_withPad(void** state)
{
    flagCheck(fx(state), true);
}

void flag_withoutPad(void** state)
{
    flagCheck(fx(state), false);
}

void padLogin_nullPin_ok(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const std::size_t before = f->provider->apduCount(0);
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_OK, "login on the pad");
        c.eq(f->pad->calls, 1, "one pad request");
        c.eq(f->provider->apduCount(0) - before, 1, "one APDU (the pad's VERIFY)");
        c.that(f->provider->card(0)->pinVerified(), "PIN verified on the card");
        c.eq(m.sessionInfo(s).state, CKS_RO_USER_FUNCTIONS, "user session");
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_USER_ALREADY_LOGGED_IN, "twice");
        c.eq(f->pad->calls, 1, "no second pad request");
        m.logout(s);
        c.that(!f->provider->card(0)->pinVerified(), "logout resets the card");
    });
}

void padLogin_wrongPin_triesLeftFlags(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        f->pad->typed = "54321";
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_PIN_INCORRECT, "wrong PIN");
        c.eq(f->pad->calls, 1, "one pad request, not retried");
        c.eq(f->provider->card(0)->pinTriesLeft(), 2, "one try spent");
        CK_FLAGS fl = m.tokenInfo(0).flags;
        c.that((fl & CKF_USER_PIN_COUNT_LOW) != 0, "COUNT_LOW");
        c.that((fl & CKF_USER_PIN_FINAL_TRY) == 0, "not FINAL_TRY yet");
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_PIN_INCORRECT, "wrong again");
        fl = m.tokenInfo(0).flags;
        c.that((fl & CKF_USER_PIN_FINAL_TRY) != 0, "FINAL_TRY");
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_PIN_LOCKED, "third: locked");
        c.that((m.tokenInfo(0).flags & CKF_USER_PIN_LOCKED) != 0, "LOCKED");
        c.eq(f->pad->calls, 3, "one pad request per C_Login");
        c.eq(m.sessionInfo(s).state, CKS_RO_PUBLIC_SESSION, "still public");
    });
}

void padLogin_timeoutAndCancel_functionCanceled(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const std::size_t before = f->provider->apduCount(0);
        f->pad->padAnswer = cns::pad_sw::kTimeout;
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_FUNCTION_CANCELED, "timeout");
        f->pad->padAnswer = cns::pad_sw::kCancelled;
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_FUNCTION_CANCELED, "cancel");
        f->pad->padAnswer = cns::pad_sw::kBadParameter;
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_DEVICE_ERROR, "6B80");
        c.eq(f->pad->calls, 3, "one pad request each");
        c.eq(f->provider->apduCount(0), before, "nothing reached the card");
        c.eq(f->provider->card(0)->pinTriesLeft(), 3, "no try spent");
        c.eq(m.tokenInfo(0).flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED), 0UL,
            "no tries-left flags");
        c.eq(m.sessionInfo(s).state, CKS_RO_PUBLIC_SESSION, "still public");
        f->pad->padAnswer.reset();
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_OK, "then typed");
    });
}

void padToken_pinGiven_stillVerify(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        c.noThrow([&] { loginUser(m, s); }, "C_Login with a PIN");
        c.eq(f->pad->calls, 0, "the pad is not used");
        c.that(f->provider->card(0)->pinVerified(), "verified by VERIFY");
        m.logout(s);
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_SO); }), CKR_ARGUMENTS_BAD, "SO on the pad");
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_CONTEXT_SPECIFIC); }),
            CKR_OPERATION_NOT_INITIALIZED, "context specific without an operation");
        expectRv(c, rvOf([&] { m.loginOnPad(s + 100, CKU_USER); }), CKR_ARGUMENTS_BAD,
            "unknown session");
        c.eq(f->pad->calls, 0, "still no pad request");
    });
}

void noPad_nullPin_argumentsBad(void** state)
{
    Fixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        Module& m = *f->module;
        const CK_SESSION_HANDLE s = open(m, 0);
        const std::size_t before = f->provider->apduCount(0);
        expectRv(c, rvOf([&] { m.loginOnPad(s, CKU_USER); }), CKR_ARGUMENTS_BAD, "no pad");
        c.eq(f->provider->apduCount(0), before, "no APDU");
        c.eq(m.sessionInfo(s).state, CKS_RO_PUBLIC_SESSION, "still public");
    });
}

} // namespace

int runPinPadTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(flag_withoutPad, stSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(flag_withPad, stPadSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(padLogin_nullPin_ok, stPadSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            padLogin_wrongPin_triesLeftFlags, stPadSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(
            padLogin_timeoutAndCancel_functionCanceled, stPadSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(padToken_pinGiven_stillVerify, stPadSetup, fixtureTeardown),
        cmocka_unit_test_setup_teardown(noPad_nullPin_argumentsBad, stSetup, fixtureTeardown),
    };
    return cmocka_run_group_tests_name("pkcs11 pin pad", tests, imagesSetup, imagesTeardown);
}
