// SPDX-License-Identifier: LGPL-2.1-or-later
// nss_db: Firefox's profiles.ini, NSS's pkcs11.txt, p11-kit module files, the profile lock.
#include "groups.hpp"

#include "nss_db.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

// Last: it brings cmocka, whose fail() macro clashes with standard headers.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::tool;
using tscns::test::Checker;
namespace fs = std::filesystem;

namespace {

void writeFile(const fs::path& file, const std::string& text)
{
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

void profilesIni_relativeAndAbsolute_bothListed(void**)
{
    TSCNS_CHECK([](Checker& c) {
        const std::string ini = "[General]\nStartWithLastProfile=1\nVersion=2\n\n"
                                "[Profile0]\nName=default-release\nIsRelative=1\n"
                                "Path=abcd1234.default-release\nDefault=1\n\n"
                                "[Profile1]\nName=work\nIsRelative=0\nPath=/data/ff/work\n\n"
                                "[Install4F96D1932A9F858E]\nDefault=abcd1234.default-release\n"
                                "Locked=1\n";
        const auto p = parseProfilesIni(ini, "/home/u/.mozilla/firefox");
        c.eq(p.size(), 2U, "two profiles (the Install section is not one)");
        if (p.size() != 2) return;
        c.eq(p[0].name, std::string("default-release"), "first name");
        c.eq(p[0].path.string(), std::string("/home/u/.mozilla/firefox/abcd1234.default-release"),
            "relative path joined to the ini's folder");
        c.that(p[0].isDefault, "Default=1");
        c.eq(p[1].name, std::string("work"), "second name");
        c.eq(p[1].path.string(), std::string("/data/ff/work"), "absolute path kept");
        c.that(!p[1].isDefault, "not default");
    });
}

void profilesIni_severalProfiles_orderKeptDuplicatesDropped(void**)
{
    TSCNS_CHECK([](Checker& c) {
        const std::string ini = "[Profile2]\r\nName=c\r\nIsRelative=1\r\nPath=c.c\r\n"
                                "[Profile0]\nName=a\nIsRelative=1\nPath=a.a\n"
                                "[Profile1]\nName=b\nIsRelative=1\nPath=Profiles/b.b\n"
                                "[Profile3]\nName=a-again\nIsRelative=0\nPath=/ff/a.a\n";
        const auto p = parseProfilesIni(ini, "/ff");
        c.eq(p.size(), 3U, "three distinct profiles");
        if (p.size() != 3) return;
        c.eq(p[0].path.string(), std::string("/ff/c.c"), "CRLF lines, file order kept");
        c.eq(p[1].path.string(), std::string("/ff/a.a"), "second");
        c.eq(p[2].path.string(), std::string("/ff/Profiles/b.b"), "sub-folder");
    });
}

void profilesIni_garbage_ignored(void**)
{
    TSCNS_CHECK([](Checker& c) {
        const std::string ini = "this is not ini\n=\n[Profile0\nName=x\nno equals sign here\n"
                                "; comment\n# comment\nIsRelative=1\nPath=x.x\n"
                                "[Profile1]\nName=no-path\nIsRelative=1\n"
                                "[Profile2]\nPath=\n"
                                "Path=stray line outside any profile?\n"
                                "[Profile3]\n  Name = spaced \n IsRelative = 1 \n Path = s.s \n"
                                "\x01\x02\xff binary\n";
        const auto p = parseProfilesIni(ini, "/b");
        c.eq(p.size(), 3U, "x, stray and spaced (no-path and empty Path dropped)");
        if (p.size() != 3) return;
        c.eq(p[0].path.string(), std::string("/b/x.x"), "unterminated section header still read");
        c.eq(p[2].name, std::string("spaced"), "trimmed name");
        c.eq(p[2].path.string(), std::string("/b/s.s"), "trimmed path");
        c.that(parseProfilesIni("", "/b").empty(), "empty text");
        c.that(parseProfilesIni("[General]\nPath=nope\n", "/b").empty(), "no Profile section");
    });
}

void profilesIni_missingFile_empty(void**)
{
    const fs::path dir = tscns::test::makeTempDir("tool-ini");
    TSCNS_CHECK([&](Checker& c) {
        c.that(readProfilesIni(dir).empty(), "no profiles.ini: no profiles");
        c.that(readProfilesIni(dir / "does-not-exist").empty(), "no folder: no profiles");
        writeFile(dir / "profiles.ini", "[Profile0]\nIsRelative=1\nPath=p\n");
        const auto p = readProfilesIni(dir);
        c.eq(p.size(), 1U, "the file is read");
        if (!p.empty()) c.eq(p[0].path, dir / "p", "joined to the folder");
    });
    tscns::test::removeTree(dir);
}

void findNssDatabases_everyPlace(void**)
{
    const fs::path home = tscns::test::makeTempDir("tool-home");
    TSCNS_CHECK([&](Checker& c) {
        writeFile(
            home / ".mozilla/firefox/profiles.ini", "[Profile0]\nName=A\nIsRelative=1\nPath=a\n");
        writeFile(home / "snap/firefox/common/.mozilla/firefox/profiles.ini",
            "[Profile0]\nName=S\nIsRelative=1\nPath=s\n");
        writeFile(home / ".var/app/org.mozilla.firefox/.mozilla/firefox/profiles.ini",
            "[Profile0]\nName=F\nIsRelative=0\nPath=" + (home / "elsewhere").string() + "\n");
        const auto dbs = findNssDatabases(home);
        c.eq(dbs.size(), 4U, "Chromium + three Firefox profiles");
        if (dbs.size() != 4) return;
        c.eq(dbs[0].dir, home / ".pki/nssdb", "Chromium first, listed though missing");
        c.that(dbs[0].browser == Browser::Chromium, "chromium");
        c.eq(dbs[1].dir, home / ".mozilla/firefox/a", "classic");
        c.eq(dbs[2].dir, home / "snap/firefox/common/.mozilla/firefox/s", "snap");
        c.contains(dbs[2].label, "(snap)", "snap label");
        c.eq(dbs[3].dir, home / "elsewhere", "flatpak, absolute");
        c.that(dbs[3].browser == Browser::Firefox, "firefox");
    });
    tscns::test::removeTree(home);
}

const char* const kPkcs11Txt
    = "library=\n"
      "name=NSS Internal PKCS #11 Module\n"
      "parameters=configdir='sql:/home/u/.pki/nssdb' certPrefix='' keyPrefix='' "
      "secmod='secmod.db' flags= updatedir='' \n"
      "NSS=Flags=internal,critical trustOrder=75 cipherOrder=100 "
      "slotParams=(1={slotFlags=[ECC,RSA,DSA,DH,RC2,RC4,DES,RANDOM,SHA1,MD5,MD2,SSL,TLS,AES,"
      "Camellia,SEED,SHA256,SHA512] askpw=any timeout=30})\n"
      "\n"
      "library=/usr/lib/x86_64-linux-gnu/pkcs11/tscns-pkcs11.so\n"
      "name=tscns\n"
      "\n";

void pkcs11Txt_modulesRead(void**)
{
    TSCNS_CHECK([](Checker& c) {
        const auto m = parsePkcs11Txt(kPkcs11Txt);
        c.eq(m.size(), 2U, "internal + tscns");
        if (m.size() != 2) return;
        c.eq(m[0].name, std::string("NSS Internal PKCS #11 Module"), "internal name");
        c.that(m[0].library.empty(), "internal: no library");
        c.that(!isTscnsModule(m[0]), "internal is not ours");
        c.eq(m[1].name, std::string("tscns"), "our name");
        c.that(isTscnsModule(m[1]), "ours by file name");
        c.that(moduleNamed(m, "tscns").has_value(), "found by name");
        c.that(!moduleNamed(m, "other").has_value(), "other name absent");
        c.eq(tscnsEntries(m).size(), 1U, "one tscns entry");
        c.that(!loadsP11KitProxy(m), "no p11-kit proxy");
        c.that(parsePkcs11Txt("").empty(), "empty file");
        c.that(parsePkcs11Txt("garbage\n\n\n").empty(), "garbage only");
    });
}

void pkcs11Txt_otherNameAndProxy(void**)
{
    TSCNS_CHECK([](Checker& c) {
        // No blank line between entries; a quoted name; CRLF.
        const std::string text = "library=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so\r\n"
                                 "name=p11-kit-proxy\r\n"
                                 "library=/opt/old/lib/tscns-pkcs11.so\n"
                                 "name=\"My CNS\"\n"
                                 "library=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\n"
                                 "name=OpenSC\n";
        const auto m = parsePkcs11Txt(text);
        c.eq(m.size(), 3U, "three entries");
        if (m.size() != 3) return;
        c.that(isP11KitProxy(m[0]), "the proxy by file name");
        c.that(loadsP11KitProxy(m), "the database loads the proxy");
        c.eq(m[1].name, std::string("My CNS"), "quotes removed");
        c.that(isTscnsModule(m[1]), "ours under another name and folder");
        c.that(!moduleNamed(m, kNssModuleName), "not under our name");
        c.eq(tscnsEntries(m).size(), 1U, "found by file name");
        c.that(!isTscnsModule(m[2]) && !isP11KitProxy(m[2]), "OpenSC is neither");
    });
}

void pkcs11Txt_missingFile_empty(void**)
{
    const fs::path dir = tscns::test::makeTempDir("tool-p11txt");
    TSCNS_CHECK([&](Checker& c) {
        c.that(readPkcs11Txt(dir).empty(), "no pkcs11.txt: nothing registered");
        writeFile(dir / "pkcs11.txt", kPkcs11Txt);
        c.eq(readPkcs11Txt(dir).size(), 2U, "the file is read");
    });
    tscns::test::removeTree(dir);
}

void p11KitModule_enableDisable(void**)
{
    TSCNS_CHECK([](Checker& c) {
        const auto plain = parseP11KitModule("# comment\nmodule: tscns-pkcs11.so\ncritical: no\n");
        c.eq(plain.module, std::string("tscns-pkcs11.so"), "module");
        c.that(p11KitLoadsIn(plain, browserPrograms(Browser::Firefox)), "loaded everywhere");
        const auto off = parseP11KitModule("module: /x/tscns-pkcs11.so\ndisable-in: firefox, "
                                           "firefox-esr firefox-bin\n");
        c.that(!p11KitLoadsIn(off, browserPrograms(Browser::Firefox)), "disabled in Firefox");
        c.that(p11KitLoadsIn(off, browserPrograms(Browser::Chromium)), "still in Chromium");
        c.eq(p11KitModulePath(off).string(), std::string("/x/tscns-pkcs11.so"), "absolute kept");
        const auto only = parseP11KitModule("Module: m.so\nenable-in: chromium\n");
        c.that(p11KitLoadsIn(only, browserPrograms(Browser::Chromium)), "enabled in Chromium");
        c.that(!p11KitLoadsIn(only, browserPrograms(Browser::Firefox)), "only there");
        c.that(p11KitModulePath(only).is_absolute(), "relative resolved to p11-kit's folder");
        c.that(!p11KitLoadsIn(parseP11KitModule("critical: no\n"), { "firefox" }),
            "no module line: nothing loaded");
    });
}

void p11KitModule_userFileFound(void**)
{
    const fs::path home = tscns::test::makeTempDir("tool-p11kit");
    TSCNS_CHECK([&](Checker& c) {
        writeFile(home / ".config/pkcs11/modules/tscns.module", "module: /u/tscns-pkcs11.so\n");
        const auto f = findP11KitModuleFile(home);
        c.that(f.has_value(), "found");
        if (f) {
            c.eq(f->file, home / ".config/pkcs11/modules/tscns.module", "the user's file first");
            c.eq(f->module, std::string("/u/tscns-pkcs11.so"), "its module");
        }
    });
    tscns::test::removeTree(home);
}

void profileLock_symlinkAndParentlock(void**)
{
    const fs::path dir = tscns::test::makeTempDir("tool-lock");
    TSCNS_CHECK([&](Checker& c) {
        c.that(!profileInUse(dir), "no lock files: free");
        fs::create_symlink("127.0.0.1:+" + std::to_string(getpid()), dir / "lock");
        const auto held = profileInUse(dir);
        c.that(held.has_value(), "lock naming a live process: in use");
        if (held) c.contains(*held, "lock", "names the lock");
        fs::remove(dir / "lock");
        fs::create_symlink("127.0.0.1:+999999999", dir / "lock");
        c.that(!profileInUse(dir), "a dead process's link (9 digits, no such pid): free");
        fs::remove(dir / "lock");
        writeFile(dir / ".parentlock", "");
        c.that(!profileInUse(dir), ".parentlock without a lock: free");
        // Another process holds a record lock on .parentlock, as Firefox does.
        int ready[2];
        c.that(pipe(ready) == 0, "pipe");
        const pid_t child = fork();
        if (child == 0) {
            const int fd = ::open((dir / ".parentlock").c_str(), O_RDWR);
            struct flock fl { };
            fl.l_type = F_WRLCK;
            fl.l_whence = SEEK_SET;
            const bool ok = fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0;
            const char b = ok ? '1' : '0';
            (void)!write(ready[1], &b, 1);
            pause();
            _exit(0);
        }
        char b = 0;
        (void)!read(ready[0], &b, 1);
        c.eq(b, '1', "the child locked .parentlock");
        const auto parent = profileInUse(dir);
        c.that(parent.has_value(), "locked .parentlock: in use");
        if (parent) c.contains(*parent, ".parentlock", "names .parentlock");
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        ::close(ready[0]);
        ::close(ready[1]);
        c.that(!profileInUse(dir), "released: free");
    });
    tscns::test::removeTree(dir);
}

void runProgram_argvNoShell(void**)
{
    TSCNS_CHECK([](Checker& c) {
        const auto r = runProgram({ "printf", "%s|", "a b", "$HOME;", "*" });
        c.eq(r.status, 0, "printf ran");
        c.eq(r.output, std::string("a b|$HOME;|*|"), "arguments passed as they are");
        const auto f = runProgram({ "false" });
        c.eq(f.status, 1, "exit status kept");
        const auto missing = runProgram({ "tscns-no-such-program-xyz" });
        c.that(missing.notFound, "a missing program is reported");
        c.eq(lastLine("one\ntwo\n\n  \n"), std::string("two"), "lastLine");
    });
}

} // namespace

int runNssDbTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(profilesIni_relativeAndAbsolute_bothListed),
        cmocka_unit_test(profilesIni_severalProfiles_orderKeptDuplicatesDropped),
        cmocka_unit_test(profilesIni_garbage_ignored),
        cmocka_unit_test(profilesIni_missingFile_empty),
        cmocka_unit_test(findNssDatabases_everyPlace),
        cmocka_unit_test(pkcs11Txt_modulesRead),
        cmocka_unit_test(pkcs11Txt_otherNameAndProxy),
        cmocka_unit_test(pkcs11Txt_missingFile_empty),
        cmocka_unit_test(p11KitModule_enableDisable),
        cmocka_unit_test(p11KitModule_userFileFound),
        cmocka_unit_test(profileLock_symlinkAndParentlock),
        cmocka_unit_test(runProgram_argvNoShell),
    };
    return cmocka_run_group_tests_name("tool_nss_db", tests, nullptr, nullptr);
}
