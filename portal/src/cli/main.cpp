// SPDX-License-Identifier: LGPL-2.1-or-later
// tscns-portal: serve, desk register, cards add, sms list.
#include "auth/login_flow.hpp"
#include "cli/self_signed.hpp"
#include "db/schema.hpp"
#include "sms/sms_sender.hpp"
#include "store/db_challenge_store.hpp"
#include "util/clock.hpp"
#include "web/portal_app.hpp"

#include "tscns/apdu/error.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <sys/socket.h>

using namespace tscns;
using namespace tscns::portal;

namespace {

constexpr const char* kUsage = R"(Usage: tscns-portal COMMAND [OPTIONS]

The regional health-record login service: user ID + password, then an SMS code or the TS-CNS
card itself (cns-auth:1 through tscnsd, or its certificate in TLS client authentication) as
second factor.

Commands:
  serve          run the HTTPS login service
  desk register  record a citizen's account at the desk and issue the provisional password
  cards add      record a renewal card of an existing account (the issuance feed)
  sms list       show the SMS outbox (the default sender: demo and tests)

Common options:
  --db URL       sqlite:PATH (default: sqlite:$XDG_DATA_HOME/tscns-portal/portal.sqlite) or a
                 PostgreSQL conninfo (postgresql://user:password@host:port/db)
  --json         machine-readable output
  -h, --help     this help; `tscns-portal COMMAND --help` for a command's options
)";

constexpr const char* kServeUsage = R"(Usage: tscns-portal serve [OPTIONS]

  --config FILE          JSON file with any of the options below (keys without "--")
  --listen HOST:PORT     where to listen (default 127.0.0.1:8443)
  --origin URL           the origin browsers use (default https://HOST:PORT of --listen)
  --db URL               database (see tscns-portal --help)
  --tls-cert FILE        certificate chain (PEM); with --tls-key. Default: a self-signed
  --tls-key FILE         certificate made on first start in the data directory
  --cns-ca FILE          trusted CNS issuing CA (PEM/DER file or directory), repeatable;
                         without one, card login is off
  --crl FILE             CRL (PEM or DER), repeatable
  --rsa1024-ca FILE      CA known to have issued RSA-1024 cards, repeatable
  --crl-grace SECONDS     use a verified CRL up to SECONDS past its nextUpdate when no
                         newer one is available (0-604800, default 0). Without any CRL
                         or OCSP answer card login always fails closed
  --tscnsd-port N        the port of tscnsd the page calls (default 47123)
  --client-cert-listen HOST:PORT
                         also listen here for TLS client-certificate login (the browser
                         presents the card's certificate through its PKCS#11 module; needs
                         --cns-ca, checked like the card step). Default: off
  --client-cert-origin URL
                         the origin browsers use for it (default https://HOST:PORT of
                         --client-cert-listen); the same host as --origin, so the session
                         cookie reaches it
  --sms-gateway URL      send SMS by JSON POST to URL instead of the outbox
  --sms-gateway-token-file FILE
                         bearer token for the gateway (first line of FILE)
  --ip-limit N           authentication requests per minute per client address (default 60)
  --threads N            worker threads (default 8)
)";

constexpr const char* kDeskUsage
    = R"(Usage: tscns-portal desk register --card-number N --cf CF --mobile M
         --given-name G --surname S [--card-expiry YYYY-MM-DD] [--chip-id ID] [--db URL]
         [--config FILE] [--sms-gateway URL [--sms-gateway-token-file FILE]] [--json]

Records the account of the citizen at the desk. The user ID is the last 10 digits of the card
number (20 digits, on the back of the card). Prints the first 5 characters of the 10-character
provisional password for the paper form; the last 5 are sent to the mobile by SMS (through
--sms-gateway, else to the outbox). When the SMS cannot be sent nothing is recorded.
--chip-id is the card's EF_IDCarta (16 digits), when the desk reads the chip.

