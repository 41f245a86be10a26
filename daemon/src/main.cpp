// SPDX-License-Identifier: LGPL-2.1-or-later
// tscnsd: configuration, then the PC/SC card service, the pinentry dialogs, the core and the
// loopback listeners; SIGTERM/SIGINT stop it cleanly (the operation in flight is cancelled and
// its pinentry killed).
#include "core/daemon_core.hpp"
#include "core/log.hpp"
#include "options.hpp"
#include "pcsc/pcsc_card_service.hpp"
#include "pinentry/pinentry_ui.hpp"
#include "transport/http_server.hpp"

#include "tscns/apdu/error.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <unistd.h>

#ifndef TSCNS_VERSION
#define TSCNS_VERSION "0.0.0"
#endif

using namespace tscns;
using namespace tscns::daemon;

namespace {

int run(const Config& config, const sigset_t& stopSignals)
{
    if (config.allowedOrigins.empty())
        logWarning("no allowed origins configured: every request will be refused "
                   "(--allow-origin or \"allowedOrigins\")");
    for (const auto& o : config.allowedOrigins)
        logInfo("allowed origin: " + o);
    if (access(config.pinentry.c_str(), X_OK) != 0)
        logWarning("pinentry program " + config.pinentry
            + " is not executable: dialogs will fail (--pinentry)");

    PcscCardService cards(config.reader);
    cards.start();
    PinentryUi ui(PinentryOptions { config.pinentry, {}, std::chrono::seconds(5) });
    Core core(config, cards, ui);
    HttpServer server(core, config.port);
    try {
        server.start();
    } catch (const Error& e) {
        logError(e.message());
        core.shutdown();
        cards.stop();
        return 1;
    }
    logInfo(std::string("tscnsd ") + TSCNS_VERSION + " listening on " + server.describe());

    int sig = 0;
    while (sigwait(&stopSignals, &sig) != 0) { }
    logInfo(std::string("stopping (") + strsignal(sig) + ")");
    core.shutdown(); // the dialog closes, the waiting request is answered
    server.stop();
    cards.stop();
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    // Stop signals are taken by sigwait() in main only: blocked before any thread starts, so
    // every thread inherits the mask (the pinentry child resets it).
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        const CommandLine cl = parseCommandLine(argc, argv);
        if (cl.help) {
            std::cout << usage();
            return 0;
        }
        if (cl.version) {
            std::cout << "tscnsd " << TSCNS_VERSION << '\n';
            return 0;
        }
        std::vector<std::string> files;
        const Config config = loadConfig(cl, files);
        setLogLevel(config.logLevel);
        for (const auto& f : files)
            logInfo("configuration: " + f);
        return run(config, stopSignals);
    } catch (const Error& e) {
        std::fprintf(stderr, "tscnsd: %s\n", e.message().c_str());
        return e.code() == Errc::BadArgument ? 2 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tscnsd: %s\n", e.what());
        return 1;
    }
}
