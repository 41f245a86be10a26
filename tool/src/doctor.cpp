// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns doctor`: pcscd, readers, cards, browser databases, p11-kit, tscnsd and its allowlist.
#include "doctor.hpp"

#include "exit_codes.hpp"
#include "nss_db.hpp"
#include "watchdog.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/cns_card.hpp"
#include "tscns/reader/cns_access.hpp"
#include "tscns/reader/pcsc.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

namespace tscns::tool {

const char* const kDoctorUsage = R"(Usage: tscns doctor [--json] [--config FILE]

Checks what the TS-CNS needs on this computer and prints one line per check: ok, warning or
problem, and for each warning or problem a command or step that fixes it.
  pcscd       the PC/SC service answers
  readers     the smart-card readers pcscd sees
  card        the card in each reader: a TS-CNS, and which layout
  browser     each browser NSS database (as tscns setup finds them) loads the module, itself
              or through p11-kit's proxy
  p11-kit     p11-kit's tscns.module file, and the module it names
  tscnsd      the daemon answers GET /v1/status on 127.0.0.1 (port from the configuration)
  allowlist   the origins tscnsd allows (none: no web portal can use the card)

  --config FILE   read tscnsd's configuration from FILE only (as tscnsd --config), instead of
                  /etc/tscns/tscnsd.json then ~/.config/tscns/tscnsd.json
  -j, --json      {"checks": [{"check", "status", "detail", "fix", ...}], "problems", "warnings"}

Exit status: 0 when there is no problem (warnings allowed), 14 otherwise, 2 for a bad command
line.
)";

namespace {

    namespace fs = std::filesystem;
    using Json = nlohmann::ordered_json;

    constexpr unsigned kDefaultPort = 47123;
    constexpr const char* kSystemConfig = "/etc/tscns/tscnsd.json";

    enum class Status { Ok, Warning, Problem };
    const char* statusName(Status s)
    {
        switch (s) {
        case Status::Ok:
            return "ok";
        case Status::Warning:
            return "warning";
        case Status::Problem:
            return "problem";
        }
        return "problem";
    }

    struct Check {
        std::string check;
        Status status = Status::Ok;
        std::string detail;
        std::string fix; ///< empty when ok
        Json extra = Json::object(); ///< reader, path, ...
    };

    Check make(std::string check, Status status, std::string detail, std::string fix = {})
    {
        return Check { std::move(check), status, std::move(detail), std::move(fix),
            Json::object() };
    }

    // ---- pcscd, readers, cards

    void checkCards(std::vector<Check>& out)
    {
        std::optional<reader::Context> ctx;
        try {
            ctx.emplace();
        } catch (const Error& e) {
            out.push_back(make("pcscd", Status::Problem, "PC/SC is not reachable: " + e.message(),
                "sudo apt install pcscd && sudo systemctl enable --now pcscd.socket"));
            return;
        }
        out.push_back(make("pcscd", Status::Ok, "the PC/SC service answers"));
        std::vector<reader::ReaderInfo> readers;
        try {
            readers = ctx->readers();
        } catch (const Error& e) {
            out.push_back(make("readers", Status::Problem,
                "cannot list the readers: " + e.message(), "sudo systemctl restart pcscd"));
            return;
        }
        if (readers.empty()) {
            out.push_back(make("readers", Status::Problem, "no smart-card reader",
                "connect a reader (and check `journalctl -u pcscd` for driver errors)"));
            return;
        }
        std::string names;
        for (const auto& r : readers)
            names += (names.empty() ? "" : ", ") + r.name;
        Check list
            = make("readers", Status::Ok, std::to_string(readers.size()) + " reader(s): " + names);
        list.extra["readers"] = Json::array();
        for (const auto& r : readers)
            list.extra["readers"].push_back(r.name);
        out.push_back(list);

        // The card work is bounded as `tscns info` is (30 s): a mute card cannot hang doctor.
        Watchdog dog(std::chrono::seconds(30), false);
        const Watchdog::Watch watched(&dog, *ctx);
        for (const auto& r : readers) {
            Check c = make("card", Status::Ok, "");
            c.extra["reader"] = r.name;
            if (!r.cardPresent) {
                c.status = Status::Warning;
                c.detail = r.name + ": no card";
                c.fix = "insert the TS-CNS in " + r.name;
                out.push_back(c);
                continue;
            }
            if (r.mute) {
                c.status = Status::Problem;
                c.detail = r.name + ": the card does not answer";
                c.fix = "take the card out, clean its contacts and insert it again";
                out.push_back(c);
                continue;
            }
            c.extra["atr"] = toHex(r.atr);
            try {
                auto opened = reader::openCns(*ctx, r.name);
                {
                    auto use = opened.connection->begin(cns::PinRule::ResetAfterPin);
                    (void)use.card().readCertificate(); // confirms the certificate's location
                    use.finish();
                }
                const auto& id = opened.connection->identification();
                const std::string family(cns::familyName(id.profile.family));
                c.detail = r.name + ": TS-CNS "
                    + (id.cardId.digits.empty() ? "(no EF_IDCarta)" : id.cardId.digits) + ", "
                    + std::string(id.profile.name) + ", layout " + family + ", certificate "
                    + id.profile.certificatePath().toString();
                c.extra["cardId"] = id.cardId.digits;
                c.extra["profile"] = std::string(id.profile.name);
                c.extra["layout"] = family;
                if (r.exclusive) {
                    c.status = Status::Warning;
                    c.detail += " (another program holds it exclusively)";
                    c.fix = "close the program that holds the card (see `sudo lsof "
                            "/run/pcscd/pcscd.comm`)";
                }
            } catch (const Error& e) {
                if (e.code() == Errc::NotCnsCard || e.code() == Errc::Unsupported) {
                    c.status = Status::Warning;
                    c.detail = r.name + ": not a TS-CNS (" + e.message() + ")";
                    c.fix = "insert the TS-CNS (Tessera Sanitaria) instead";
                } else if (dog.fired()) {
                    c.status = Status::Problem;
                    c.detail = r.name + ": the card did not answer within 30 s";
                    c.fix = "take the card out and insert it again";
                } else {
                    c.status = Status::Problem;
                    c.detail = r.name + ": " + e.message();
                    c.fix = "take the card out and insert it again, then run `tscns info`";
                }
            }
            out.push_back(c);
        }
    }

