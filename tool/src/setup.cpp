// SPDX-License-Identifier: LGPL-2.1-or-later
// `tscns setup`: one modutil registration of tscns-pkcs11.so per browser NSS database, skipped
// where p11-kit's proxy already loads it, undone by --remove.
#include "setup.hpp"

#include "exit_codes.hpp"
#include "nss_db.hpp"

#include "tscns/apdu/error.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

namespace tscns::tool {

const char* const kSetupUsage = R"(Usage: tscns setup [--remove] [--module PATH] [--json]

Registers the tscns PKCS#11 module (tscns-pkcs11.so) for the current user in every browser NSS
database: Chromium/Chrome's ~/.pki/nssdb (created, with an empty password, when missing) and
each Firefox profile of ~/.mozilla/firefox/profiles.ini, and of the Snap and Flatpak Firefox.
It runs NSS's modutil (package libnss3-tools) and registers the module as "tscns".

  --module PATH   the module to register (default: the installed tscns-pkcs11.so)
  --remove        remove the "tscns" registration from every database (nothing else)
  -j, --json      a JSON array, one object per database

Running it again changes nothing. A database that already loads p11-kit's proxy
(p11-kit-proxy.so) while p11-kit loads tscns (a tscns.module file) is skipped: the browser would
see the card twice. Another registration of tscns-pkcs11.so is reported, and replaced when it
names another file. A Firefox profile in use is skipped: close Firefox and run it again.

Each database gets one line: path, browser, then added, replaced, already present, removed,
not registered, skipped (reason) or failed (reason).
Exit status: 0 when every database is fine, 13 when one was skipped because it is in use or
could not be changed, 15 when the module file is missing, 2 for a bad command line.
)";

namespace {

    namespace fs = std::filesystem;
    using Json = nlohmann::ordered_json;

    struct DbResult {
        NssDatabase db;
        std::string action;
        std::string reason;
        bool fine = true;
    };

    /// modutil or certutil, with a clear error when NSS's tools are missing.
    ProgramResult runNssTool(const std::vector<std::string>& argv)
    {
        auto r = runProgram(argv);
        if (r.notFound)
            throw Error(Errc::Unsupported,
                argv[0] + " not found: install NSS's tools (sudo apt install libnss3-tools)");
        return r;
    }

    std::string sqlDir(const fs::path& dir)
    {
        return "sql:" + dir.string();
    }

    /// mkdir -p with mode 0700 for the folders it creates.
    bool makePrivateDirs(const fs::path& dir, std::string& error)
    {
        std::error_code ec;
        if (fs::is_directory(dir, ec)) return true;
        if (!dir.has_parent_path() || dir.parent_path() == dir) return false;
        if (!makePrivateDirs(dir.parent_path(), error)) return false;
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
            error = "cannot create " + dir.string() + ": " + std::strerror(errno);
            return false;
        }
        return true;
    }

    bool dbExists(const fs::path& dir)
    {
        std::error_code ec;
        return fs::exists(dir / "cert9.db", ec) || fs::exists(dir / "pkcs11.txt", ec);
    }

    /// Runs modutil; on failure fills `r` (failed, with modutil's last line).
    bool modutil(DbResult& r, std::vector<std::string> args)
    {
        args.insert(args.begin(), "modutil");
        args.push_back("-dbdir");
        args.push_back(sqlDir(r.db.dir));
        args.push_back("-force");
        const auto out = runNssTool(args);
        if (out.status == 0) return true;
        r.action = "failed";
        r.reason = "modutil: " + lastLine(out.output);
        r.fine = false;
        return false;
    }

    bool addModule(DbResult& r, const fs::path& module)
    {
        return modutil(r, { "-add", kNssModuleName, "-libfile", module.string() });
    }

    bool deleteModule(DbResult& r, const std::string& name)
    {
        return modutil(r, { "-delete", name });
    }

    /// After a change: the database must hold exactly one entry of ours.
    bool verifyAdded(DbResult& r, const fs::path& module)
    {
        const auto after = readPkcs11Txt(r.db.dir);
        const auto ours = moduleNamed(after, kNssModuleName);
        if (ours && sameFile(ours->library, module)) return true;
        r.action = "failed";
        r.reason = "modutil reported success but pkcs11.txt does not list the module";
        r.fine = false;
        return false;
    }

    void setupOne(DbResult& r, const fs::path& module, const std::optional<P11KitModuleFile>& p11)
    {
        const bool firefox = r.db.browser == Browser::Firefox;
        std::error_code ec;
        if (firefox && !fs::is_directory(r.db.dir, ec)) {
            r.action = "skipped";
            r.reason = "the profile folder does not exist";
            return;
        }
        if (firefox) {
            if (const auto why = profileInUse(r.db.dir)) {
                r.action = "skipped";
                r.reason = *why + ": close Firefox first, then run tscns setup again";
                r.fine = false;
                return;
            }
        }
        std::string created;
        if (!dbExists(r.db.dir)) {
            std::string error;
            if (!makePrivateDirs(r.db.dir, error)) {
                r.action = "failed";
                r.reason = error;
                r.fine = false;
                return;
            }
            const auto out
                = runNssTool({ "certutil", "-N", "-d", sqlDir(r.db.dir), "--empty-password" });
            if (out.status != 0) {
                r.action = "failed";
                r.reason = "certutil -N: " + lastLine(out.output);
                r.fine = false;
                return;
            }
            created = "created the database, empty password";
        }
        const auto modules = readPkcs11Txt(r.db.dir);
        const auto ours = moduleNamed(modules, kNssModuleName);
        if (loadsP11KitProxy(modules) && p11
            && p11KitLoadsIn(*p11, browserPrograms(r.db.browser))) {
            r.action = "skipped";
            r.reason = "p11-kit-proxy is loaded here and p11-kit loads tscns (" + p11->file.string()
                + ")";
            if (ours) {
                // An earlier setup's registration would show the card twice.
                if (!deleteModule(r, kNssModuleName)) return;
                r.reason += "; removed the earlier \"tscns\" registration";
            }
            return;
        }
        auto join = [](std::string a, const std::string& b) {
            if (a.empty()) return b;
            if (b.empty()) return a;
            return a + "; " + b;
        };
        if (ours) {
            if (sameFile(ours->library, module)) {
                r.action = "already present";
                r.reason = created;
                return;
            }
            if (!deleteModule(r, kNssModuleName) || !addModule(r, module)
                || !verifyAdded(r, module))
                return;
            r.action = "replaced";
            r.reason = join(created, "\"tscns\" named " + ours->library);
            return;
        }
        // Registered by hand or by another tool, under another name.
        std::string note;
        for (const auto& other : tscnsEntries(modules)) {
            if (sameFile(other.library, module)) {
                r.action = "already present";
                r.reason = join(created, "registered as \"" + other.name + "\"");
                return;
            }
            if (!deleteModule(r, other.name)) return;
            note = join(note, "replaced \"" + other.name + "\" (" + other.library + ")");
        }
        if (!addModule(r, module) || !verifyAdded(r, module)) return;
        r.action = note.empty() ? "added" : "replaced";
        r.reason = join(created, note);
    }

    void removeOne(DbResult& r)
    {
        std::error_code ec;
        if (!fs::is_directory(r.db.dir, ec) || !dbExists(r.db.dir)) {
            r.action = "not registered";
            r.reason = "no database";
            return;
        }
        const auto modules = readPkcs11Txt(r.db.dir);
        if (!moduleNamed(modules, kNssModuleName)) {
            r.action = "not registered";
            return;
        }
        if (r.db.browser == Browser::Firefox) {
            if (const auto why = profileInUse(r.db.dir)) {
                r.action = "skipped";
                r.reason = *why + ": close Firefox first, then run tscns setup --remove again";
                r.fine = false;
                return;
            }
        }
        if (!deleteModule(r, kNssModuleName)) return;
        if (moduleNamed(readPkcs11Txt(r.db.dir), kNssModuleName)) {
            r.action = "failed";
            r.reason = "modutil reported success but pkcs11.txt still lists \"tscns\"";
            r.fine = false;
            return;
        }
        r.action = "removed";
    }

    int noModule(const std::string& message, bool json)
    {
        if (json) {
            Json j;
            j["error"] = { { "code", "NoModule" }, { "message", message },
                { "exitCode", static_cast<int>(kNoModule) } };
            std::cout << j.dump(2) << '\n';
        }
        std::fprintf(stderr, "tscns: %s\n", message.c_str());
        return kNoModule;
    }

} // namespace

