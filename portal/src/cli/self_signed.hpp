// SPDX-License-Identifier: LGPL-2.1-or-later
// A self-signed TLS certificate for the demo, made on first start.
#pragma once

#include <filesystem>
#include <string>

namespace tscns::portal {

struct TlsFiles {
    std::filesystem::path cert;
    std::filesystem::path key;
};

/// Returns DIR/portal-cert.pem and DIR/portal-key.pem, creating them first when they do not
/// exist: an EC P-256 key (mode 0600) and a one-year certificate for `host` (IP address or DNS
/// name) plus localhost and 127.0.0.1. Throws Error(Internal) when OpenSSL fails,
/// Error(BadArgument) when DIR cannot be written.
TlsFiles ensureSelfSigned(const std::filesystem::path& dir, const std::string& host);

} // namespace tscns::portal
