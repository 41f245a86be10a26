// SPDX-License-Identifier: LGPL-2.1-or-later
// Strict base64 over OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock.
#include "tscns/cnsauth/base64.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/evp.h>

#include <climits>

namespace tscns::cnsauth {

namespace {
    int value(char c) noexcept
    {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    }

    [[noreturn]] void reject(const std::string& why)
    {
        throw Error(Errc::BadArgument, "invalid base64: " + why);
    }
} // namespace

std::string base64Encode(ByteView data)
{
    if (data.size() > static_cast<std::size_t>(INT_MAX / 4 * 3 - 3))
        throw Error(Errc::BadArgument, "base64: input too large");
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
    if (n < 0) throw Error(Errc::Internal, "EVP_EncodeBlock failed");
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Bytes base64Decode(std::string_view text)
{
    if (text.empty()) reject("empty");
    if (text.size() % 4 != 0)
        reject("length " + std::to_string(text.size()) + " is not a multiple of 4");
    if (text.size() > static_cast<std::size_t>(INT_MAX)) reject("too long");
    std::size_t pad = 0;
    if (text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
    const std::size_t dataChars = text.size() - pad;
    for (std::size_t i = 0; i < dataChars; ++i)
        if (value(text[i]) < 0)
            reject("character at offset " + std::to_string(i)
                + (text[i] == '=' ? " is padding inside the data" : " is not in the alphabet"));
    // Canonical encoding (RFC 4648 §3.5): the bits the padding leaves unused are zero.
    const int last = value(text[dataChars - 1]);
    if ((pad == 1 && (last & 0x03) != 0) || (pad == 2 && (last & 0x0F) != 0))
        reject("non-zero bits before the padding");

    Bytes out(text.size() / 4 * 3);
    // EVP_DecodeBlock trims surrounding whitespace and ignores nothing else; the checks above
    // already refused whitespace, so it sees exactly the validated text.
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
        static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) reject("EVP_DecodeBlock refused it");
    // EVP_DecodeBlock writes the padding as zero bytes: drop them.
    out.resize(out.size() - pad);
    return out;
}

std::string base64UrlEncode(ByteView data)
{
    std::string s = base64Encode(data);
    while (!s.empty() && s.back() == '=')
        s.pop_back();
    for (char& c : s) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    return s;
}

} // namespace tscns::cnsauth