int cmdSetup(const std::vector<std::string>& args)
{
    bool remove = false;
    bool json = false;
    std::optional<std::string> modulePath;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--remove")
            remove = true;
        else if (a == "-j" || a == "--json")
            json = true;
        else if (a == "--module" || a.rfind("--module=", 0) == 0) {
            if (a != "--module")
                modulePath = a.substr(9);
            else if (i + 1 < args.size())
                modulePath = args[++i];
            else
                throw Error(Errc::BadArgument, "--module needs a value");
            if (modulePath->empty()) throw Error(Errc::BadArgument, "--module needs a value");
        } else if (a.size() > 1 && a[0] == '-')
            throw Error(Errc::BadArgument, "unknown option " + a + " (see tscns help setup)");
        else
            throw Error(Errc::BadArgument, "unexpected argument \"" + a + "\"");
    }

    fs::path module;
    if (!remove) {
        if (modulePath) {
            std::error_code ec;
            if (!fs::is_regular_file(*modulePath, ec))
                return noModule("the module " + *modulePath + " does not exist", json);
            module = fs::absolute(*modulePath).lexically_normal();
        } else if (const auto found = findInstalledModule()) {
            module = *found;
        } else {
            std::string where;
            for (const auto& p : moduleCandidates())
                where += "\n  " + p.string();
            return noModule("tscns-pkcs11.so not found (install the tscns PKCS#11 module, or "
                            "name it with --module PATH); looked at:"
                    + where,
                json);
        }
    }

    const fs::path home = homeDir();
    const auto p11 = findP11KitModuleFile(home);
    std::vector<DbResult> results;
    for (const auto& db : findNssDatabases(home)) {
        DbResult r { db, "", "", true };
        if (remove)
            removeOne(r);
        else
            setupOne(r, module, p11);
        results.push_back(r);
    }

    bool allFine = true;
    for (const auto& r : results)
        allFine = allFine && r.fine;
    if (json) {
        Json arr = Json::array();
        for (const auto& r : results)
            arr.push_back(
                Json { { "path", r.db.dir.string() }, { "browser", browserName(r.db.browser) },
                    { "label", r.db.label }, { "action", r.action },
                    { "reason", r.reason.empty() ? Json(nullptr) : Json(r.reason) },
                    { "ok", r.fine } });
        std::cout << arr.dump(2) << '\n';
    } else {
        if (!remove) std::printf("module %s\n", module.c_str());
        for (const auto& r : results)
            std::printf("%s  %s (%s): %s%s\n", r.db.dir.c_str(), browserName(r.db.browser),
                r.db.label.c_str(), r.action.c_str(),
                r.reason.empty() ? "" : (" (" + r.reason + ")").c_str());
    }
    return allFine ? kOk : kSetupIncomplete;
}

} // namespace tscns::tool