    // ---- browsers and p11-kit

    void checkBrowsers(
        std::vector<Check>& out, const fs::path& home, const std::optional<P11KitModuleFile>& p11)
    {
        for (const auto& db : findNssDatabases(home)) {
            Check c = make("browser", Status::Ok, "");
            c.extra["path"] = db.dir.string();
            c.extra["browser"] = browserName(db.browser);
            const std::string where = db.label + " (" + db.dir.string() + ")";
            std::error_code ec;
            if (!fs::exists(db.dir / "pkcs11.txt", ec)) {
                c.status = Status::Warning;
                c.detail = where + ": no NSS database yet";
                c.fix = "tscns setup";
                out.push_back(c);
                continue;
            }
            const auto modules = readPkcs11Txt(db.dir);
            const auto ours = tscnsEntries(modules);
            const bool viaP11Kit = loadsP11KitProxy(modules) && p11
                && p11KitLoadsIn(*p11, browserPrograms(db.browser));
            if (!ours.empty()) {
                const auto& m = ours.front();
                std::error_code e2;
                if (!fs::is_regular_file(m.library, e2)) {
                    c.status = Status::Problem;
                    c.detail = where + ": \"" + m.name + "\" names " + m.library
                        + ", which does not exist";
                    c.fix = "tscns setup";
                } else if (viaP11Kit) {
                    c.status = Status::Warning;
                    c.detail = where + ": loaded twice (\"" + m.name + "\" and p11-kit's proxy)";
                    c.fix = "tscns setup (removes its own registration where p11-kit loads tscns)";
                } else {
                    c.detail = where + ": registered as \"" + m.name + "\" (" + m.library + ")";
                }
            } else if (viaP11Kit) {
                c.detail = where + ": loaded through p11-kit's proxy (" + p11->file.string() + ")";
            } else {
                c.status = Status::Problem;
                c.detail = where + ": the tscns module is not registered";
                c.fix = "tscns setup";
            }
            out.push_back(c);
        }
    }

    void checkP11Kit(std::vector<Check>& out, const std::optional<P11KitModuleFile>& p11)
    {
        if (!p11) {
            out.push_back(make("p11-kit", Status::Warning,
                "no tscns.module in ~/.config/pkcs11/modules, /etc/pkcs11/modules or "
                "/usr/share/p11-kit/modules (programs that use p11-kit do not see the card)",
                "sudo apt install --reinstall tscns-pkcs11 (or copy pkcs11/tscns.module to "
                "/usr/share/p11-kit/modules)"));
            return;
        }
        const fs::path module = p11KitModulePath(*p11);
        std::error_code ec;
        Check c = make("p11-kit", Status::Ok, "");
        c.extra["path"] = p11->file.string();
        if (p11->module.empty()) {
            c.status = Status::Problem;
            c.detail = p11->file.string() + " has no \"module:\" line";
            c.fix = "add `module: tscns-pkcs11.so` to " + p11->file.string();
        } else if (!fs::is_regular_file(module, ec)) {
            c.status = Status::Problem;
            c.detail = p11->file.string() + " names " + module.string() + ", which does not exist";
            c.fix = "sudo apt install --reinstall tscns-pkcs11 (or fix \"module:\" in "
                + p11->file.string() + ")";
        } else {
            c.detail = p11->file.string() + " loads " + module.string();
        }
        out.push_back(c);
    }