  --config FILE          serve's JSON configuration: its "db", "sms-gateway" and
                         "sms-gateway-token-file" apply (options given here win)
  --sms-gateway URL      send the SMS by JSON POST to URL instead of the outbox
  --sms-gateway-token-file FILE
                         bearer token for the gateway (first line of FILE)
)";

constexpr const char* kCardsUsage
    = R"(Usage: tscns-portal cards add --cf CF --card-number N --card-expiry YYYY-MM-DD
         [--chip-id ID] [--db URL] [--config FILE]
         [--sms-gateway URL [--sms-gateway-token-file FILE]] [--json]

Records a new card of an existing account (renewal). Its user ID works at once; the old card
and its user ID stop working after the first access with the new card.
--config, --sms-gateway and --sms-gateway-token-file as for `desk register`.
)";

constexpr const char* kSmsUsage = R"(Usage: tscns-portal sms list [--to MOBILE] [--db URL] [--json]

Shows the SMS outbox, oldest first: recipient, kind (provisional-password, otp, notification),
text and the code it carries.
)";

struct Args {
    std::map<std::string, std::vector<std::string>> values;
    std::vector<std::string> positional;
    [[nodiscard]] bool has(const std::string& k) const { return values.contains(k); }
    [[nodiscard]] std::string get(const std::string& k, const std::string& fallback = {}) const
    {
        const auto it = values.find(k);
        return it == values.end() || it->second.empty() ? fallback : it->second.back();
    }
    [[nodiscard]] std::vector<std::string> all(const std::string& k) const
    {
        const auto it = values.find(k);
        return it == values.end() ? std::vector<std::string> {} : it->second;
    }
};

Args parseArgs(int argc, char** argv, int from, const std::vector<std::string>& flags,
    const std::vector<std::string>& withValue)
{
    Args a;
    for (int i = from; i < argc; ++i) {
        std::string arg = argv[i];
        if (!arg.starts_with("--")) {
            a.positional.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const bool takes = std::find(withValue.begin(), withValue.end(), name) != withValue.end();
        const bool flag = std::find(flags.begin(), flags.end(), name) != flags.end();
        if (!takes && !flag) throw Error(Errc::BadArgument, "unknown option --" + name);
        if (flag) {
            a.values[name].push_back("1");
            continue;
        }
        if (!inlineValue) {
            if (i + 1 >= argc) throw Error(Errc::BadArgument, "--" + name + " needs a value");
            inlineValue = argv[++i];
        }
        a.values[name].push_back(*inlineValue);
    }
    return a;
}

std::filesystem::path dataDir()
{
    if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x == '/')
        return std::filesystem::path(x) / "tscns-portal";
    if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
        return std::filesystem::path(h) / ".local/share/tscns-portal";
    throw Error(Errc::BadArgument, "no HOME or XDG_DATA_HOME: give --db");
}

std::string defaultDb()
{
    const auto dir = dataDir();
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    return "sqlite:" + (dir / "portal.sqlite").string();
}

std::unique_ptr<Database> openMigrated(const Args& a)
{
    auto db = openDatabase(a.get("db", defaultDb()));
    migrate(*db);
    return db;
}

std::string required(const Args& a, const std::string& k)
{
    const std::string v = a.get(k);
    if (v.empty()) throw Error(Errc::BadArgument, "--" + k + " is required");
    return v;
}

Args withConfig(Args a, const std::vector<std::string>& only = {});

/// What desk register and cards add take from serve's --config: the database and the SMS sender.
const std::vector<std::string>& sharedConfigKeys()
{
    static const std::vector<std::string> keys = { "db", "sms-gateway", "sms-gateway-token-file" };
    return keys;
}

