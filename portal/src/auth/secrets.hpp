// SPDX-License-Identifier: LGPL-2.1-or-later
// Random identifiers and codes, password hashing (argon2id) and the new-password policy.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tscns::portal {

/// `bytes` random bytes (libsodium's CSPRNG) as unpadded base64url.
std::string randomToken(std::size_t bytes = 32);
/// `n` random decimal digits, uniformly distributed.
std::string randomDigits(std::size_t n);
/// A provisional password: 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L).
std::string provisionalPassword();
/// Lower-case hex SHA-256 of `text` (session IDs and codes are stored hashed).
std::string sha256Hex(std::string_view text);
/// Compares in time independent of where the strings differ (lengths may leak).
bool constantTimeEqual(std::string_view a, std::string_view b) noexcept;

/// argon2id with OWASP/ASVS parameters (t = 2, m = 19 MiB, p = 1), libsodium's encoded form.
std::string hashPassword(std::string_view password);
/// True when `password` matches `encoded`. An empty `encoded` still spends the time of one
/// verification (against a fixed hash), so an unknown account answers as slowly as a known one.
bool verifyPassword(std::string_view encoded, std::string_view password);

/// What the user chose as new password and the words it must not be built from.
struct PasswordContext {
    std::vector<std::string> personalWords; ///< user ID, codice fiscale, names
};

inline constexpr std::size_t kMinPasswordChars = 8;
inline constexpr std::size_t kMaxPasswordChars = 128;

/// Why `password` is refused (NIST SP 800-63B §3.1.1.2, ASVS V6.2): fewer than 8 or more than
/// 128 characters (Unicode code points), invalid UTF-8 or control characters, on the blocklist
/// of common passwords, or containing a personal word; nullopt when it is acceptable. No
/// composition rules.
std::optional<std::string> passwordProblem(std::string_view password, const PasswordContext& ctx);

} // namespace tscns::portal
