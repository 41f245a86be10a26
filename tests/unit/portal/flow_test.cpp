// SPDX-License-Identifier: LGPL-2.1-or-later
// LoginFlow and DbChallengeStore on SQLite in memory with a fake clock: what needs time to pass
// (provisional password and SMS code expiry, throttle delays) and the challenge store's rules.
#include "groups.hpp"
#include "sample.hpp"

#include "auth/login_flow.hpp"
#include "auth/secrets.hpp"
#include "db/schema.hpp"
#include "store/db_challenge_store.hpp"

#include <memory>

// Last: it brings cmocka, whose fail() macro clashes with standard headers.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::portal;
using tscns::test::Checker;

namespace {

struct FlowFixture {
    std::int64_t now = 1'800'000'000'000;
    std::unique_ptr<Database> db;
    std::unique_ptr<PortalStore> store;
    std::unique_ptr<SmsSender> sms;
    std::unique_ptr<DbChallengeStore> challenges;
    std::unique_ptr<LoginFlow> flow;

    std::string lastCode(const std::string& kind)
    {
        std::string code;
        for (const auto& e : store->outbox())
            if (e.kind == kind) code = e.code;
        return code;
    }
};

FlowFixture* fx(void** state)
{
    return static_cast<FlowFixture*>(*state);
}

int setup(void** state)
{
    auto* f = new FlowFixture;
    try {
        f->db = openDatabase("sqlite::memory:");
        migrate(*f->db);
        f->store = std::make_unique<PortalStore>(*f->db, [f] { return f->now; });
        f->sms = makeOutboxSender(*f->store);
        f->challenges = std::make_unique<DbChallengeStore>(
            *f->db, [f] { return verifier::TimePoint(std::chrono::milliseconds(f->now)); });
        FlowSettings s;
        s.origin = "https://portal.test.example";
        f->flow = std::make_unique<LoginFlow>(*f->store, *f->sms, *f->challenges, nullptr, s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flow setup failed: %s\n", e.what());
        delete f;
        return -1;
    }
    *state = f;
    return 0;
}

int teardown(void** state)
{
    delete fx(state);
    return 0;
}

Registration sample()
{
    return tscns::portal::test::sampleRegistration();
}

void flow_provisionalPassword_expiresAndIsSingleUse(void** state)
{
    FlowFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Registered r = f->flow->registerAccount(sample());
        const std::string full = r.provisionalFirstHalf + f->lastCode("provisional-password");
        c.eq(full.size(), 10, "10 characters");
        f->now += f->flow->settings().provisionalTtlMs + 1;
        c.eq(f->flow->checkPassword(r.userId, full, "t").result,
            PasswordStep::Result::ProvisionalExpired, "expired");
        // Change the last character to another one (the password is random: it may end in 'Z').
        const char other = full.back() == 'Z' ? 'Y' : 'Z';
        c.eq(f->flow->checkPassword(r.userId, full.substr(0, 9) + other, "t").result,
            PasswordStep::Result::Refused, "wrong one refused, expiry not told");
    });
}

void flow_provisionalPassword_worksOnce(void** state)
{
    FlowFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Registered r = f->flow->registerAccount(sample());
        const std::string full = r.provisionalFirstHalf + f->lastCode("provisional-password");
        c.eq(f->flow->checkPassword(r.userId, full, "t").result,
            PasswordStep::Result::NewPasswordRequired, "first use");
        c.eq(f->flow->checkPassword(r.userId, full, "t").result, PasswordStep::Result::Refused,
            "second use");
    });
}

