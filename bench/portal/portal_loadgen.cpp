// SPDX-License-Identifier: LGPL-2.1-or-later
// tscns-bench-portal-loadgen: the load generator of bench/portal_bench.sh (not a test). Browsers
// without JavaScript (one cookie jar per login, keep-alive HTTPS connections to every instance)
// log in to tscns-portal with password + SMS code, or password + card through tscnsd, and the
// program reports logins per second and the latency of a whole login. The SMS code is read from
// the portal's outbox table directly (SQLite read-only, or libpq), as the fastest way to "read
// the phone". See bench/README.md.
#include "tscns/cns/codice_fiscale.hpp"

#include <httplib.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(Usage:
  tscns-bench-portal-loadgen accounts --count K [--first N]
      prints K lines "CF CARD_NUMBER MOBILE" of distinct, valid test identities
  tscns-bench-portal-loadgen first-access --base URL... --db DB --accounts FILE --password PW
                                          [--clients N]
      FILE: lines "USER_ID PROVISIONAL_PASSWORD MOBILE"; sets PW as every account's password
  tscns-bench-portal-loadgen sms --base URL... --db DB --accounts FILE --password PW
                                 [--clients N] [--seconds S] [--max-per-account M]
      timed logins with password + SMS code (M codes at most per account: the portal's limit)
  tscns-bench-portal-loadgen card --base URL... --user ID --password PW --tscnsd-port P
                                  [--origin URL] [--seconds S]
      timed logins with password + card, one at a time (one card)

--base may be given more than once: the requests of every login alternate between the
instances (round robin per request). --db is the portal's database (sqlite:PATH or a
PostgreSQL conninfo) for reading the SMS outbox. --origin: the portal's public origin (the
Origin header of the card step's JSON requests and of the call to tscnsd; default the first
--base). sms and card print one JSON object: logins, failures, seconds, loginsPerSecond, p50Ms,
p99Ms, exhausted (the accounts' SMS budget ran out before the time), errors (step -> count).
)";

struct Options {
    std::string mode;
    std::vector<std::string> bases;
    std::string db;
    std::string accountsFile;
    std::string password;
    std::string user;
    std::string origin;
    int clients = 4;
    double seconds = 10;
    int maxPerAccount = 10;
    int tscnsdPort = 0;
    int count = 0;
    int first = 0;
};

[[noreturn]] void usage(int rc)
{
    (rc == 0 ? std::cout : std::cerr) << kUsage;
    std::exit(rc);
}

Options parseOptions(int argc, char** argv)
{
    if (argc < 2) usage(2);
    Options o;
    o.mode = argv[1];
    if (o.mode == "-h" || o.mode == "--help") usage(0);
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") usage(0);
        if (i + 1 >= argc) {
            std::cerr << "portal-loadgen: " << a << " needs a value\n";
            usage(2);
        }
        const std::string v = argv[++i];
        try {
            if (a == "--base")
                o.bases.push_back(v);
            else if (a == "--db")
                o.db = v;
            else if (a == "--accounts")
                o.accountsFile = v;
            else if (a == "--password")
                o.password = v;
            else if (a == "--user")
                o.user = v;
            else if (a == "--origin")
                o.origin = v;
            else if (a == "--clients")
                o.clients = std::stoi(v);
            else if (a == "--seconds")
                o.seconds = std::stod(v);
            else if (a == "--max-per-account")
                o.maxPerAccount = std::stoi(v);
            else if (a == "--tscnsd-port")
                o.tscnsdPort = std::stoi(v);
            else if (a == "--count")
                o.count = std::stoi(v);
            else if (a == "--first")
                o.first = std::stoi(v);
            else {
                std::cerr << "portal-loadgen: unknown option " << a << "\n";
                usage(2);
            }
        } catch (const std::logic_error&) {
            std::cerr << "portal-loadgen: bad value for " << a << ": " << v << "\n";
            usage(2);
        }
    }
    if (o.clients < 1 || o.clients > 256 || o.seconds <= 0 || o.maxPerAccount < 1) {
        std::cerr << "portal-loadgen: --clients 1-256, --seconds > 0, --max-per-account >= 1\n";
        usage(2);
    }
    if (o.origin.empty() && !o.bases.empty()) o.origin = o.bases.front();
    return o;
}

// ---- Small helpers

std::int64_t wallMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// A failed step of a login: `what` names the step and the answer ("POST /login/otp 500").
struct StepError : std::runtime_error {
    std::string detail;
    StepError(const std::string& what, std::string more)
        : std::runtime_error(what)
        , detail(std::move(more))
    {
    }
};

