// SPDX-License-Identifier: LGPL-2.1-or-later
// The fixture of the daemon core tests: a Core over FakeCardService (a virtual CNS) and FakeUi,
// with movable clocks and a captured log; request builders and response readers.
#pragma once

#include "fakes.hpp"

#include "core/config.hpp"
#include "core/daemon_core.hpp"
#include "core/http_types.hpp"

#include "tscns/vcard/card_image.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace tscns::test {

inline constexpr const char* kOrigin = "https://portal.example.it";
inline constexpr const char* kOtherOrigin = "https://other.example.it";
inline constexpr const char* kIdnOrigin = "https://xn--sanit-vqa.example.it"; ///< sanità
inline constexpr std::uint16_t kPort = 47123;
inline constexpr const char* kPin = "48213";
inline constexpr const char* kChallenge = "dGhpcy1pcy1hLTMyLWJ5dGUtY2hhbGxlbmdlLXRlc3Q"; ///< 43
inline constexpr const char* kContext = "fse-login-2fa";

/// Cards personalized once per group (RSA key generation is slow).
struct CardImages {
    vcard::CardImage cns; ///< st-cns11, RSA-2048, PIN kPin
    vcard::CardImage foreign; ///< an IDEMIA ATR without the CNS application
};

struct CoreFixture {
    const CardImages* images = nullptr;
    daemon::Config config;
    std::unique_ptr<FakeCardService> cards;
    std::unique_ptr<FakeUi> ui;
    std::unique_ptr<daemon::Core> core;
    std::atomic<long long> steadyOffset { 0 }; ///< seconds added to the steady clock
    std::atomic<long long> wallOffset { 0 }; ///< seconds added to the wall clock
    std::mutex logMutex;
    std::string log;

    /// Rebuilds the Core (after changing config, or with another card image).
    void rebuild(const vcard::CardImage* image = nullptr);
    [[nodiscard]] std::string logText();
};

/// cmocka group setup/teardown (CardImages) and test setup/teardown (CoreFixture).
int imagesSetup(void** state);
int imagesTeardown(void** state);
int coreSetup(void** state);
int coreTeardown(void** state);
inline CoreFixture* fx(void** state)
{
    return static_cast<CoreFixture*>(*state);
}

/// A request as a browser sends it: Host, Origin, Sec-Fetch-*, X-CNS-Client and, for POST,
/// Content-Type: application/json.
daemon::Request request(const std::string& method, const std::string& path, std::string body = {},
    const std::string& origin = kOrigin);
/// Replaces (or with an empty value removes) a header.
void setHeader(daemon::Request& r, const std::string& name, const std::string& value);
/// {"challenge", "context", "lang"?, "expected": {"cardId"}?}
std::string authBody(const std::string& challenge = kChallenge,
    const std::string& context = kContext, const std::string& lang = "it",
    const std::optional<std::string>& expectedCardId = std::nullopt);
daemon::Request authRequest(
    const std::string& body = authBody(), const std::string& origin = kOrigin);

/// The body as JSON (null when it is not JSON).
nlohmann::json json(const daemon::Response& r);
/// error.code of an error answer ("" otherwise).
std::string errorCode(const daemon::Response& r);
/// The header's value, "" when absent.
std::string header(const daemon::Response& r, const std::string& name);
/// True when the answer has no Access-Control-* header at all.
bool noCorsHeaders(const daemon::Response& r);

} // namespace tscns::test
