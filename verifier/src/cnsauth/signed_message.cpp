// SPDX-License-Identifier: LGPL-2.1-or-later
// The cns-auth:1 signed message (cns-auth.md §4.2).
#include "tscns/cnsauth/signed_message.hpp"

#include "tscns/apdu/error.hpp"

#include <openssl/evp.h>

namespace tscns::cnsauth {

namespace {
    void appendSha256(Bytes& out, std::string_view field)
    {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_Digest(field.data(), field.size(), md, &len, EVP_sha256(), nullptr) != 1
            || len != 32)
            throw Error(Errc::Internal, "SHA-256 failed");
        out.insert(out.end(), md, md + len);
    }
} // namespace

Bytes signedMessage(std::string_view origin, std::string_view challenge, std::string_view context)
{
    Bytes m;
    m.reserve(kSignedMessageSize);
    m.insert(m.end(), kFormat.begin(), kFormat.end());
    m.push_back(0x00); // separates the domain tag from the fixed-width hashes
    appendSha256(m, origin);
    appendSha256(m, challenge); // the base64url text as it travelled, never decoded (§4.2)
    appendSha256(m, context);
    return m;
}

} // namespace tscns::cnsauth