std::string formEncode(const std::vector<std::pair<std::string, std::string>>& fields)
{
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out.push_back('&');
        for (const std::string* s : { &name, &value }) {
            for (const char ch : *s) {
                const auto c = static_cast<unsigned char>(ch);
                if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
                    out.push_back(ch);
                } else if (c == ' ') {
                    out.push_back('+');
                } else {
                    out.push_back('%');
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 15]);
                }
            }
            if (s == &name) out.push_back('=');
        }
    }
    return out;
}

/// The text between `before` and the next double quote in `body` ("" when absent).
std::string quotedAfter(const std::string& body, const std::string& before)
{
    const std::size_t at = body.find(before);
    if (at == std::string::npos) return {};
    const std::size_t from = at + before.size();
    const std::size_t end = body.find('"', from);
    return end == std::string::npos ? std::string() : body.substr(from, end - from);
}

std::string csrfField(const std::string& body)
{
    return quotedAfter(body, R"(name="csrf" value=")");
}

std::string metaCsrf(const std::string& body)
{
    return quotedAfter(body, R"(<meta name="csrf-token" content=")");
}

struct Url {
    std::string host;
    int port = 0;
};

Url parseHttpsUrl(const std::string& s)
{
    const std::string scheme = "https://";
    if (!s.starts_with(scheme)) throw std::invalid_argument("not an https:// URL: " + s);
    const std::string rest = s.substr(scheme.size());
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos) return { rest, 443 };
    return { rest.substr(0, colon), std::stoi(rest.substr(colon + 1)) };
}

// ---- The SMS outbox: the last code sent to a mobile

class Outbox {
public:
    virtual ~Outbox() = default;
    /// The code of the newest message of KIND to TO written at or after SINCE_MS (wall clock, as
    /// the portal stamps it), or nothing.
    virtual std::optional<std::string> latest(
        const std::string& to, const std::string& kind, std::int64_t sinceMs)
        = 0;

    /// latest(), waiting up to about a second for the row to appear.
    std::string wait(const std::string& to, const std::string& kind, std::int64_t sinceMs)
    {
        for (int i = 0; i < 100; ++i) {
            if (auto code = latest(to, kind, sinceMs)) return *code;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        throw StepError("no " + kind + " SMS in the outbox", to);
    }
};

constexpr const char* kLatestSql
    = "SELECT code FROM sms_outbox WHERE recipient = $1 AND kind = $2 AND created_at >= $3"
      " ORDER BY created_at DESC, id DESC LIMIT 1";

class SqliteOutbox final : public Outbox {
public:
    explicit SqliteOutbox(const std::string& path)
    {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            throw std::runtime_error("cannot open " + path + ": " + sqlite3_errmsg(db_));
        sqlite3_busy_timeout(db_, 5000);
        if (sqlite3_prepare_v2(db_, kLatestSql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    }
    ~SqliteOutbox() override
    {
        sqlite3_finalize(stmt_);
        sqlite3_close(db_);
    }
    SqliteOutbox(const SqliteOutbox&) = delete;
    SqliteOutbox& operator=(const SqliteOutbox&) = delete;

    std::optional<std::string> latest(
        const std::string& to, const std::string& kind, std::int64_t sinceMs) override
    {
        sqlite3_reset(stmt_);
        sqlite3_bind_text(stmt_, 1, to.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt_, 2, kind.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(stmt_, 3, sinceMs);
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            const unsigned char* text = sqlite3_column_text(stmt_, 0);
            if (text != nullptr) return std::string(reinterpret_cast<const char*>(text));
            return std::nullopt;
        }
        if (rc != SQLITE_DONE) throw StepError("sqlite outbox read failed", sqlite3_errmsg(db_));
        return std::nullopt;
    }

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class PgOutbox final : public Outbox {
public:
    explicit PgOutbox(const std::string& conninfo)
        : conn_(PQconnectdb(conninfo.c_str()))
    {
        if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK)
            throw std::runtime_error(std::string("cannot connect to PostgreSQL: ")
                + (conn_ != nullptr ? PQerrorMessage(conn_) : "out of memory"));
    }
    ~PgOutbox() override { PQfinish(conn_); }
    PgOutbox(const PgOutbox&) = delete;
    PgOutbox& operator=(const PgOutbox&) = delete;

    std::optional<std::string> latest(
        const std::string& to, const std::string& kind, std::int64_t sinceMs) override
    {
        const std::string since = std::to_string(sinceMs);
        const char* params[] = { to.c_str(), kind.c_str(), since.c_str() };
        std::unique_ptr<PGresult, decltype(&PQclear)> r(
            PQexecParams(conn_, kLatestSql, 3, nullptr, params, nullptr, nullptr, 0), &PQclear);
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            throw StepError("postgresql outbox read failed", PQerrorMessage(conn_));
        if (PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0) != 0) return std::nullopt;
        return std::string(PQgetvalue(r.get(), 0, 0));
    }

private:
    PGconn* conn_;
};

std::unique_ptr<Outbox> openOutbox(const std::string& db)
{
    if (db.starts_with("sqlite:")) return std::make_unique<SqliteOutbox>(db.substr(7));
    return std::make_unique<PgOutbox>(db);
}

// ---- A browser without JavaScript: a cookie jar and one keep-alive connection per instance

struct Answer {
    int status = 0;
    std::string location;
    std::string body;
};

class Browser {
public:
    explicit Browser(const std::vector<std::string>& bases)
    {
        for (const std::string& b : bases) {
            const Url u = parseHttpsUrl(b);
            auto c = std::make_unique<httplib::SSLClient>(u.host, u.port);
            c->enable_server_certificate_verification(false); // the portal's self-signed cert
            c->set_keep_alive(true);
            c->set_tcp_nodelay(true); // as browsers and curl: no Nagle delay on small writes
            c->set_connection_timeout(5, 0);
            c->set_read_timeout(60, 0);
            c->set_write_timeout(30, 0);
            clients_.push_back(std::move(c));
        }
    }