/// The SMS sender of the options: the HTTP gateway with --sms-gateway, else the outbox. Used by
/// serve, desk register and cards add.
std::unique_ptr<SmsSender> makeSender(const Args& a, PortalStore& store)
{
    if (!a.has("sms-gateway")) {
        if (a.has("sms-gateway-token-file"))
            throw Error(Errc::BadArgument, "--sms-gateway-token-file needs --sms-gateway");
        return makeOutboxSender(store);
    }
    HttpGatewayOptions o;
    o.url = a.get("sms-gateway");
    if (a.has("sms-gateway-token-file")) {
        const std::string file = a.get("sms-gateway-token-file");
        std::ifstream t(file);
        if (!t) throw Error(Errc::BadArgument, "cannot read --sms-gateway-token-file " + file);
        std::getline(t, o.bearerToken);
        while (!o.bearerToken.empty()
            && std::isspace(static_cast<unsigned char>(o.bearerToken.back())) != 0)
            o.bearerToken.pop_back();
        if (o.bearerToken.empty())
            throw Error(Errc::BadArgument, "--sms-gateway-token-file " + file + " is empty");
    }
    return makeHttpGatewaySender(std::move(o));
}

int deskRegister(int argc, char** argv)
{
    Args a = parseArgs(argc, argv, 3, { "json", "help" },
        { "card-number", "cf", "mobile", "given-name", "surname", "card-expiry", "chip-id", "db",
            "config", "sms-gateway", "sms-gateway-token-file" });
    if (a.has("help")) {
        std::cout << kDeskUsage;
        return 0;
    }
    a = withConfig(a, sharedConfigKeys());
    Registration r;
    r.cardNumber = required(a, "card-number");
    r.codiceFiscale = required(a, "cf");
    r.mobile = required(a, "mobile");
    r.givenName = required(a, "given-name");
    r.surname = required(a, "surname");
    r.cardExpiry = a.get("card-expiry");
    r.chipId = a.get("chip-id");
    auto db = openMigrated(a);
    PortalStore store(*db);
    auto sms = makeSender(a, store);
    DbChallengeStore challenges(*db);
    LoginFlow flow(store, *sms, challenges, nullptr, {});
    const Registered out = flow.registerAccount(r);
    if (a.has("json")) {
        std::cout << nlohmann::json {
            { "userId", out.userId }, { "provisionalPasswordFirstHalf", out.provisionalFirstHalf }
        }.dump() << "\n";
    } else {
        std::cout << "User ID:                           " << out.userId << "\n"
                  << "Provisional password, first half:  " << out.provisionalFirstHalf
                  << "   (print it on the paper form)\n"
                  << "The second half was sent by SMS to " << maskMobile(r.mobile) << ".\n";
    }
    return 0;
}

int cardsAdd(int argc, char** argv)
{
    Args a = parseArgs(argc, argv, 3, { "json", "help" },
        { "cf", "card-number", "card-expiry", "chip-id", "db", "config", "sms-gateway",
            "sms-gateway-token-file" });
    if (a.has("help")) {
        std::cout << kCardsUsage;
        return 0;
    }
    a = withConfig(a, sharedConfigKeys());
    auto db = openMigrated(a);
    PortalStore store(*db);
    auto sms = makeSender(a, store);
    DbChallengeStore challenges(*db);
    LoginFlow flow(store, *sms, challenges, nullptr, {});
    const CardRecord c = flow.addCard(required(a, "cf"), required(a, "card-number"),
        required(a, "card-expiry"), a.get("chip-id"));
    if (a.has("json"))
        std::cout << nlohmann::json { { "userId", c.userId }, { "status", c.status } }.dump()
                  << "\n";
    else
        std::cout << "Card added: user ID " << c.userId << " (" << c.status
                  << " until its first access)\n";
    return 0;
}

