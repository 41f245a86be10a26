// SPDX-License-Identifier: LGPL-2.1-or-later
// Randomness and password hashing through libsodium; SHA-256 through OpenSSL.
#include "auth/secrets.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

namespace tscns::portal {

namespace {
    void sodiumReady()
    {
        static std::once_flag once;
        static int rc = 0;
        std::call_once(once, [] { rc = sodium_init(); });
        if (rc < 0) throw Error(Errc::Internal, "libsodium failed to initialise");
    }

    constexpr unsigned long long kOpsLimit = 2;
    constexpr std::size_t kMemLimit = 19U * 1024U * 1024U;

    // Common passwords of at least 8 characters (the shorter ones fail the length rule anyway),
    // from the public top-lists, Italian ones included.
    constexpr std::array<std::string_view, 64> kBlocklist
        = { "password", "password1", "password123", "12345678", "123456789", "1234567890",
              "123123123", "11111111", "00000000", "87654321", "qwertyuiop", "qwerty123",
              "qwertyui", "1q2w3e4r", "1qaz2wsx", "abc12345", "abcd1234", "iloveyou", "sunshine",
              "princess", "football", "baseball", "superman", "trustno1", "passw0rd", "p@ssw0rd",
              "letmein1", "welcome1", "admin123", "administrator", "changeme", "benvenuto",
              "benvenuta", "ciao1234", "juventus", "napoli1926", "internazionale", "milan1899",
              "forzainter", "forzamilan", "forzajuve", "forzaroma", "ilovemilan", "tiamo123",
              "amoremio", "cavallo1", "lombardia", "milano123", "italia123", "italia2006",
              "password!", "zaq12wsx", "asdfghjk", "asdf1234", "zxcvbnm1", "q1w2e3r4", "michael1",
              "jennifer", "starwars", "dragon12", "monkey12", "computer", "internet", "tessera1" };

    std::string lower(std::string_view s)
    {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(),
            [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return out;
    }

    /// Code points of valid UTF-8 without control characters; nullopt otherwise.
    std::optional<std::size_t> codePoints(std::string_view s)
    {
        std::size_t n = 0;
        for (std::size_t i = 0; i < s.size();) {
            const auto c = static_cast<unsigned char>(s[i]);
            std::size_t len = 0;
            if (c < 0x80) {
                if (c < 0x20 || c == 0x7F) return std::nullopt;
                len = 1;
            } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
                len = 2;
            } else if ((c & 0xF0) == 0xE0) {
                len = 3;
            } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
                len = 4;
            } else {
                return std::nullopt;
            }
            if (i + len > s.size()) return std::nullopt;
            for (std::size_t k = 1; k < len; ++k)
                if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::nullopt;
            i += len;
            ++n;
        }
        return n;
    }
} // namespace

std::string randomToken(std::size_t bytes)
{
    sodiumReady();
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());
    std::string out(
        sodium_base64_encoded_len(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(
        out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::char_traits<char>::length(out.c_str()));
    sodium_memzero(raw.data(), raw.size());
    return out;
}

std::string randomDigits(std::size_t n)
{
    sodiumReady();
    std::string out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(static_cast<char>('0' + randombytes_uniform(10)));
    return out;
}

std::string provisionalPassword()
{
    sodiumReady();
    constexpr std::string_view kAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    std::string out;
    out.reserve(10);
    for (int i = 0; i < 10; ++i)
        out.push_back(kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))]);
    return out;
}

std::string sha256Hex(std::string_view text)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md {};
    unsigned int len = 0;
    if (EVP_Digest(text.data(), text.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
        throw Error(Errc::Internal, "SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(kHex[md[i] >> 4]);
        out.push_back(kHex[md[i] & 15]);
    }
    return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hashPassword(std::string_view password)
{
    sodiumReady();
    std::array<char, crypto_pwhash_STRBYTES> out {};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), kOpsLimit, kMemLimit,
            crypto_pwhash_ALG_ARGON2ID13)
        != 0)
        throw Error(Errc::Internal, "argon2id: out of memory");
    return std::string(out.data());
}

bool verifyPassword(std::string_view encoded, std::string_view password)
{
    sodiumReady();
    static const std::string kDummy = hashPassword("tscns-portal: no such account");
    const std::string& hash = encoded.empty() ? kDummy : std::string(encoded);
    const bool ok = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
    return ok && !encoded.empty();
}

std::optional<std::string> passwordProblem(std::string_view password, const PasswordContext& ctx)
{
    const auto n = codePoints(password);
    if (!n) return "la password contiene caratteri non ammessi";
    if (*n < kMinPasswordChars)
        return "la password deve avere almeno " + std::to_string(kMinPasswordChars) + " caratteri";
    if (*n > kMaxPasswordChars)
        return "la password puo' avere al massimo " + std::to_string(kMaxPasswordChars)
            + " caratteri";
    const std::string low = lower(password);
    for (std::string_view common : kBlocklist)
        if (low == common) return "questa password e' troppo comune: scegline un'altra";
    if (low.find_first_not_of(low.front()) == std::string::npos)
        return "la password ripete un solo carattere";
    for (const std::string& w : ctx.personalWords) {
        if (w.size() < 4) continue;
        if (low.find(lower(w)) != std::string::npos)
            return "la password non deve contenere il tuo codice utente, codice fiscale o nome";
    }
    return std::nullopt;
}

} // namespace tscns::portal