    /// A new login: forget the cookies.
    void newSession() { cookies_.clear(); }

    Answer get(const std::string& path) { return send("GET", path, {}, {}, {}); }

    Answer postForm(
        const std::string& path, const std::vector<std::pair<std::string, std::string>>& fields)
    {
        return send("POST", path, formEncode(fields), "application/x-www-form-urlencoded", {});
    }

    Answer postJson(const std::string& path, const std::string& json, const std::string& csrf,
        const std::string& origin)
    {
        return send("POST", path, json, "application/json",
            { { "X-CSRF-Token", csrf }, { "Origin", origin } });
    }

private:
    Answer send(const std::string& method, const std::string& path, const std::string& body,
        const std::string& contentType, httplib::Headers headers)
    {
        httplib::SSLClient& c = *clients_[next_++ % clients_.size()];
        if (!cookies_.empty()) {
            std::string cookie;
            for (const auto& [name, value] : cookies_)
                cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
            headers.emplace("Cookie", cookie);
        }
        const httplib::Result r = method == "GET"
            ? c.Get(path, headers)
            : c.Post(path, headers, body, contentType.c_str());
        if (!r) throw StepError(method + " " + path + " " + httplib::to_string(r.error()), {});
        Answer a;
        a.status = r->status;
        a.location = r->get_header_value("Location");
        a.body = r->body;
        const auto range = r->headers.equal_range("Set-Cookie");
        for (auto it = range.first; it != range.second; ++it)
            keepCookie(it->second);
        return a;
    }

    void keepCookie(const std::string& header)
    {
        const std::string pair = header.substr(0, header.find(';'));
        const std::size_t eq = pair.find('=');
        if (eq == std::string::npos) return;
        const std::string name = pair.substr(0, eq);
        const std::string value = pair.substr(eq + 1);
        if (value.empty() || header.find("Max-Age=0") != std::string::npos)
            cookies_.erase(name);
        else
            cookies_[name] = value;
    }

    std::vector<std::unique_ptr<httplib::SSLClient>> clients_;
    std::size_t next_ = 0;
    std::map<std::string, std::string> cookies_;
};

/// Fails the login unless the answer is STATUS (and, for a 303, goes to LOCATION).
void expect(const Answer& a, const std::string& step, int status, const std::string& location = {})
{
    if (a.status == status && (location.empty() || a.location == location)) return;
    std::string what = step + " " + std::to_string(a.status);
    if (a.status == 303) what += " -> " + a.location;
    throw StepError(what, a.body.substr(0, 400));
}

std::string needCsrf(const Answer& a, const std::string& step)
{
    std::string t = csrfField(a.body);
    if (t.empty()) throw StepError(step + ": no csrf field", a.body.substr(0, 400));
    return t;
}

// ---- The logins

struct Account {
    std::string user;
    std::string secret; // the provisional password (first-access) or unused
    std::string mobile;
};

std::vector<Account> readAccounts(const std::string& file)
{
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);
    std::vector<Account> out;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream s(line);
        Account a;
        if (s >> a.user >> a.secret >> a.mobile) out.push_back(a);
    }
    if (out.empty()) throw std::runtime_error("no accounts in " + file);
    return out;
}

