// SPDX-License-Identifier: LGPL-2.1-or-later
// CNS subject CN parsing.
#include "tscns/cns/subject_cn.hpp"

#include "tscns/apdu/error.hpp"
#include "tscns/cns/codice_fiscale.hpp"

#include "quote.hpp"

namespace tscns::cns {

namespace {
    [[noreturn]] void fail(std::string_view cn, const std::string& what)
    {
        throw Error(Errc::CardData, "certificate CN " + detail::quote(cn) + ": " + what);
    }

    int base64Value(char c) noexcept
    {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    }

    /// Decodes 27 base64 characters + '=' into 20 bytes.
    Bytes decodeHash(std::string_view cn, std::string_view b64)
    {
        if (b64.size() != SubjectCn::kHashBase64Length)
            fail(cn, "hash has " + std::to_string(b64.size()) + " characters, expected 28");
        if (b64.back() != '=') fail(cn, "hash does not end with the '=' of a 20-byte value");
        Bytes out;
        out.reserve(21);
        std::uint32_t acc = 0;
        int bits = 0;
        for (std::size_t i = 0; i + 1 < b64.size(); ++i) {
            const int v = base64Value(b64[i]);
            if (v < 0)
                fail(cn, "hash character " + detail::quote(b64.substr(i, 1)) + " is not base64");
            acc = (acc << 6) | static_cast<std::uint32_t>(v);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
            }
        }
        return out;
    }
} // namespace

SubjectCn SubjectCn::parse(std::string_view cn)
{
    const auto slash = cn.find('/');
    if (slash == std::string_view::npos) fail(cn, "no '/' after the codice fiscale");
    const std::string_view cf = cn.substr(0, slash);
    const std::string_view rest = cn.substr(slash + 1);
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos) fail(cn, "no '.' after the card ID");

    SubjectCn out;
    try {
        validateCodiceFiscale(cf);
        out.cardId = CardId::parse(rest.substr(0, dot));
    } catch (const Error& e) {
        fail(cn, e.message());
    }
    out.codiceFiscale = std::string(cf);
    out.hashBase64 = std::string(rest.substr(dot + 1));
    out.hash = decodeHash(cn, rest.substr(dot + 1));
    return out;
}

} // namespace tscns::cns
