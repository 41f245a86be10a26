// SPDX-License-Identifier: LGPL-2.1-or-later
// Browser NSS databases, pkcs11.txt, p11-kit module files, Firefox's profile lock, modutil.
#include "nss_db.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

extern char** environ;

#ifndef TSCNS_MULTIARCH
#define TSCNS_MULTIARCH "x86_64-linux-gnu"
#endif
#ifndef TSCNS_INSTALL_LIBDIR
#define TSCNS_INSTALL_LIBDIR "lib"
#endif
#ifndef TSCNS_P11KIT_MODULE_PATH
#define TSCNS_P11KIT_MODULE_PATH "/usr/lib/" TSCNS_MULTIARCH "/pkcs11"
#endif

namespace tscns::tool {

namespace fs = std::filesystem;

namespace {
    std::string_view trim(std::string_view s)
    {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
            s.remove_suffix(1);
        return s;
    }

    std::vector<std::string_view> lines(std::string_view text)
    {
        std::vector<std::string_view> out;
        std::size_t pos = 0;
        while (pos <= text.size()) {
            std::size_t eol = text.find('\n', pos);
            if (eol == std::string_view::npos) eol = text.size();
            out.push_back(text.substr(pos, eol - pos));
            pos = eol + 1;
        }
        return out;
    }