int smsList(int argc, char** argv)
{
    const Args a = parseArgs(argc, argv, 3, { "json", "help" }, { "to", "db" });
    if (a.has("help")) {
        std::cout << kSmsUsage;
        return 0;
    }
    auto db = openMigrated(a);
    PortalStore store(*db);
    const auto entries = store.outbox(a.get("to"));
    if (a.has("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : entries)
            out.push_back({ { "to", e.to }, { "kind", e.kind }, { "text", e.text },
                { "code", e.code }, { "time", utcTimestamp(e.at) } });
        std::cout << out.dump() << "\n";
    } else {
        for (const auto& e : entries)
            std::cout << utcTimestamp(e.at) << "  " << e.to << "  " << e.kind << "  " << e.text
                      << "\n";
        if (entries.empty()) std::cout << "(no messages)\n";
    }
    return 0;
}

/// Options from --config FILE first, flags over them. With `only`, just those keys are taken
/// from the file (desk register and cards add share serve's file; the rest is serve's).
Args withConfig(Args a, const std::vector<std::string>& only)
{
    const std::string file = a.get("config");
    if (file.empty()) return a;
    std::ifstream in(file);
    if (!in) throw Error(Errc::BadArgument, file + ": cannot read the configuration");
    std::ostringstream text;
    text << in.rdbuf();
    const auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (!j.is_object()) throw Error(Errc::BadArgument, file + ": not a JSON object");
    for (const auto& [k, v] : j.items()) {
        if (a.has(k)) continue;
        if (!only.empty() && std::find(only.begin(), only.end(), k) == only.end()) continue;
        auto& list = a.values[k];
        if (v.is_array()) {
            for (const auto& x : v)
                list.push_back(x.is_string() ? x.get<std::string>() : x.dump());
        } else if (v.is_boolean()) {
            if (v.get<bool>())
                list.push_back("1");
            else
                a.values.erase(k);
        } else {
            list.push_back(v.is_string() ? v.get<std::string>() : v.dump());
        }
    }
    return a;
}

int parsePort(const std::string& s, const std::string& what)
{
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 1 || v > 65535)
        throw Error(Errc::BadArgument, what + " needs a port 1-65535, not \"" + s + "\"");
    return static_cast<int>(v);
}

std::atomic<httplib::Server*> gServer { nullptr };
std::atomic<httplib::Server*> gCertServer { nullptr };

extern "C" void onSignal(int)
{
    if (httplib::Server* s = gServer.load()) s->stop();
    if (httplib::Server* s = gCertServer.load()) s->stop();
}

struct Listen {
    std::string host; ///< without brackets
    int port = 0;
    std::string defaultOrigin; ///< https://host[:port]
};

Listen parseListen(const std::string& listen, const std::string& what)
{
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw Error(Errc::BadArgument, what + " needs HOST:PORT");
    Listen l;
    l.host = listen.substr(0, colon);
    if (l.host.size() > 2 && l.host.front() == '[' && l.host.back() == ']')
        l.host = l.host.substr(1, l.host.size() - 2);
    l.port = parsePort(listen.substr(colon + 1), what);
    l.defaultOrigin = "https://"
        + (l.host.find(':') != std::string::npos ? "[" + l.host + "]" : l.host)
        + (l.port == 443 ? std::string() : ":" + std::to_string(l.port));
    return l;
}

/// The client-certificate listener's TLS policy: ask for a certificate naming the configured CNS
/// CAs, accept whatever chain comes (the verifier decides, and a refusal is a page, not a TLS
/// alert; the handshake still proves possession of the key), no session resumption.
int acceptAnyChain(int, X509_STORE_CTX*)
{
    return 1;
}

bool requestClientCertificates(SSL_CTX& ctx, const std::vector<Bytes>& anchors)
{
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, acceptAnyChain);
    static const unsigned char kSessionContext[] = "tscns-portal-client-cert";
    SSL_CTX_set_session_id_context(&ctx, kSessionContext, sizeof kSessionContext - 1);
    SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_TICKET);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    if (names == nullptr) return false;
    for (const Bytes& der : anchors) {
        const unsigned char* p = der.data();
        X509* ca = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
        if (ca == nullptr) continue;
        X509_NAME* name = X509_NAME_dup(X509_get_subject_name(ca));
        X509_free(ca);
        if (name == nullptr || sk_X509_NAME_push(names, name) <= 0) {
            X509_NAME_free(name);
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            return false;
        }
    }
    SSL_CTX_set_client_CA_list(&ctx, names); // takes ownership
    return true;
}

