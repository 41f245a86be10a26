// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_cnsauth: the cns-auth protocol pieces on untrusted text: strict JSON (duplicate members),
// base64 decoding, the token parser (and its serialisation round trip), and the validators of
// challenge, context, card ID and origin.
#include "fuzz_support.hpp"

#include "tscns/cnsauth/base64.hpp"
#include "tscns/cnsauth/signed_message.hpp"
#include "tscns/cnsauth/strict_json.hpp"
#include "tscns/cnsauth/token.hpp"
#include "tscns/cnsauth/validators.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try { // documented: nlohmann::json::exception for text that is not JSON
        (void)cnsauth::parseStrictJson(text);
    } catch (const nlohmann::json::exception&) {
    }
    fuzz::refusalsAllowed([&] {
        const Bytes decoded = cnsauth::base64Decode(text);
        if (cnsauth::base64Decode(cnsauth::base64Encode(decoded)) != decoded) __builtin_trap();
        (void)cnsauth::base64UrlEncode(decoded);
    });
    fuzz::refusalsAllowed([&] {
        const cnsauth::Token token = cnsauth::parseToken(text);
        if (!(cnsauth::parseToken(cnsauth::toJson(token)) == token)) __builtin_trap();
    });
    (void)cnsauth::isValidChallenge(text);
    (void)cnsauth::isValidContext(text);
    (void)cnsauth::isValidCardIdForm(text);
    (void)cnsauth::isValidOrigin(text, false);
    (void)cnsauth::isValidOrigin(text, true);
    fuzz::refusalsAllowed([&] { cnsauth::validateOrigin(text, true); });
    // signedMessage hashes whatever it is given: origin | challenge | context split at the
    // first two NUL bytes.
    const auto a = text.find('\0');
    const auto b = a == std::string_view::npos ? a : text.find('\0', a + 1);
    if (b != std::string_view::npos) {
        fuzz::refusalsAllowed([&] {
            if (cnsauth::signedMessage(
                    text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1))
                    .size()
                != cnsauth::kSignedMessageSize)
                __builtin_trap();
        });
    }
    return 0;
}
