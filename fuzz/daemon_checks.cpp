// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_daemon_checks: the daemon's request checks (Host, Origin, Fetch Metadata, client header,
// Content-Type, preflight) and the request bodies' parsers, on a request decoded from the input
// (fuzz/daemon_request.hpp); also the configuration file parser on the body.
#include "daemon_request.hpp"

#include "core/config.hpp"
#include "core/daemon_error.hpp"
#include "core/punycode.hpp"
#include "core/request_checks.hpp"

namespace {
template <typename F> void checked(F&& fn)
{
    try {
        fn();
    } catch (const tscns::daemon::DaemonError&) {
    } catch (const tscns::Error&) {
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    fuzz::Input in(data, size);
    daemon::Config config;
    config.port = 47123;
    config.allowedOrigins = { "https://portal.example.it", "https://xn--sanit-vqa.example.it",
        "http://localhost:8080" };
    config.allowHttpOrigins = (size & 1) != 0;
    const daemon::Request r = fuzz::decodeRequest(in, config.port);
    (void)daemon::endpointFor(r.path);
    checked([&] { daemon::checkHost(r); });
    checked([&] { (void)daemon::checkOrigin(r, config); });
    checked([&] { daemon::checkFetchMetadata(r); });
    checked([&] { daemon::checkClientHeader(r); });
    checked([&] { daemon::checkContentType(r); });
    for (const auto e : { daemon::Endpoint::Status, daemon::Endpoint::Authenticate,
             daemon::Endpoint::Identity, daemon::Endpoint::Cancel }) {
        (void)daemon::endpointMethod(e);
        checked([&] { daemon::checkPreflight(r, e); });
    }
    checked([&] { (void)daemon::parseAuthenticateBody(r.body); });
    checked([&] { (void)daemon::parseIdentityBody(r.body); });
    checked([&] { daemon::parseCancelBody(r.body); });
    checked([&] {
        daemon::Config c;
        daemon::applyConfigJson(c, r.body, "fuzz");
        daemon::validateConfig(c);
    });
    return 0;
}
