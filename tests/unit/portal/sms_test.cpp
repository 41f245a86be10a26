// SPDX-License-Identifier: LGPL-2.1-or-later
// The HTTP gateway sender against a fake gateway in this process (cpp-httplib on 127.0.0.1, any
// port): the JSON body, the bearer token, retries after a 5xx and after a timeout, none after a
// 4xx, the error after the last try; and what a login does when the gateway is down: the desk
// records nothing, the code step fails with an error page and the user can log in once it is back.
#include "groups.hpp"
#include "sample.hpp"

#include "auth/login_flow.hpp"
#include "db/schema.hpp"
#include "sms/sms_sender.hpp"
#include "store/db_challenge_store.hpp"
#include "web/portal_app.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

// Last: it brings cmocka, whose fail() macro clashes with standard headers.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::portal;
using tscns::test::Checker;

namespace {

/// An SMS gateway on 127.0.0.1: records every POST to /sms and answers as planned (status, and a
/// delay before answering), then with `fallback`.
class FakeGateway {
public:
    struct Seen {
        std::string contentType;
        std::string authorization;
        std::string body;
    };
    struct Answer {
        int status = 200;
        int delayMs = 0;
    };

    FakeGateway()
    {
        server_.Post("/sms", [this](const httplib::Request& req, httplib::Response& res) {
            Answer a;
            {
                const std::lock_guard<std::mutex> lock(mutex_);
                seen_.push_back({ req.get_header_value("Content-Type"),
                    req.get_header_value("Authorization"), req.body });
                if (plan_.empty()) {
                    a = fallback_;
                } else {
                    a = plan_.front();
                    plan_.pop_front();
                }
            }
            if (a.delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(a.delayMs));
            res.status = a.status;
            res.set_content(R"({"id":"fake"})", "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        if (port_ <= 0) throw Error(Errc::Transport, "the fake gateway cannot listen");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // stop() before the loop runs would be lost: wait for it.
        for (int i = 0; i < 500 && !server_.is_running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ~FakeGateway()
    {
        server_.stop();
        thread_.join();
    }
    FakeGateway(const FakeGateway&) = delete;
    FakeGateway& operator=(const FakeGateway&) = delete;

    [[nodiscard]] std::string url() const
    {
        return "http://127.0.0.1:" + std::to_string(port_) + "/sms";
    }
    void plan(Answer a)
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        plan_.push_back(a);
    }
    void fallback(Answer a)
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        fallback_ = a;
    }
    [[nodiscard]] std::vector<Seen> seen()
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        return seen_;
    }
    /// The `n` characters after "e' " in the text of the last message of `kind`: the password
    /// half or the code the portal's texts carry.
    [[nodiscard]] std::string lastCode(const std::string& kind)
    {
        std::string code;
        for (const Seen& s : seen()) {
            const auto j = nlohmann::json::parse(s.body, nullptr, false);
            if (!j.is_object() || j.value("kind", "") != kind) continue;
            const std::string text = j.value("text", "");
            const auto at = text.find("e' ");
            const std::size_t n = kind == "otp" ? 6 : 5;
            code = at == std::string::npos ? "" : text.substr(at + 3, n);
        }
        return code;
    }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mutex_;
    std::vector<Seen> seen_;
    std::deque<Answer> plan_;
    Answer fallback_;
};

/// Short timeouts, so that the whole group runs in a few seconds.
HttpGatewayOptions fastOptions(const std::string& url)
{
    HttpGatewayOptions o;
    o.url = url;
    o.timeout = std::chrono::milliseconds(300);
    o.attempts = 3;
    o.backoff = std::chrono::milliseconds(20);
    return o;
}

SmsMessage sampleMessage()
{
    return { "+39 333 0000001", "otp", "Fascicolo Sanitario: il codice di accesso e' 123456.",
        "123456" };
}

void gateway_postsJsonWithContentTypeAndBearerToken(void**)
{
    TSCNS_CHECK([](Checker& c) {
        FakeGateway g;
        HttpGatewayOptions o = fastOptions(g.url());
        o.bearerToken = "s3cret-token";
        c.noThrow([&] { makeHttpGatewaySender(o)->send(sampleMessage()); }, "2xx is success");
        const auto seen = g.seen();
        c.eq(seen.size(), 1, "one request");
        if (seen.size() != 1) return;
        c.that(seen[0].contentType.starts_with("application/json"),
            "Content-Type application/json: " + seen[0].contentType);
        c.eq(seen[0].authorization, std::string("Bearer s3cret-token"), "bearer token");
        const auto j = nlohmann::json::parse(seen[0].body, nullptr, false);
        c.that(j.is_object(), "a JSON object: " + seen[0].body);
        if (!j.is_object()) return;
        c.eq(j.size(), 3, "exactly to, text, kind (the code travels only in the text)");
        c.eq(j.value("to", ""), std::string("+39 333 0000001"), "to");
        c.eq(j.value("kind", ""), std::string("otp"), "kind");
        c.eq(j.value("text", ""), sampleMessage().text, "text");

        // Without a token: no Authorization header at all; a 202 is a success too.
        g.plan({ 202, 0 });
        c.noThrow([&] { makeHttpGatewaySender(fastOptions(g.url()))->send(sampleMessage()); },
            "202 is success");
        const auto again = g.seen();
        c.that(again.size() == 2 && again[1].authorization.empty(), "no token, no Authorization");
    });
}

void gateway_retriesAfterA5xx(void**)
{
    TSCNS_CHECK([](Checker& c) {
        FakeGateway g;
        g.plan({ 503, 0 });
        g.plan({ 500, 0 });
        c.noThrow([&] { makeHttpGatewaySender(fastOptions(g.url()))->send(sampleMessage()); },
            "delivered at the third try");
        const auto seen = g.seen();
        c.eq(seen.size(), 3, "three requests");
        if (seen.size() == 3) c.eq(seen[2].body, seen[0].body, "the same body each time");
    });
}

void gateway_retriesAfterATimeout(void**)
{
    TSCNS_CHECK([](Checker& c) {
        FakeGateway g;
        g.plan({ 200, 900 }); // answers after the sender's 300 ms
        const auto start = std::chrono::steady_clock::now();
        c.noThrow([&] { makeHttpGatewaySender(fastOptions(g.url()))->send(sampleMessage()); },
            "delivered at the second try");
        const auto took = std::chrono::steady_clock::now() - start;
        c.eq(g.seen().size(), 2, "two requests");
        c.that(took < std::chrono::milliseconds(850), "the first try was cut at the timeout");
    });
}

void gateway_givesUpAfterTheConfiguredTries(void**)
{
    TSCNS_CHECK([](Checker& c) {
        FakeGateway g;
        g.fallback({ 503, 0 });
        HttpGatewayOptions o = fastOptions(g.url() + "?key=do-not-log");
        o.attempts = 4;
        const auto e = c.throws(
            Errc::Transport, [&] { makeHttpGatewaySender(o)->send(sampleMessage()); },
            "every try failed", "HTTP 503 (4 tries)");
        c.eq(g.seen().size(), 4, "as many requests as tries");
        if (e) {
            c.contains(e->message(), g.url(), "the message names the gateway");
            c.that(e->message().find("do-not-log") == std::string::npos,
                "but not its query: " + e->message());
            c.that(e->message().find("123456") == std::string::npos, "nor the text");
        }

        // Timeouts only: the same, with the reason.
        FakeGateway slow;
        slow.fallback({ 200, 700 });
        HttpGatewayOptions s = fastOptions(slow.url());
        s.attempts = 2;
        c.throws(
            Errc::Transport, [&] { makeHttpGatewaySender(s)->send(sampleMessage()); },
            "no answer in time", "no answer within 300 ms (2 tries)");
    });
}

void gateway_doesNotRetryA4xx(void**)
{
    TSCNS_CHECK([](Checker& c) {
        FakeGateway g;
        g.fallback({ 400, 0 });
        c.throws(
            Errc::Transport,
            [&] { makeHttpGatewaySender(fastOptions(g.url()))->send(sampleMessage()); },
            "a 400 is final", "HTTP 400 (1 try)");
        c.eq(g.seen().size(), 1, "one request only");
        g.fallback({ 401, 0 });
        c.throws(
            Errc::Transport,
            [&] { makeHttpGatewaySender(fastOptions(g.url()))->send(sampleMessage()); },
            "a 401 (wrong token) is final", "HTTP 401 (1 try)");
        c.eq(g.seen().size(), 2, "one request more");
    });
}

void gateway_noServerAndBadUrls(void**)
{
    TSCNS_CHECK([](Checker& c) {
        std::string url;
        {
            FakeGateway gone;
            url = gone.url();
        }
        HttpGatewayOptions o = fastOptions(url);
        o.attempts = 2;
        c.throws(
            Errc::Transport, [&] { makeHttpGatewaySender(o)->send(sampleMessage()); },
            "nobody listens", "cannot connect (2 tries)");
        for (const char* bad : { "ftp://127.0.0.1/sms", "127.0.0.1:8080/sms", "http://", "" }) {
            HttpGatewayOptions b = fastOptions(bad);
            c.throws(
                Errc::BadArgument, [&] { (void)makeHttpGatewaySender(b); },
                std::string("refused URL \"") + bad + "\"", "http(s)://");
        }
    });
}

// ---- the login flow over the gateway

struct Portal {
    std::unique_ptr<Database> db;
    std::unique_ptr<PortalStore> store;
    std::unique_ptr<SmsSender> sms;
    std::unique_ptr<DbChallengeStore> challenges;
    std::unique_ptr<LoginFlow> flow;
    std::unique_ptr<PortalApp> app;

    explicit Portal(const std::string& gatewayUrl)
    {
        db = openDatabase("sqlite::memory:");
        migrate(*db);
        store = std::make_unique<PortalStore>(*db);
        sms = makeHttpGatewaySender(fastOptions(gatewayUrl));
        challenges = std::make_unique<DbChallengeStore>(*db);
        FlowSettings fs;
        fs.origin = "https://portal.test.example";
        flow = std::make_unique<LoginFlow>(*store, *sms, *challenges, nullptr, fs);
        AppSettings as;
        as.origin = fs.origin;
        app = std::make_unique<PortalApp>(*flow, *store, as);
    }

    [[nodiscard]] std::size_t audits(const std::string& event)
    {
        const SqlResult r = db->exec("SELECT COUNT(*) FROM audit_log WHERE event = $1", { event });
        return r.rows.empty() ? 0 : static_cast<std::size_t>(r.rows[0].integer(0));
    }
};

/// A browser without JavaScript: the session cookie and the csrf field of the last page.
struct Browser {
    PortalApp& app;
    std::string cookie;
    std::string csrf;
    HttpResponse last;

    HttpResponse& go(const std::string& method, const std::string& path,
        std::map<std::string, std::string> form = {})
    {
        HttpRequest r;
        r.method = method;
        r.path = path;
        r.remoteAddress = "127.0.0.1";
        if (!cookie.empty())
            r.headers.emplace("cookie", std::string(kSessionCookie) + "=" + cookie);
        if (method == "POST") {
            form.emplace("csrf", csrf);
            r.headers.emplace("content-type", "application/x-www-form-urlencoded");
            r.form = std::move(form);
        }
        last = app.handle(r);
        for (const auto& [k, v] : last.headers) {
            const std::string prefix = std::string(kSessionCookie) + "=";
            if (k == "Set-Cookie" && v.starts_with(prefix))
                cookie = v.substr(prefix.size(), v.find(';') - prefix.size());
        }
        const std::string field = "name=\"csrf\" value=\"";
        if (const auto at = last.body.find(field); at != std::string::npos) {
            const auto from = at + field.size();
            csrf = last.body.substr(from, last.body.find('"', from) - from);
        }
        return last;
    }
    [[nodiscard]] std::string where() const
    {
        return std::to_string(last.status) + " " + last.header("Location");
    }
};

Registration sample()
{
    return tscns::portal::test::sampleRegistration();
}

void flow_deskRecordsNothingWhenTheSmsFails(void**)
{
    TSCNS_CHECK([](Checker& c) {
        FakeGateway g;
        Portal p(g.url());
        g.fallback({ 503, 0 });
        const auto e = c.throws(
            Errc::Transport, [&] { (void)p.flow->registerAccount(sample()); }, "the desk is told",
            "nothing was registered");
        if (e) c.contains(e->message(), "HTTP 503 (3 tries)", "with the gateway's answer");
        c.that(!p.store->accountByCf("RSSMRA85T10A562S"), "no account recorded");
        c.eq(p.audits("sms-failed"), 1, "the failure audited");
        g.fallback({ 200, 0 });
        c.noThrow([&] { (void)p.flow->registerAccount(sample()); }, "the desk tries again");
        c.eq(g.lastCode("provisional-password").size(), 5, "the second half reached the mobile");
    });
}

void flow_loginWhenTheGatewayIsDown(void**)
{
    TSCNS_CHECK([](Checker& c) {
        FakeGateway g;
        Portal p(g.url());
        const Registered r = p.flow->registerAccount(sample());
        const std::string provisional = r.provisionalFirstHalf + g.lastCode("provisional-password");
        const std::string password = "una frase lunga e sua";

        Browser b { *p.app, {}, {}, {} };
        b.go("GET", "/login");
        b.go("POST", "/login", { { "user_id", r.userId }, { "password", provisional } });
        c.eq(b.where(), std::string("303 /login/new-password"), "provisional password");
        b.go("GET", "/login/new-password");

        // The gateway goes down: the new password is kept, the code cannot be sent.
        g.fallback({ 503, 0 });
        b.go("POST", "/login/new-password",
            { { "new_password", password }, { "new_password_confirm", password } });
        c.eq(b.last.status, 503, "the code page with an error, not a redirect: " + b.where());
        c.that(b.last.body.find("inviare il codice SMS") != std::string::npos,
            "it says the SMS was not sent");
        c.eq(p.audits("sms-failed"), 1, "the failure audited");
        // The page came with the new session's cookie: once the gateway is back, a resend from
        // it completes the first access.
        g.fallback({ 200, 0 });
        b.go("POST", "/login/otp/send");
        c.eq(b.where(), std::string("303 /login/otp"), "resend from the error page");
        b.go("GET", "/login/otp");
        b.go("POST", "/login/otp", { { "code", g.lastCode("otp") } });
        c.eq(b.where(), std::string("303 /home"), "first access completed after the failure");
        g.fallback({ 503, 0 });

        // The code step from the second factor page: an error page again, no crash.
        Browser b2 { *p.app, {}, {}, {} };
        b2.go("GET", "/login");
        b2.go("POST", "/login", { { "user_id", r.userId }, { "password", password } });
        c.eq(b2.where(), std::string("303 /login/second-factor"), "the new password was kept");
        b2.go("GET", "/login/second-factor");
        b2.go("POST", "/login/otp/send");
        c.eq(b2.last.status, 503, "send code while down: an error page: " + b2.where());
        c.that(b2.last.body.find("inviare il codice SMS") != std::string::npos,
            "the second-factor page says the SMS was not sent");

        // Back up: a new login completes with the code the gateway received.
        g.fallback({ 200, 0 });
        Browser b3 { *p.app, {}, {}, {} };
        b3.go("GET", "/login");
        b3.go("POST", "/login", { { "user_id", r.userId }, { "password", password } });
        b3.go("GET", "/login/second-factor");
        b3.go("POST", "/login/otp/send");
        c.eq(b3.where(), std::string("303 /login/otp"), "code sent");
        b3.go("GET", "/login/otp");
        b3.go("POST", "/login/otp", { { "code", g.lastCode("otp") } });
        c.eq(b3.where(), std::string("303 /home"), "logged in once the gateway is back");
    });
}

} // namespace

int runSmsTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gateway_postsJsonWithContentTypeAndBearerToken),
        cmocka_unit_test(gateway_retriesAfterA5xx),
        cmocka_unit_test(gateway_retriesAfterATimeout),
        cmocka_unit_test(gateway_givesUpAfterTheConfiguredTries),
        cmocka_unit_test(gateway_doesNotRetryA4xx),
        cmocka_unit_test(gateway_noServerAndBadUrls),
        cmocka_unit_test(flow_deskRecordsNothingWhenTheSmsFails),
        cmocka_unit_test(flow_loginWhenTheGatewayIsDown),
    };
    return cmocka_run_group_tests_name("sms", tests, nullptr, nullptr);
}