/// The password step; answers the page after it (303 target expected).
void passwordStep(Browser& b, const std::string& user, const std::string& password,
    const std::string& expectedNext)
{
    b.newSession();
    const Answer form = b.get("/login");
    expect(form, "GET /login", 200);
    const Answer p = b.postForm("/login",
        { { "user_id", user }, { "password", password },
            { "csrf", needCsrf(form, "GET /login") } });
    expect(p, "POST /login", 303, expectedNext);
}

// The code page: the SMS code sent after `since` (from the outbox), posted -> /home.
void codeStep(Browser& b, Outbox& outbox, const Account& a, std::int64_t since)
{
    const Answer otp = b.get("/login/otp");
    expect(otp, "GET /login/otp", 200);
    const std::string code = outbox.wait(a.mobile, "otp", since);
    const Answer done = b.postForm(
        "/login/otp", { { "code", code }, { "csrf", needCsrf(otp, "GET /login/otp") } });
    expect(done, "POST /login/otp", 303, "/home");
}

void firstAccess(Browser& b, Outbox& outbox, const Account& a, const std::string& newPassword)
{
    passwordStep(b, a.user, a.secret, "/login/new-password");
    const Answer np = b.get("/login/new-password");
    expect(np, "GET /login/new-password", 200);
    const std::int64_t since = wallMs();
    const Answer set = b.postForm("/login/new-password",
        { { "new_password", newPassword }, { "new_password_confirm", newPassword },
            { "csrf", needCsrf(np, "GET /login/new-password") } });
    expect(set, "POST /login/new-password", 303, "/login/otp");
    codeStep(b, outbox, a, since);
}

void homeStep(Browser& b, const std::string& amr)
{
    const Answer home = b.get("/home");
    expect(home, "GET /home", 200);
    if (home.body.find(amr) == std::string::npos)
        throw StepError("GET /home without '" + amr + "'", home.body.substr(0, 400));
}

void smsLogin(Browser& b, Outbox& outbox, const Account& a, const std::string& password)
{
    passwordStep(b, a.user, password, "/login/second-factor");
    const Answer choice = b.get("/login/second-factor");
    expect(choice, "GET /login/second-factor", 200);
    const std::int64_t since = wallMs();
    const Answer send = b.postForm(
        "/login/otp/send", { { "csrf", needCsrf(choice, "GET /login/second-factor") } });
    expect(send, "POST /login/otp/send", 303, "/login/otp");
    codeStep(b, outbox, a, since);
    homeStep(b, "pwd + otp");
}

nlohmann::json parseJson(const Answer& a, const std::string& step)
{
    nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw StepError(step + ": not a JSON object", a.body.substr(0, 400));
    return j;
}

void cardLogin(Browser& b, httplib::Client& tscnsd, const Options& o)
{
    passwordStep(b, o.user, o.password, "/login/second-factor");
    const Answer choice = b.get("/login/second-factor");
    expect(choice, "GET /login/second-factor", 200);
    const std::string csrf = metaCsrf(choice.body);
    if (csrf.empty()) throw StepError("GET /login/second-factor: no csrf-token", {});
    const Answer ch = b.postJson("/login/card/challenge", "{}", csrf, o.origin);
    expect(ch, "POST /login/card/challenge", 200);
    const nlohmann::json challenge = parseJson(ch, "POST /login/card/challenge");

    const nlohmann::json request = { { "challenge", challenge.value("challenge", "") },
        { "context", challenge.value("context", "") }, { "lang", "it" } };
    const httplib::Headers headers = { { "Origin", o.origin }, { "X-CNS-Client", "1" },
        { "Sec-Fetch-Site", "cross-site" }, { "Sec-Fetch-Mode", "cors" }, { "Accept", "*/*" } };
    const httplib::Result auth
        = tscnsd.Post("/v1/authenticate", headers, request.dump(), "application/json");
    if (!auth)
        throw StepError("POST tscnsd /v1/authenticate " + httplib::to_string(auth.error()), {});
    if (auth->status != 200)
        throw StepError("POST tscnsd /v1/authenticate " + std::to_string(auth->status),
            auth->body.substr(0, 400));
    const nlohmann::json token = nlohmann::json::parse(auth->body, nullptr, false);
    if (!token.is_object() || !token.contains("token"))
        throw StepError("tscnsd /v1/authenticate: no token", auth->body.substr(0, 400));

    const nlohmann::json verify = { { "token", token["token"] } };
    const Answer v = b.postJson("/login/card/verify", verify.dump(), csrf, o.origin);
    expect(v, "POST /login/card/verify", 200);
    if (parseJson(v, "POST /login/card/verify").value("redirect", "") != "/home")
        throw StepError("POST /login/card/verify: no redirect to /home", v.body.substr(0, 400));
    homeStep(b, "pwd + card");
}