    std::optional<std::string> readText(const fs::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        if (!in) return std::nullopt;
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    std::string lower(std::string_view s)
    {
        std::string out(s);
        for (char& c : out)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return out;
    }

    std::string unquote(std::string_view v)
    {
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return std::string(v);
    }

    std::vector<std::string> splitList(std::string_view v)
    {
        std::vector<std::string> out;
        std::size_t pos = 0;
        while (pos <= v.size()) {
            std::size_t end = v.find_first_of(", \t", pos);
            if (end == std::string_view::npos) end = v.size();
            const auto item = trim(v.substr(pos, end - pos));
            if (!item.empty()) out.emplace_back(item);
            pos = end + 1;
        }
        return out;
    }

    bool fileExists(const fs::path& p)
    {
        std::error_code ec;
        return fs::exists(p, ec);
    }
} // namespace

const char* browserName(Browser browser) noexcept
{
    return browser == Browser::Firefox ? "firefox" : "chromium";
}

std::vector<FirefoxProfile> parseProfilesIni(std::string_view text, const fs::path& base)
{
    std::vector<FirefoxProfile> out;
    std::set<std::string> seen;
    bool inProfile = false;
    FirefoxProfile current;
    std::string rawPath;
    bool relative = false;
    auto flush = [&] {
        if (inProfile && !rawPath.empty()) {
            fs::path p(rawPath);
            current.path = (relative || p.is_relative()) ? (base / p) : p;
            current.path = current.path.lexically_normal();
            if (seen.insert(current.path.string()).second) out.push_back(current);
        }
        current = FirefoxProfile {};
        rawPath.clear();
        relative = false;
    };
    for (auto line : lines(text)) {
        line = trim(line);
        if (line.empty() || line.front() == ';' || line.front() == '#') continue;
        if (line.front() == '[') {
            flush();
            const auto close = line.find(']');
            const auto section
                = close == std::string_view::npos ? line.substr(1) : line.substr(1, close - 1);
            inProfile = section.rfind("Profile", 0) == 0;
            continue;
        }
        if (!inProfile) continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue; // garbage
        const auto key = trim(line.substr(0, eq));
        const auto value = trim(line.substr(eq + 1));
        if (key == "Name")
            current.name = std::string(value);
        else if (key == "Path")
            rawPath = std::string(value);
        else if (key == "IsRelative")
            relative = value == "1";
        else if (key == "Default")
            current.isDefault = value == "1";
    }
    flush();
    return out;
}

std::vector<FirefoxProfile> readProfilesIni(const fs::path& base)
{
    const auto text = readText(base / "profiles.ini");
    if (!text) return {};
    return parseProfilesIni(*text, base);
}

fs::path homeDir()
{
    if (const char* h = std::getenv("HOME"); h != nullptr && *h == '/') return h;
    if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr)
        return pw->pw_dir;
    return "/";
}

std::vector<NssDatabase> findNssDatabases(const fs::path& home)
{
    std::vector<NssDatabase> out;
    out.push_back({ home / ".pki" / "nssdb", Browser::Chromium, "Chromium/Chrome" });
    struct Place {
        fs::path dir;
        const char* kind;
    };
    const Place places[] = {
        { home / ".mozilla" / "firefox", "" },
        { home / "snap" / "firefox" / "common" / ".mozilla" / "firefox", " (snap)" },
        { home / ".var" / "app" / "org.mozilla.firefox" / ".mozilla" / "firefox", " (flatpak)" },
    };
    std::set<std::string> seen;
    for (const auto& place : places) {
        for (const auto& p : readProfilesIni(place.dir)) {
            if (!seen.insert(p.path.string()).second) continue;
            const std::string name = p.name.empty() ? p.path.filename().string() : p.name;
            out.push_back(
                { p.path, Browser::Firefox, "Firefox profile " + name + std::string(place.kind) });
        }
    }
    return out;
}

std::vector<NssModule> parsePkcs11Txt(std::string_view text)
{
    std::vector<NssModule> out;
    NssModule current;
    bool open = false;
    auto flush = [&] {
        if (open) out.push_back(current);
        current = NssModule {};
        open = false;
    };
    for (auto line : lines(text)) {
        line = trim(line);
        if (line.empty()) {
            flush();
            continue;
        }
        if (line.front() == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        const auto key = trim(line.substr(0, eq));
        const auto value = unquote(trim(line.substr(eq + 1)));
        if (key == "library") {
            if (open && (!current.library.empty() || !current.name.empty())) flush();
            current.library = value;
            open = true;
        } else if (key == "name") {
            if (open && !current.name.empty()) flush();
            current.name = value;
            open = true;
        }
    }
    flush();
    return out;
}

std::vector<NssModule> readPkcs11Txt(const fs::path& dir)
{
    const auto text = readText(dir / "pkcs11.txt");
    if (!text) return {};
    return parsePkcs11Txt(*text);
}

bool isP11KitProxy(const NssModule& module)
{
    return fs::path(module.library).filename() == "p11-kit-proxy.so";
}

bool loadsP11KitProxy(const std::vector<NssModule>& modules)
{
    return std::any_of(modules.begin(), modules.end(), isP11KitProxy);
}

bool isTscnsModule(const NssModule& module)
{
    return fs::path(module.library).filename() == kModuleFileName;
}

std::vector<NssModule> tscnsEntries(const std::vector<NssModule>& modules)
{
    std::vector<NssModule> out;
    for (const auto& m : modules)
        if (isTscnsModule(m) || m.name == kNssModuleName) out.push_back(m);
    return out;
}

std::optional<NssModule> moduleNamed(const std::vector<NssModule>& modules, std::string_view name)
{
    for (const auto& m : modules)
        if (m.name == name) return m;
    return std::nullopt;
}

P11KitModuleFile parseP11KitModule(std::string_view text)
{
    P11KitModuleFile out;
    for (auto line : lines(text)) {
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const auto key = lower(trim(line.substr(0, colon)));
        const auto value = trim(line.substr(colon + 1));
        if (key == "module")
            out.module = std::string(value);
        else if (key == "enable-in")
            out.enableIn = splitList(value);
        else if (key == "disable-in")
            out.disableIn = splitList(value);
    }
    return out;
}

std::optional<P11KitModuleFile> findP11KitModuleFile(const fs::path& home)
{
    const fs::path dirs[] = {
        home / ".config" / "pkcs11" / "modules",
        "/etc/pkcs11/modules",
        "/usr/share/p11-kit/modules",
    };
    for (const auto& d : dirs) {
        const fs::path file = d / "tscns.module";
        if (const auto text = readText(file)) {
            auto parsed = parseP11KitModule(*text);
            parsed.file = file;
            return parsed;
        }
    }
    return std::nullopt;
}

fs::path p11KitModulePath(const P11KitModuleFile& file)
{
    const fs::path m(file.module);
    if (m.empty() || m.is_absolute()) return m;
    return fs::path(TSCNS_P11KIT_MODULE_PATH) / m;
}

bool p11KitLoadsIn(const P11KitModuleFile& file, const std::vector<std::string>& programs)
{
    if (file.module.empty()) return false;
    auto listed = [](const std::vector<std::string>& list, const std::string& program) {
        return std::find(list.begin(), list.end(), program) != list.end();
    };
    for (const auto& program : programs) {
        if (listed(file.disableIn, program)) continue;
        if (!file.enableIn.empty() && !listed(file.enableIn, program)) continue;
        return true;
    }
    return false;
}

std::vector<std::string> browserPrograms(Browser browser)
{
    if (browser == Browser::Firefox) return { "firefox", "firefox-esr", "firefox-bin" };
    return { "chromium", "chrome", "google-chrome", "chromium-browser" };
}

std::optional<std::string> profileInUse(const fs::path& dir)
{
    // "lock": a symbolic link whose target is "ADDRESS:+PID" while Firefox runs.
    std::error_code ec;
    const fs::path lock = dir / "lock";
    if (fs::is_symlink(fs::symlink_status(lock, ec))) {
        const std::string target = fs::read_symlink(lock, ec).string();
        const auto plus = target.rfind(":+");
        if (plus != std::string::npos) {
            const std::string digits = target.substr(plus + 2);
            if (!digits.empty() && digits.size() < 10
                && digits.find_first_not_of("0123456789") == std::string::npos) {
                const pid_t pid = static_cast<pid_t>(std::stol(digits));
                if (kill(pid, 0) == 0 || errno == EPERM)
                    return "Firefox (process " + digits + ") holds " + lock.string();
                // A link left by a crash: the process is gone.
            } else {
                return "the profile's lock is taken (" + lock.string() + ")";
            }
        } else {
            return "the profile's lock is taken (" + lock.string() + ")";
        }
    }
    // ".parentlock": Firefox holds a POSIX record lock on it while it runs.
    const fs::path parent = dir / ".parentlock";
    const int fd = ::open(parent.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        struct flock fl { };
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        const bool held = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
        const pid_t holder = fl.l_pid;
        ::close(fd);
        if (held)
            return "Firefox (process " + std::to_string(holder) + ") holds " + parent.string();
    }
    return std::nullopt;
}

ProgramResult runProgram(const std::vector<std::string>& argv)
{
    ProgramResult result;
    if (argv.empty()) return result;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        result.notFound = rc == ENOENT;
        result.output = argv[0] + ": " + std::strerror(rc);
        return result;
    }
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0) {
            result.output.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    ::close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return result;
    // posix_spawnp reports a missing program as exit status 127 with glibc's vfork path.
    if (WIFEXITED(status)) {
        result.status = WEXITSTATUS(status);
        if (result.status == 127 && result.output.empty()) result.notFound = true;
    }
    return result;
}

std::string lastLine(std::string_view output)
{
    auto all = lines(output);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        const auto l = trim(*it);
        if (!l.empty()) return std::string(l);
    }
    return {};
}