void flow_smsCode_expiresAfterFiveMinutes(void** state)
{
    FlowFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Registered r = f->flow->registerAccount(sample());
        const auto card = f->store->cardByUserId(r.userId);
        c.that(card.has_value(), "card stored");
        if (!card) return;
        c.that(f->flow->sendCode("login-1", card->accountId), "code sent");
        const std::string code = f->lastCode("otp");
        f->now += PortalStore::kCodeTtlMs;
        c.eq(f->flow->checkCode("login-1", card->accountId, code).result, CodeStep::Result::Expired,
            "after 5 minutes");
        c.that(f->flow->sendCode("login-1", card->accountId), "second code");
        const std::string code2 = f->lastCode("otp");
        c.eq(f->flow->checkCode("login-2", card->accountId, code2).result,
            CodeStep::Result::Expired, "bound to its login");
        c.eq(f->flow->checkCode("login-1", card->accountId, code2).result,
            CodeStep::Result::Accepted, "in time, same login");
        c.that(f->flow->sendCode("login-1", card->accountId), "third code");
        c.that(!f->flow->sendCode("login-1", card->accountId), "resend limit per login");
    });
}

void flow_passwordThrottle_endsAfterTheDelay(void** state)
{
    FlowFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Registered r = f->flow->registerAccount(sample());
        for (int i = 0; i < 5; ++i)
            f->flow->checkPassword(r.userId, "wrong-password", "t");
        const PasswordStep slowed = f->flow->checkPassword(r.userId, "x", "t");
        c.eq(slowed.result, PasswordStep::Result::Throttled, "slowed down");
        c.that(slowed.retryAt - f->now <= 15 * 60'000, "never longer than 15 minutes");
        f->now = slowed.retryAt + 1;
        c.eq(f->flow->checkPassword(r.userId, "wrong-again", "t").result,
            PasswordStep::Result::Refused, "tries again after the delay");
    });
}

void flow_auditLog_masksIdentifiersAndHoldsNoSecret(void** state)
{
    FlowFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const Registered r = f->flow->registerAccount(sample());
        const std::string provisional
            = r.provisionalFirstHalf + f->lastCode("provisional-password");
        f->flow->checkPassword(r.userId, "wrong-password-123", "198.51.100.7");
        f->flow->checkPassword("5550001111", "other-guess-456", "198.51.100.7");
        const PasswordStep ok = f->flow->checkPassword(r.userId, provisional, "198.51.100.7");
        c.that(!f->flow
                    ->setNewPassword(
                        ok.accountId, r.userId, "una frase lunga e sua", "una frase lunga e sua")
                    .has_value(),
            "new password set");
        // A reason quoting codici fiscali (the verifier's identity mismatch does) is masked.
        f->store->audit("card-failed", "******7890", "198.51.100.7",
            "certified codice fiscale BRNNDR64T07D612S is not the account's \"RSSMRA85T10A562S\"");
        c.eq(maskCodiciFiscali("cf RSSMRA85T1LA562S, not XRSSMRA85T10A562S"),
            "cf RSS*********562S, not XRSSMRA85T10A562S", "omocodia masked, longer words kept");
        const SqlResult rows = f->db->exec("SELECT event, subject, address, detail FROM audit_log");
        c.that(rows.rows.size() >= 5, "every event logged");
        for (const SqlRow& row : rows.rows) {
            const std::string line = row.text(0) + " " + row.text(1) + " " + row.text(3);
            for (const std::string secret :
                { provisional, std::string("wrong-password-123"), std::string("other-guess-456"),
                    std::string("una frase lunga e sua"), std::string("RSSMRA85T10A562S"),
                    std::string("BRNNDR64T07D612S"), r.userId, std::string("5550001111") })
                c.that(line.find(secret) == std::string::npos,
                    "audit line without " + secret + ": " + line);
        }
        bool masked = false;
        for (const SqlRow& row : rows.rows)
            masked = masked || row.text(1) == "******7890";
        c.that(masked, "the user ID appears masked as ******7890");
    });
}