// ---- Timed runs and their report

struct Tally {
    std::vector<double> latencies; // ms of each successful login
    std::map<std::string, int> errors;
    int failures = 0;
    bool exhausted = false;
    Clock::time_point lastEnd {};
};

std::mutex gLogMutex;
std::atomic<int> gLogged { 0 };

void recordFailure(Tally& t, const StepError& e)
{
    ++t.failures;
    ++t.errors[e.what()];
    if (gLogged.fetch_add(1) < 10) {
        const std::lock_guard<std::mutex> lock(gLogMutex);
        std::cerr << "portal-loadgen: login failed: " << e.what();
        if (!e.detail.empty()) std::cerr << "\n  " << e.detail;
        std::cerr << "\n";
    }
}

double percentile(const std::vector<double>& sorted, double p)
{
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

int report(const Options& o, std::vector<Tally>& tallies, Clock::time_point start)
{
    Tally all;
    for (Tally& t : tallies) {
        all.latencies.insert(all.latencies.end(), t.latencies.begin(), t.latencies.end());
        for (const auto& [k, n] : t.errors)
            all.errors[k] += n;
        all.failures += t.failures;
        all.exhausted = all.exhausted || t.exhausted;
        all.lastEnd = std::max(all.lastEnd, t.lastEnd);
    }
    std::sort(all.latencies.begin(), all.latencies.end());
    const double seconds
        = std::chrono::duration<double>((all.lastEnd > start ? all.lastEnd : Clock::now()) - start)
              .count();
    const auto round1 = [](double v) { return std::round(v * 10) / 10; };
    const nlohmann::json out = { { "mode", o.mode }, { "instances", o.bases.size() },
        { "clients", o.mode == "card" ? 1 : o.clients }, { "logins", all.latencies.size() },
        { "failures", all.failures }, { "seconds", round1(seconds) },
        { "loginsPerSecond",
            round1(seconds > 0 ? static_cast<double>(all.latencies.size()) / seconds : 0) },
        { "p50Ms", round1(percentile(all.latencies, 0.50)) },
        { "p99Ms", round1(percentile(all.latencies, 0.99)) }, { "exhausted", all.exhausted },
        { "errors", all.errors } };
    std::cout << out.dump() << std::endl;
    return all.latencies.empty() ? 1 : 0;
}

int runSms(const Options& o)
{
    const std::vector<Account> accounts = readAccounts(o.accountsFile);
    const auto clients = static_cast<std::size_t>(o.clients);
    if (accounts.size() < clients) throw std::runtime_error("fewer accounts than --clients");
    std::vector<Tally> tallies(clients);
    std::vector<std::thread> threads;
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start
        + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
    for (std::size_t t = 0; t < clients; ++t) {
        threads.emplace_back([&, t] {
            Tally& tally = tallies[t];
            // Client t owns accounts t, t + N, t + 2N, ...: no account is used by two clients, so
            // no code of one login can be taken for another's.
            std::vector<std::size_t> mine;
            for (std::size_t i = t; i < accounts.size(); i += clients)
                mine.push_back(i);
            std::vector<int> left(mine.size(), o.maxPerAccount);
            try {
                std::unique_ptr<Outbox> outbox = openOutbox(o.db);
                Browser b(o.bases);
                std::size_t k = 0;
                while (Clock::now() < deadline) {
                    std::size_t tries = 0;
                    while (left[k] == 0 && tries++ < mine.size())
                        k = (k + 1) % mine.size();
                    if (left[k] == 0) {
                        tally.exhausted = true;
                        break;
                    }
                    --left[k];
                    const Account& a = accounts[mine[k]];
                    k = (k + 1) % mine.size();
                    const Clock::time_point t0 = Clock::now();
                    try {
                        smsLogin(b, *outbox, a, o.password);
                        tally.latencies.push_back(msSince(t0));
                    } catch (const StepError& e) {
                        recordFailure(tally, e);
                    }
                    tally.lastEnd = Clock::now();
                }
            } catch (const std::exception& e) {
                recordFailure(tally, StepError(e.what(), {}));
            }
        });
    }
    for (std::thread& th : threads)
        th.join();
    return report(o, tallies, start);
}

int runCard(const Options& o)
{
    if (o.user.empty() || o.tscnsdPort <= 0)
        throw std::runtime_error("card needs --user and --tscnsd-port");
    std::vector<Tally> tallies(1);
    Tally& tally = tallies[0];
    Browser b(o.bases);
    httplib::Client tscnsd("127.0.0.1", o.tscnsdPort);
    tscnsd.set_keep_alive(true);
    tscnsd.set_tcp_nodelay(true);
    tscnsd.set_read_timeout(60, 0);
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start
        + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
    while (Clock::now() < deadline) {
        const Clock::time_point t0 = Clock::now();
        try {
            cardLogin(b, tscnsd, o);
            tally.latencies.push_back(msSince(t0));
        } catch (const StepError& e) {
            recordFailure(tally, e);
            if (tally.failures > 20 && tally.latencies.empty()) break; // nothing works: stop
        }
        tally.lastEnd = Clock::now();
    }
    return report(o, tallies, start);
}

int runFirstAccess(const Options& o)
{
    const std::vector<Account> accounts = readAccounts(o.accountsFile);
    std::atomic<std::size_t> next { 0 };
    std::atomic<int> failed { 0 };
    std::vector<Tally> tallies(static_cast<std::size_t>(o.clients));
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < tallies.size(); ++t) {
        threads.emplace_back([&, t] {
            try {
                std::unique_ptr<Outbox> outbox = openOutbox(o.db);
                Browser b(o.bases);
                for (std::size_t i = next++; i < accounts.size(); i = next++) {
                    try {
                        firstAccess(b, *outbox, accounts[i], o.password);
                    } catch (const StepError& e) {
                        ++failed;
                        recordFailure(tallies[t], e);
                    }
                }
            } catch (const std::exception& e) {
                ++failed;
                recordFailure(tallies[t], StepError(e.what(), {}));
            }
        });
    }
    for (std::thread& th : threads)
        th.join();
    if (failed > 0) {
        std::cerr << "portal-loadgen: " << failed << " of " << accounts.size()
                  << " first accesses failed\n";
        return 1;
    }
    return 0;
}