std::vector<fs::path> moduleCandidates()
{
    std::vector<fs::path> out;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path up = exe.parent_path().parent_path();
        out.push_back(up / TSCNS_INSTALL_LIBDIR / "pkcs11" / kModuleFileName);
        out.push_back(up / "lib" / TSCNS_MULTIARCH / "pkcs11" / kModuleFileName);
        out.push_back(up / "lib" / "pkcs11" / kModuleFileName);
        out.push_back(up / "pkcs11" / kModuleFileName); // build/tool/tscns -> build/pkcs11
    }
    out.push_back(fs::path("/usr/lib") / TSCNS_MULTIARCH / "pkcs11" / kModuleFileName);
    out.push_back(fs::path("/usr/lib/pkcs11") / kModuleFileName);
    // The same folder twice (libdir = lib/<multiarch>): keep the first.
    std::vector<fs::path> unique;
    for (auto& p : out) {
        p = p.lexically_normal();
        if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
    }
    return unique;
}

std::optional<fs::path> findInstalledModule()
{
    for (const auto& p : moduleCandidates()) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p;
    }
    return std::nullopt;
}

bool sameFile(const fs::path& a, const fs::path& b)
{
    if (a.lexically_normal() == b.lexically_normal()) return true;
    if (!fileExists(a) || !fileExists(b)) return false;
    std::error_code ec;
    return fs::equivalent(a, b, ec);
}

} // namespace tscns::tool