Bytes derOf(X509* cert)
{
    unsigned char* der = nullptr;
    const int n = i2d_X509(cert, &der);
    if (n <= 0) return {};
    Bytes out(der, der + n);
    OPENSSL_free(der);
    return out;
}

/// The client's certificate and the further ones it sent, from a completed handshake.
void addClientCertificate(const httplib::Request& in, HttpRequest& r)
{
    if (in.ssl == nullptr) return;
    X509* leaf = SSL_get1_peer_certificate(in.ssl);
    if (leaf == nullptr) return;
    r.clientCertificate = derOf(leaf);
    // On the server side the peer chain does not hold the leaf.
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(in.ssl);
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
        X509* c = sk_X509_value(chain, i);
        if (X509_cmp(c, leaf) != 0) r.clientChain.push_back(derOf(c));
    }
    X509_free(leaf);
}

HttpRequest toRequest(const httplib::Request& in)
{
    HttpRequest r;
    r.method = in.method;
    r.path = in.path;
    for (const auto& [k, v] : in.headers) {
        std::string name = k;
        for (char& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers.emplace(name, v);
    }
    r.body = in.body;
    if (r.header("content-type").starts_with("application/x-www-form-urlencoded"))
        r.form = parseForm(in.body);
    r.remoteAddress = in.remote_addr;
    return r;
}

int serve(int argc, char** argv)
{
    const std::vector<std::string> flags = { "help" };
    const std::vector<std::string> values
        = { "config", "listen", "origin", "db", "tls-cert", "tls-key", "cns-ca", "crl", "crl-grace",
              "rsa1024-ca", "tscnsd-port", "sms-gateway", "sms-gateway-token-file", "ip-limit",
              "threads", "client-cert-listen", "client-cert-origin" };
    Args a = parseArgs(argc, argv, 2, flags, values);
    if (a.has("help")) {
        std::cout << kServeUsage;
        return 0;
    }
    a = withConfig(a);
    if (a.has("allow-revocation-unavailable"))
        throw Error(Errc::BadArgument,
            "allow-revocation-unavailable was removed: revocation always fails closed without "
            "data; \"crl-grace\" (seconds) bounds how long a stale verified CRL may be used");
    for (const auto& [k, v] : a.values)
        if (std::find(values.begin(), values.end(), k) == values.end()
            && std::find(flags.begin(), flags.end(), k) == flags.end())
            throw Error(Errc::BadArgument, "unknown configuration key \"" + k + "\"");

    const std::string listen = a.get("listen", "127.0.0.1:8443");
    const Listen mainListen = parseListen(listen, "--listen");
    const std::string& host = mainListen.host;
    const std::string origin = a.get("origin", mainListen.defaultOrigin);
    std::optional<Listen> certListen;
    std::string certOrigin;
    if (a.has("client-cert-listen")) {
        if (!a.has("cns-ca"))
            throw Error(Errc::BadArgument,
                "--client-cert-listen needs --cns-ca (the CNS CAs client certificates must chain "
                "to)");
        certListen = parseListen(a.get("client-cert-listen"), "--client-cert-listen");
        certOrigin = a.get("client-cert-origin", certListen->defaultOrigin);
        if (certOrigin == origin)
            throw Error(Errc::BadArgument, "--client-cert-origin must differ from --origin");
    } else if (a.has("client-cert-origin")) {
        throw Error(Errc::BadArgument, "--client-cert-origin needs --client-cert-listen");
    }
    const int tscnsdPort = parsePort(a.get("tscnsd-port", "47123"), "--tscnsd-port");

    auto db = openMigrated(a);
    PortalStore store(*db);
    DbChallengeStore challenges(*db);
    std::unique_ptr<SmsSender> sms = makeSender(a, store);

    std::unique_ptr<verifier::Verifier> verifier;
    if (a.has("cns-ca")) {
        verifier::VerifierConfig vc;
        for (const auto& f : a.all("cns-ca"))
            vc.trustAnchors.emplace_back(f);
        for (const auto& f : a.all("crl"))
            vc.crlFiles.emplace_back(f);
        for (const auto& f : a.all("rsa1024-ca"))
            vc.rsa1024IssuingCas.emplace_back(f);
        if (a.has("crl-grace")) {
            const std::string g = a.get("crl-grace");
            char* end = nullptr;
            const long long v = std::strtoll(g.c_str(), &end, 10);
            const auto max = verifier::VerifierConfig::kMaxRevocationGrace.count();
            if (g.empty() || *end != '\0' || v < 0 || v > max)
                throw Error(Errc::BadArgument,
                    "--crl-grace needs 0 to " + std::to_string(max) + " seconds, not \"" + g
                        + "\"");
            vc.revocationGrace = std::chrono::seconds(v);
        }
        verifier = std::make_unique<verifier::Verifier>(std::move(vc));
    }

    FlowSettings fs;
    fs.origin = origin;
    LoginFlow flow(store, *sms, challenges, verifier.get(), fs);
    AppSettings as;
    as.origin = origin;
    as.tscnsdPort = tscnsdPort;
    if (a.has("ip-limit")) as.ipLimitPerMinute = std::stoll(a.get("ip-limit"));
    as.clientCertOrigin = certOrigin;
    PortalApp app(flow, store, as);

    TlsFiles tls;
    if (a.has("tls-cert") || a.has("tls-key")) {
        tls = { required(a, "tls-cert"), required(a, "tls-key") };
    } else {
        tls = ensureSelfSigned(dataDir() / "tls", host);
        std::cerr << "tscns-portal: using the self-signed certificate " << tls.cert.string()
                  << " (give --tls-cert/--tls-key for a real one)\n";
    }
    const int threads = a.has("threads") ? std::stoi(a.get("threads")) : 8;
    const std::vector<Bytes> cnsCas = verifier ? verifier->trustAnchors() : std::vector<Bytes> {};
    // One HTTPS server; `clientCert`: the listener that asks for a TLS client certificate.
    auto makeServer = [&](bool clientCert) {
        auto server = std::make_unique<httplib::SSLServer>([&, clientCert](SSL_CTX& ctx) {
            SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
            SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
            return SSL_CTX_use_certificate_chain_file(&ctx, tls.cert.c_str()) == 1
                && SSL_CTX_use_PrivateKey_file(&ctx, tls.key.c_str(), SSL_FILETYPE_PEM) == 1
                && SSL_CTX_check_private_key(&ctx) == 1
                && (!clientCert || requestClientCertificates(ctx, cnsCas));
        });
        if (!server->is_valid())
            throw Error(Errc::BadArgument,
                "cannot load the TLS certificate " + tls.cert.string() + " and key "
                    + tls.key.string());
        // An exclusive port: no SO_REUSEPORT, so a second instance on the same port fails.
        server->set_socket_options([](int sock) {
            int yes = 1;
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        server->new_task_queue = [threads] {
            return new httplib::ThreadPool(static_cast<std::size_t>(std::max(1, threads)));
        };
        // cpp-httplib writes the headers and the body apart: without TCP_NODELAY the body waits
        // for the client's delayed ACK (40 ms on Linux) on every answer.
        server->set_tcp_nodelay(true);
        server->set_payload_max_length(64 * 1024);
        server->set_read_timeout(10, 0);
        auto handler = [&app, clientCert](const httplib::Request& in, httplib::Response& out) {
            HttpRequest req = toRequest(in);
            if (clientCert) addClientCertificate(in, req);
            const HttpResponse r = clientCert ? app.handleClientCertListener(req) : app.handle(req);
            out.status = r.status;
            std::string type = "text/plain";
            for (const auto& [k, v] : r.headers) {
                if (k == "Content-Type")
                    type = v;
                else
                    out.headers.emplace(k, v);
            }
            out.set_content(r.body, type.c_str());
        };
        server->Get(".*", handler);
        server->Post(".*", handler);
        server->Put(".*", handler);
        server->Delete(".*", handler);
        server->Patch(".*", handler);
        server->Options(".*", handler);
        return server;
    };
    const auto server = makeServer(false);
    if (!server->bind_to_port(host.c_str(), mainListen.port)) {
        std::cerr << "tscns-portal: cannot listen on " << listen
                  << " (in use by another process, or not an address of this machine)\n";
        return 3;
    }
    std::unique_ptr<httplib::SSLServer> certServer;
    if (certListen) {
        certServer = makeServer(true);
        if (!certServer->bind_to_port(certListen->host.c_str(), certListen->port)) {
            std::cerr << "tscns-portal: cannot listen on " << a.get("client-cert-listen")
                      << " (in use by another process, or not an address of this machine)\n";
            return 3;
        }
    }
    gServer = server.get();
    gCertServer = certServer.get();
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::atomic<bool> running { true };
    std::thread purger([&] {
        for (int tick = 0; running; ++tick) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (tick % 300 != 0) continue;
            try {
                store.purgeSessions();
                challenges.purgeExpired();
            } catch (const std::exception& e) {
                std::cerr << "tscns-portal: purge: " << e.what() << "\n";
            }
        }
    });
    std::cerr << "tscns-portal: database " << redactDatabaseUrl(a.get("db", "(default)")) << " ("
              << db->backend() << "), card login " << (verifier ? "on" : "off (no --cns-ca)")
              << ", TLS client-certificate login "
              << (certServer ? "on " + certOrigin : std::string("off")) << ", SMS "
              << (a.has("sms-gateway") ? "by gateway" : "to the outbox") << "\n";
    std::thread certThread;
    std::atomic<bool> certStopped { false };
    if (certServer)
        certThread = std::thread([&] {
            certServer->listen_after_bind();
            certStopped = true;
        });
    std::cout << "listening " << origin << std::endl;
    if (certServer)
        std::cout << "listening " << certOrigin << " (client certificates)" << std::endl;
    server->listen_after_bind();
    if (certServer) {
        // stop() does nothing before the thread has begun listening: repeat until it ends.
        while (!certStopped) {
            certServer->stop();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        certThread.join();
    }
    gServer = nullptr;
    gCertServer = nullptr;
    running = false;
    purger.join();
    std::cerr << "tscns-portal: stopped\n";
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const std::string cmd = argc > 1 ? argv[1] : "";
        const std::string sub = argc > 2 ? argv[2] : "";
        if (cmd.empty() || cmd == "-h" || cmd == "--help" || cmd == "help") {
            std::cout << kUsage;
            return cmd.empty() ? 2 : 0;
        }
        if (cmd == "serve") return serve(argc, argv);
        if (cmd == "desk" && sub == "register") return deskRegister(argc, argv);
        if (cmd == "cards" && sub == "add") return cardsAdd(argc, argv);
        if (cmd == "sms" && sub == "list") return smsList(argc, argv);
        std::cerr << "tscns-portal: unknown command \"" << cmd << (sub.empty() ? "" : " " + sub)
                  << "\"\n"
                  << kUsage;
        return 2;
    } catch (const Error& e) {
        std::cerr << "tscns-portal: " << e.message() << "\n";
        return e.code() == Errc::BadArgument ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "tscns-portal: " << e.what() << "\n";
        return 1;
    }
}