    // ---- tscnsd

    struct DaemonConfig {
        unsigned port = kDefaultPort;
        std::vector<std::string> origins;
        std::vector<std::string> files; ///< the files read
        std::vector<std::string> errors; ///< unreadable files
        bool userMayAddOrigins = false;
    };

    std::optional<Json> loadJson(const fs::path& file, DaemonConfig& cfg)
    {
        std::ifstream in(file);
        if (!in) return std::nullopt;
        try {
            Json j = Json::parse(in);
            if (!j.is_object()) throw std::runtime_error("not a JSON object");
            cfg.files.push_back(file.string());
            return j;
        } catch (const std::exception& e) {
            cfg.errors.push_back(file.string() + ": " + e.what());
            return std::nullopt;
        }
    }

    void applyJson(const Json& j, DaemonConfig& cfg, bool originsAllowed)
    {
        if (const auto it = j.find("port");
            it != j.end() && it->is_number_unsigned() && *it > 0 && *it < 65536)
            cfg.port = it->get<unsigned>();
        if (const auto it = j.find("allowedOrigins");
            originsAllowed && it != j.end() && it->is_array())
            for (const auto& o : *it)
                if (o.is_string()
                    && std::find(cfg.origins.begin(), cfg.origins.end(), o.get<std::string>())
                        == cfg.origins.end())
                    cfg.origins.push_back(o.get<std::string>());
    }

    DaemonConfig readDaemonConfig(const std::optional<std::string>& only, const fs::path& home)
    {
        DaemonConfig cfg;
        if (only) {
            if (const auto j = loadJson(*only, cfg))
                applyJson(*j, cfg, true);
            else if (cfg.errors.empty())
                cfg.errors.push_back(*only + ": cannot be read");
            return cfg;
        }
        if (const auto j = loadJson(kSystemConfig, cfg)) {
            applyJson(*j, cfg, true);
            if (const auto it = j->find("allowUserOverrides"); it != j->end() && it->is_array())
                cfg.userMayAddOrigins
                    = std::find(it->begin(), it->end(), Json("allowedOrigins")) != it->end();
        }
        fs::path user = home / ".config";
        if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/')
            user = xdg;
        if (const auto j = loadJson(user / "tscns" / "tscnsd.json", cfg))
            applyJson(*j, cfg, cfg.userMayAddOrigins);
        return cfg;
    }

    void checkDaemon(std::vector<Check>& out, const DaemonConfig& cfg)
    {
        const std::string where = "127.0.0.1:" + std::to_string(cfg.port);
        httplib::Client cli("127.0.0.1", static_cast<int>(cfg.port));
        cli.set_connection_timeout(2, 0);
        cli.set_read_timeout(5, 0);
        cli.set_write_timeout(5, 0);
        cli.set_keep_alive(false);
        httplib::Headers headers { { "Host", where }, { "X-CNS-Client", "1" } };
        const std::string origin = cfg.origins.empty() ? std::string() : cfg.origins.front();
        if (!origin.empty()) {
            headers.emplace("Origin", origin);
            headers.emplace("Sec-Fetch-Site", "cross-site");
            headers.emplace("Sec-Fetch-Mode", "cors");
        }
        Check c = make("tscnsd", Status::Ok, "");
        c.extra["port"] = cfg.port;
        const auto res = cli.Get("/v1/status", headers);
        if (!res) {
            c.status = Status::Problem;
            c.detail = "tscnsd is not running: nothing answers on " + where + " ("
                + (res.error() == httplib::Error::Connection ? std::string("connection refused")
                                                             : httplib::to_string(res.error()))
                + ")";
            c.fix = "systemctl --user enable --now tscnsd";
            out.push_back(c);
            return;
        }
        Json body;
        try {
            body = Json::parse(res->body);
        } catch (const Json::exception&) {
            body = nullptr;
        }
        const bool isStatus = res->status == 200 && body.is_object()
            && body.value("protocol", std::string()) == "cns-auth:1";
        std::string code;
        if (body.is_object() && body.contains("error") && body["error"].is_object())
            code = body["error"].value("code", std::string());
        if (isStatus) {
            const auto readers = body.value("readers", 0);
            const bool card = body.value("cardPresent", false);
            c.detail = "tscnsd " + body.value("version", std::string("?")) + " answers on " + where
                + " (" + std::to_string(readers) + " reader(s), "
                + (card ? "card present" : "no card") + ")";
            c.extra["daemonStatus"] = body;
        } else if (res->status == 403 && code == "ORIGIN_NOT_ALLOWED" && origin.empty()) {
            c.detail
                = "tscnsd answers on " + where + " (no allowlisted origin to ask its status with)";
        } else if (res->status == 403 && code == "ORIGIN_NOT_ALLOWED") {
            c.status = Status::Warning;
            c.detail = "tscnsd answers on " + where + " but refuses " + origin
                + ": it runs with another configuration";
            c.fix = "systemctl --user restart tscnsd";
        } else {
            c.status = Status::Problem;
            c.detail = "something that is not tscnsd answers on " + where + " (HTTP "
                + std::to_string(res->status) + ")";
            c.fix = "find it with `ss -ltnp 'sport = :" + std::to_string(cfg.port)
                + "'`, or give tscnsd another \"port\" in ~/.config/tscns/tscnsd.json";
        }
        out.push_back(c);
    }