void challengeStore_singleUseAndThreeFailures(void** state)
{
    FlowFixture* f = fx(state);
    TSCNS_CHECK([&](Checker& c) {
        const std::string ch
            = f->challenges->issue("login-a", "https://portal.test.example", "fse-login-2fa");
        c.eq(ch.size(), 43, "43 characters");
        const auto first = f->challenges->take("login-a");
        c.eq(first.status, verifier::TakeStatus::Taken, "taken");
        c.eq(first.record ? first.record->challenge : std::string(), ch,
            "take gives the issued challenge");
        c.eq(first.record ? first.record->origin : std::string(), "https://portal.test.example",
            "and its origin");
        c.eq(first.record ? first.record->context : std::string(), "fse-login-2fa",
            "and its context");
        c.eq(first.record ? first.record->failedAttempts : 0, 1,
            "the take charged the attempt (ChallengeStore::take)");
        c.eq(f->challenges->take("login-a").status, verifier::TakeStatus::Missing, "single use");
        f->challenges->issue("login-a", "https://portal.test.example", "fse-login-2fa");
        f->now += 121'000;
        const auto expired = f->challenges->take("login-a");
        c.eq(expired.status, verifier::TakeStatus::Expired, "TTL 120 s");
        c.eq(expired.record ? expired.record->failedAttempts : 0, 2, "an expired take counts too");
        c.eq(f->challenges->recordFailure("login-a"), 3, "a failure outside a take: three");
        c.throws(
            Errc::NotLoggedIn,
            [&] {
                f->challenges->issue("login-a", "https://portal.test.example", "fse-login-2fa");
            },
            "a dropped login gets no new challenge");
        c.eq(f->challenges->take("login-a").status, verifier::TakeStatus::TooManyAttempts,
            "dropped");
    });
}

void secrets_passwordPolicy(void** state)
{
    (void)state;
    TSCNS_CHECK([&](Checker& c) {
        PasswordContext ctx;
        ctx.personalWords = { "1234567890", "RSSMRA85T10A562S", "Mario", "Rossi" };
        c.that(passwordProblem("short", ctx).has_value(), "too short");
        c.that(passwordProblem("password", ctx).has_value(), "blocklisted");
        c.that(passwordProblem("aaaaaaaaaa", ctx).has_value(), "one character repeated");
        c.that(passwordProblem("mario-e-la-sua-bici", ctx).has_value(), "personal word");
        c.that(!passwordProblem("una frase lunga e sua", ctx).has_value(), "a passphrase");
        c.that(!passwordProblem("perch\xc3\xa9 no, gi\xc3\xa0", ctx).has_value(), "UTF-8 accepted");
        c.that(passwordProblem("bad\x01"
                               "control",
                   ctx)
                   .has_value(),
            "control characters");
        c.that(passwordProblem(std::string(129, 'x') + "y", ctx).has_value(), "too long");
        const std::string h = hashPassword("una frase lunga e sua");
        c.that(h.starts_with("$argon2id$"), "argon2id");
        c.that(verifyPassword(h, "una frase lunga e sua"), "verifies");
        c.that(!verifyPassword(h, "una frase lunga e tua"), "wrong one");
        c.that(!verifyPassword("", "anything"), "no hash never matches");
    });
}

} // namespace

int runFlowTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            flow_provisionalPassword_expiresAndIsSingleUse, setup, teardown),
        cmocka_unit_test_setup_teardown(flow_provisionalPassword_worksOnce, setup, teardown),
        cmocka_unit_test_setup_teardown(flow_smsCode_expiresAfterFiveMinutes, setup, teardown),
        cmocka_unit_test_setup_teardown(flow_passwordThrottle_endsAfterTheDelay, setup, teardown),
        cmocka_unit_test_setup_teardown(
            flow_auditLog_masksIdentifiersAndHoldsNoSecret, setup, teardown),
        cmocka_unit_test_setup_teardown(challengeStore_singleUseAndThreeFailures, setup, teardown),
        cmocka_unit_test(secrets_passwordPolicy),
    };
    return cmocka_run_group_tests_name("flow", tests, nullptr, nullptr);
}