/// Distinct valid codici fiscali (surname BNC, name TST, birth date from the index, born in
/// Rome), 20-digit card numbers and mobiles.
int printAccounts(const Options& o)
{
    static const char* months = "ABCDEHLMPRST";
    if (o.count < 1 || o.first < 0 || o.first + o.count > 33600)
        throw std::runtime_error(
            "accounts: --count 1.. and --first 0.. with first + count <= 33600");
    for (int n = o.first; n < o.first + o.count; ++n) {
        // Two digits each: n % 100 and 1..28 (GCC cannot see that, so no fixed-size buffer).
        char first15[32];
        std::snprintf(first15, sizeof first15, "BNCTST%02d%c%02dH501", n % 100,
            months[(n / 100) % 12], 1 + (n / 1200) % 28);
        const std::string cf = std::string(first15) + tscns::cns::codiceFiscaleCheckChar(first15);
        char card[24];
        std::snprintf(card, sizeof card, "8038000020%010d", 5'000'000 + n);
        char mobile[24];
        std::snprintf(mobile, sizeof mobile, "+39333%07d", n);
        std::cout << cf << ' ' << card << ' ' << mobile << '\n';
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const Options o = parseOptions(argc, argv);
    try {
        if (o.mode == "accounts") return printAccounts(o);
        if (o.bases.empty()) throw std::runtime_error("--base is required");
        if (o.mode == "card") return runCard(o);
        if (o.db.empty() || o.accountsFile.empty() || o.password.empty())
            throw std::runtime_error(o.mode + " needs --db, --accounts and --password");
        if (o.mode == "first-access") return runFirstAccess(o);
        if (o.mode == "sms") return runSms(o);
        std::cerr << "portal-loadgen: unknown mode " << o.mode << "\n";
        usage(2);
    } catch (const std::exception& e) {
        std::cerr << "portal-loadgen: " << e.what() << "\n";
        return 1;
    }
}
