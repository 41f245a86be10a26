// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_daemon_core: whole requests through daemon::Core (no sockets), over the unit tests'
// FakeCardService (a personalised virtual CNS) and FakeUi. Byte 1 picks how the user answers
// the dialogs (right PIN, wrong PIN, cancel, timeout); the rest is a request
// (fuzz/daemon_request.hpp). Card, UI and core are new for every input, so runs do not depend
// on each other.
#include "daemon_request.hpp"

#include "fakes.hpp"

#include "core/daemon_core.hpp"
#include "core/log.hpp"
#include "tscns/vcard/personalize.hpp"

#include <memory>

namespace {
constexpr std::uint16_t kPort = 47123;
constexpr const char* kPin = "48213";

const tscns::vcard::CardImage* image = nullptr;
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tscns::vcard::PersonalizeOptions o;
    o.profile = "st-cns11";
    o.seed = 71;
    o.pin = kPin;
    o.puk = "87654321";
    image = new tscns::vcard::CardImage(tscns::vcard::personalize(o));
    tscns::daemon::setLogSink([](tscns::daemon::LogLevel, std::string_view) {});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    fuzz::Input in(data, size);
    const std::uint8_t ui = in.byte();
    daemon::Config config;
    config.port = kPort;
    config.allowedOrigins = { "https://portal.example.it", "https://other.example.it",
        "https://xn--sanit-vqa.example.it" };
    config.rateLimitPerMinute = 0;
    config.appVersion = "https://tscns.invalid/releases/v0.1.0";
    const daemon::Request request = fuzz::decodeRequest(in, kPort);

    test::FakeCardService cards(*image);
    test::FakeUi fakeUi;
    switch (ui % 4) {
    case 0:
        fakeUi.setPins({ kPin });
        break;
    case 1:
        fakeUi.setPins({ "00000" });
        break;
    case 2:
        fakeUi.setMode(test::FakeUi::Mode::Cancel);
        break;
    default:
        fakeUi.setMode(test::FakeUi::Mode::Timeout);
        break;
    }
    fakeUi.setConsent((ui & 4) == 0);
    {
        daemon::Core core(config, cards, fakeUi);
        const daemon::Response response = core.handle(request);
        if (response.status < 100 || response.status > 599) __builtin_trap();
        core.shutdown();
    }
    return 0;
}
