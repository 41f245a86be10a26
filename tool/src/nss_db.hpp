// SPDX-License-Identifier: LGPL-2.1-or-later
// The NSS databases of the user's browsers (Chromium's ~/.pki/nssdb, every Firefox profile),
// what their pkcs11.txt registers, p11-kit's module files, Firefox's profile lock, and NSS's
// command-line tools (modutil, certutil) run as subprocesses. Used by `tscns setup` and
// `tscns doctor`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::tool {

/// The name under which `tscns setup` registers the module (and the only one --remove deletes).
inline constexpr const char* kNssModuleName = "tscns";
/// The file name of the PKCS#11 module.
inline constexpr const char* kModuleFileName = "tscns-pkcs11.so";

enum class Browser { Chromium, Firefox };
[[nodiscard]] const char* browserName(Browser browser) noexcept;

/// One [ProfileN] section of Firefox's profiles.ini.
struct FirefoxProfile {
    std::string name; ///< Name= (may be empty)
    std::filesystem::path path; ///< absolute: IsRelative=1 paths are joined to the ini's folder
    bool isDefault = false; ///< Default=1
};

/// Parses profiles.ini text. `base` is the folder that holds it (relative paths are joined to
/// it). Sections other than [Profile...] and lines that are not key=value are ignored; a section
/// without Path= is dropped; the same path twice is listed once.
[[nodiscard]] std::vector<FirefoxProfile> parseProfilesIni(
    std::string_view text, const std::filesystem::path& base);
/// base/profiles.ini parsed; empty when the file is missing or unreadable.
[[nodiscard]] std::vector<FirefoxProfile> readProfilesIni(const std::filesystem::path& base);

/// A browser's NSS database (a folder that holds, or will hold, cert9.db and pkcs11.txt).
struct NssDatabase {
    std::filesystem::path dir;
    Browser browser = Browser::Chromium;
    std::string label; ///< "Chromium/Chrome", "Firefox profile NAME (snap)", ...
};

/// Chromium's database (listed even when it does not exist yet) and the profiles of every
/// profiles.ini under `home` (classic, Snap and Flatpak Firefox).
[[nodiscard]] std::vector<NssDatabase> findNssDatabases(const std::filesystem::path& home);

/// The user's home folder: $HOME, else the password database's entry.
[[nodiscard]] std::filesystem::path homeDir();

/// One module entry of an NSS pkcs11.txt.
struct NssModule {
    std::string name;
    std::string library; ///< empty for NSS's internal module
};

/// Parses pkcs11.txt: entries are groups of key=value lines separated by blank lines.
[[nodiscard]] std::vector<NssModule> parsePkcs11Txt(std::string_view text);
/// dir/pkcs11.txt parsed; empty when missing.
[[nodiscard]] std::vector<NssModule> readPkcs11Txt(const std::filesystem::path& dir);

/// True when the entry loads p11-kit's proxy module (p11-kit-proxy.so).
[[nodiscard]] bool isP11KitProxy(const NssModule& module);
[[nodiscard]] bool loadsP11KitProxy(const std::vector<NssModule>& modules);
/// True when the entry loads a file named tscns-pkcs11.so (whatever its name or folder).
[[nodiscard]] bool isTscnsModule(const NssModule& module);
/// The entries that load tscns-pkcs11.so, or carry our registration name.
[[nodiscard]] std::vector<NssModule> tscnsEntries(const std::vector<NssModule>& modules);
/// The entry registered as `name`, if any.
[[nodiscard]] std::optional<NssModule> moduleNamed(
    const std::vector<NssModule>& modules, std::string_view name);

/// A p11-kit module configuration file (pkcs11.conf(5)) naming our module.
struct P11KitModuleFile {
    std::filesystem::path file;
    std::string module; ///< "module:" as written (relative to p11-kit's module folder, or absolute)
    std::vector<std::string> enableIn; ///< "enable-in:" program names (empty: every program)
    std::vector<std::string> disableIn; ///< "disable-in:" program names
};
/// Parses a .module file's text (key: value lines, # comments).
[[nodiscard]] P11KitModuleFile parseP11KitModule(std::string_view text);
/// The tscns.module p11-kit would use: ~/.config/pkcs11/modules first, then
/// /etc/pkcs11/modules, then /usr/share/p11-kit/modules (a user's file overrides the system's).
[[nodiscard]] std::optional<P11KitModuleFile> findP11KitModuleFile(
    const std::filesystem::path& home);
/// The module's absolute path as p11-kit resolves it (relative: p11-kit's module folder).
[[nodiscard]] std::filesystem::path p11KitModulePath(const P11KitModuleFile& file);
/// True when p11-kit loads the module in at least one of `programs` (enable-in / disable-in).
[[nodiscard]] bool p11KitLoadsIn(
    const P11KitModuleFile& file, const std::vector<std::string>& programs);
/// The program names p11-kit sees for a browser's processes.
[[nodiscard]] std::vector<std::string> browserPrograms(Browser browser);

/// Why a Firefox profile is in use ("lock" held by a running process, or ".parentlock"
/// locked); nullopt when it is not.
[[nodiscard]] std::optional<std::string> profileInUse(const std::filesystem::path& dir);

/// The exit status and the standard output and error (merged) of a program run without a shell.
struct ProgramResult {
    int status = -1; ///< exit status; -1 when the program could not be started or was killed
    std::string output;
    bool notFound = false; ///< the program is not installed (not on PATH)
};
/// Runs argv[0] (looked up on PATH) with argv, standard input from /dev/null.
[[nodiscard]] ProgramResult runProgram(const std::vector<std::string>& argv);

/// The last non-empty line of a program's output (for one-line failure reasons).
[[nodiscard]] std::string lastLine(std::string_view output);

/// The installed module: next to the running binary (../<libdir>/pkcs11, ../lib/<multiarch>/pkcs11,
/// ../lib/pkcs11), the build tree (../pkcs11 when run from build/tool), then
/// /usr/lib/<multiarch>/pkcs11. nullopt when none exists.
[[nodiscard]] std::optional<std::filesystem::path> findInstalledModule();
/// Every path findInstalledModule() looks at, in order (for the error message).
[[nodiscard]] std::vector<std::filesystem::path> moduleCandidates();

/// True when `a` and `b` name the same file (both exist and are equivalent, or the same text).
[[nodiscard]] bool sameFile(const std::filesystem::path& a, const std::filesystem::path& b);

} // namespace tscns::tool
