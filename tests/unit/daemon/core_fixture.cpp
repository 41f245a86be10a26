// SPDX-License-Identifier: LGPL-2.1-or-later
// CoreFixture.
#include "core_fixture.hpp"

#include "core/log.hpp"

#include "tscns/vcard/personalize.hpp"

#include <cstdio>

namespace tscns::test {

namespace {
    vcard::CardImage personalizeCard(const char* profile, std::uint64_t seed)
    {
        vcard::PersonalizeOptions o;
        o.profile = profile;
        o.seed = seed;
        o.pin = kPin;
        o.puk = "87654321";
        return vcard::personalize(o);
    }
} // namespace

void CoreFixture::rebuild(const vcard::CardImage* image)
{
    core.reset();
    if (image != nullptr || !cards)
        cards = std::make_unique<FakeCardService>(image ? *image : images->cns);
    if (!ui) ui = std::make_unique<FakeUi>();
    daemon::Clocks clocks;
    clocks.steady = [this] {
        return std::chrono::steady_clock::now() + std::chrono::seconds(steadyOffset.load());
    };
    clocks.wall = [this] {
        return std::chrono::system_clock::now() + std::chrono::seconds(wallOffset.load());
    };
    core = std::make_unique<daemon::Core>(config, *cards, *ui, clocks);
}

std::string CoreFixture::logText()
{
    const std::lock_guard lock(logMutex);
    return log;
}

int imagesSetup(void** state)
{
    try {
        auto images = std::make_unique<CardImages>();
        images->cns = personalizeCard("st-cns11", 71);
        images->foreign = personalizeCard("foreign-idemia", 72);
        *state = images.release();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "personalization failed: %s\n", e.what());
        return -1;
    }
}

int imagesTeardown(void** state)
{
    delete static_cast<CardImages*>(*state);
    *state = nullptr;
    return 0;
}

int coreSetup(void** state)
{
    auto* f = new CoreFixture;
    f->images = static_cast<const CardImages*>(*state);
    try {
        f->config.port = kPort;
        f->config.allowedOrigins = { kOrigin, kOtherOrigin, kIdnOrigin };
        f->config.rateLimitPerMinute = 0;
        f->config.appVersion = "https://tscns.invalid/releases/v0.1.0";
        f->ui = std::make_unique<FakeUi>();
        f->ui->setPins({ kPin });
        f->rebuild();
        daemon::setLogLevel(daemon::LogLevel::Debug);
        daemon::setLogSink([f](daemon::LogLevel, std::string_view line) {
            const std::lock_guard lock(f->logMutex);
            f->log.append(line).append("\n");
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "core setup failed: %s\n", e.what());
        delete f;
        return -1;
    }
    *state = f;
    return 0;
}

int coreTeardown(void** state)
{
    auto* f = fx(state);
    daemon::setLogSink({});
    daemon::setLogLevel(daemon::LogLevel::Info);
    const CardImages* images = f->images;
    f->core.reset(); // before the fakes it uses
    delete f;
    *state = const_cast<CardImages*>(images);
    return 0;
}

daemon::Request request(
    const std::string& method, const std::string& path, std::string body, const std::string& origin)
{
    daemon::Request r;
    r.method = method;
    r.path = path;
    r.localPort = kPort;
    r.body = std::move(body);
    r.headers.emplace("Host", "127.0.0.1:" + std::to_string(kPort));
    r.headers.emplace("Origin", origin);
    r.headers.emplace("Sec-Fetch-Site", "cross-site");
    r.headers.emplace("Sec-Fetch-Mode", "cors");
    r.headers.emplace("Sec-Fetch-Dest", "empty");
    if (method != "OPTIONS") r.headers.emplace("X-CNS-Client", "1");
    if (method == "POST") r.headers.emplace("Content-Type", "application/json");
    return r;
}

void setHeader(daemon::Request& r, const std::string& name, const std::string& value)
{
    r.headers.erase(name);
    if (!value.empty()) r.headers.emplace(name, value);
}

std::string authBody(const std::string& challenge, const std::string& context,
    const std::string& lang, const std::optional<std::string>& expectedCardId)
{
    nlohmann::ordered_json j;
    j["challenge"] = challenge;
    j["context"] = context;
    if (!lang.empty()) j["lang"] = lang;
    if (expectedCardId) j["expected"] = { { "cardId", *expectedCardId } };
    return j.dump();
}

daemon::Request authRequest(const std::string& body, const std::string& origin)
{
    return request("POST", "/v1/authenticate", body, origin);
}

nlohmann::json json(const daemon::Response& r)
{
    try {
        return nlohmann::json::parse(r.body);
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::string errorCode(const daemon::Response& r)
{
    const auto j = json(r);
    if (!j.is_object() || !j.contains("error") || !j["error"].contains("code")) return {};
    return j["error"]["code"].get<std::string>();
}

std::string header(const daemon::Response& r, const std::string& name)
{
    return r.header(name).value_or("");
}

bool noCorsHeaders(const daemon::Response& r)
{
    for (const auto& [k, v] : r.headers)
        if (k.rfind("Access-Control-", 0) == 0) return false;
    return true;
}

} // namespace tscns::test