    void checkAllowlist(std::vector<Check>& out, const DaemonConfig& cfg)
    {
        Check c = make("allowlist", Status::Ok, "");
        c.extra["origins"] = cfg.origins;
        c.extra["files"] = cfg.files;
        std::string files;
        for (const auto& f : cfg.files)
            files += (files.empty() ? "" : ", ") + f;
        if (!cfg.errors.empty()) {
            std::string errors;
            for (const auto& e : cfg.errors)
                errors += (errors.empty() ? "" : "; ") + e;
            c.status = Status::Problem;
            c.detail = "tscnsd's configuration is not valid JSON: " + errors;
            c.fix = "correct the file (tscnsd does not start with it)";
        } else if (cfg.origins.empty()) {
            c.status = Status::Warning;
            c.detail = files.empty()
                ? std::string("no configuration file, so no allowed origin: no "
                              "web portal can use the card")
                : "no allowed origin in " + files + ": no web portal can use the card";
            c.fix = "as root, list the portal in \"allowedOrigins\" of "
                + std::string(kSystemConfig)
                + " (e.g. {\"allowedOrigins\": [\"https://portal.example.it\"]}), then "
                  "systemctl --user restart tscnsd";
        } else {
            std::string list;
            for (const auto& o : cfg.origins)
                list += (list.empty() ? "" : ", ") + o;
            c.detail = std::to_string(cfg.origins.size()) + " allowed origin(s): " + list + " ("
                + files + ")";
        }
        out.push_back(c);
    }

} // namespace

int cmdDoctor(const std::vector<std::string>& args)
{
    bool json = false;
    std::optional<std::string> config;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-j" || a == "--json")
            json = true;
        else if (a == "--config" || a.rfind("--config=", 0) == 0) {
            if (a != "--config")
                config = a.substr(9);
            else if (i + 1 < args.size())
                config = args[++i];
            if (!config || config->empty())
                throw Error(Errc::BadArgument, "--config needs a value");
        } else if (a.size() > 1 && a[0] == '-')
            throw Error(Errc::BadArgument, "unknown option " + a + " (see tscns help doctor)");
        else
            throw Error(Errc::BadArgument, "unexpected argument \"" + a + "\"");
    }

    const fs::path home = homeDir();
    const auto p11 = findP11KitModuleFile(home);
    std::vector<Check> checks;
    checkCards(checks);
    checkBrowsers(checks, home, p11);
    checkP11Kit(checks, p11);
    const DaemonConfig cfg = readDaemonConfig(config, home);
    checkDaemon(checks, cfg);
    checkAllowlist(checks, cfg);

    int problems = 0;
    int warnings = 0;
    for (const auto& c : checks) {
        if (c.status == Status::Problem) ++problems;
        if (c.status == Status::Warning) ++warnings;
    }
    if (json) {
        Json arr = Json::array();
        for (const auto& c : checks) {
            Json j { { "check", c.check }, { "status", statusName(c.status) },
                { "detail", c.detail }, { "fix", c.fix.empty() ? Json(nullptr) : Json(c.fix) } };
            for (const auto& [k, v] : c.extra.items())
                j[k] = v;
            arr.push_back(j);
        }
        std::cout << Json {
            { "checks", arr }, { "problems", problems }, { "warnings", warnings }
        }.dump(2) << '\n';
    } else {
        for (const auto& c : checks) {
            std::printf("%-8s %-10s %s\n", statusName(c.status), c.check.c_str(), c.detail.c_str());
            if (!c.fix.empty()) std::printf("%-8s %-10s fix: %s\n", "", "", c.fix.c_str());
        }
        std::printf("%d problem(s), %d warning(s)\n", problems, warnings);
    }
    return problems == 0 ? kOk : kDoctorProblem;
}

} // namespace tscns::tool
