// SPDX-License-Identifier: LGPL-2.1-or-later
// tscns-test-pinentry: speaks enough of pinentry's Assuan dialect for the daemon's tests and
// answers as its arguments say:
//   --pin VALUE      answer GETPIN with VALUE (repeatable: one per GETPIN, the last repeats)
//   --cancel         GETPIN/CONFIRM: ERR 83886179 Operation cancelled
//   --timeout        GETPIN/CONFIRM: wait SETTIMEOUT seconds, then ERR 83886142 Timeout
//   --hang           GETPIN/CONFIRM: never answer (until killed)
//   --not-confirm    CONFIRM: ERR 83886194 Not confirmed
//   --encode-all     percent-encode every byte of the PIN in the D line
//   --split          send the PIN in two D lines
//   --chatty         send comment and status lines before answers
//   --exit-at-start  exit without a greeting (a pinentry that cannot start)
//   --record FILE    append "PID <pid>" and every line received to FILE
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

struct Script {
    std::vector<std::string> pins;
    enum class Mode { Pin, Cancel, Timeout, Hang } mode = Mode::Pin;
    bool notConfirm = false;
    bool encodeAll = false;
    bool split = false;
    bool chatty = false;
    bool exitAtStart = false;
    std::string record;
};

void say(const std::string& line)
{
    std::cout << line << '\n' << std::flush;
}

std::string encode(const std::string& s, bool all)
{
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (all || c == '%' || c < 0x20) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += ch;
        }
    }
    return out;
}

void hangForever()
{
    while (true)
        pause();
}

} // namespace

int main(int argc, char** argv)
{
    Script s;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--pin" && i + 1 < argc)
            s.pins.emplace_back(argv[++i]);
        else if (a == "--cancel")
            s.mode = Script::Mode::Cancel;
        else if (a == "--timeout")
            s.mode = Script::Mode::Timeout;
        else if (a == "--hang")
            s.mode = Script::Mode::Hang;
        else if (a == "--not-confirm")
            s.notConfirm = true;
        else if (a == "--encode-all")
            s.encodeAll = true;
        else if (a == "--split")
            s.split = true;
        else if (a == "--chatty")
            s.chatty = true;
        else if (a == "--exit-at-start")
            s.exitAtStart = true;
        else if (a == "--record" && i + 1 < argc)
            s.record = argv[++i];
        else {
            std::fprintf(stderr, "tscns-test-pinentry: unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    std::ofstream rec;
    if (!s.record.empty()) {
        rec.open(s.record, std::ios::app);
        rec << "PID " << getpid() << '\n' << std::flush;
    }
    if (s.exitAtStart) return 1;
    say("OK Pleased to meet you, scripted pinentry");
    long timeoutSeconds = 0;
    std::size_t getpins = 0;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (rec.is_open()) rec << line << '\n' << std::flush;
        const std::string cmd = line.substr(0, line.find(' '));
        if (s.chatty) {
            say("# scripted pinentry got " + cmd);
            say("S PROGRESS 1");
        }
        if (cmd == "SETTIMEOUT") {
            timeoutSeconds = std::strtol(line.c_str() + 11, nullptr, 10);
            say("OK");
        } else if (cmd == "GETPIN" || cmd == "CONFIRM") {
            if (s.mode == Script::Mode::Hang) hangForever();
            if (s.mode == Script::Mode::Timeout) {
                std::this_thread::sleep_for(
                    std::chrono::seconds(timeoutSeconds > 0 ? timeoutSeconds : 1));
                say("ERR 83886142 Timeout <Pinentry>");
                continue;
            }
            if (s.mode == Script::Mode::Cancel) {
                say("ERR 83886179 Operation cancelled <Pinentry>");
                continue;
            }
            if (cmd == "CONFIRM") {
                say(s.notConfirm ? "ERR 83886194 Not confirmed <Pinentry>" : "OK");
                continue;
            }
            const std::string pin = s.pins.empty() ? std::string("12345")
                                                   : s.pins[std::min(getpins, s.pins.size() - 1)];
            ++getpins;
            if (!pin.empty()) {
                if (s.split && pin.size() > 1) {
                    say("D " + encode(pin.substr(0, pin.size() / 2), s.encodeAll));
                    say("D " + encode(pin.substr(pin.size() / 2), s.encodeAll));
                } else {
                    say("D " + encode(pin, s.encodeAll));
                }
            }
            say("OK");
        } else if (cmd == "BYE") {
            say("OK closing connection");
            return 0;
        } else if (cmd == "OPTION" || cmd.rfind("SET", 0) == 0) {
            say("OK");
        } else {
            say("ERR 536871187 Unknown IPC command <User defined source 1>");
        }
    }
    return 0;
}
