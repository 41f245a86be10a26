// SPDX-License-Identifier: LGPL-2.1-or-later
// The HTTP core's request and response, independent of the transport.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tscns::portal {

struct HttpRequest {
    std::string method; ///< GET, POST, ...
    std::string path; ///< without the query
    std::map<std::string, std::string> headers; ///< names in lower case
    std::map<std::string, std::string> form; ///< application/x-www-form-urlencoded body fields
    std::string body;
    std::string remoteAddress;
    std::optional<Bytes> clientCertificate; ///< DER of a TLS client certificate, when one was sent
    std::vector<Bytes> clientChain; ///< further certificates the client sent

    [[nodiscard]] std::string header(const std::string& lowerName) const;
    [[nodiscard]] std::string field(const std::string& name) const;
    /// The value of cookie `name` in the Cookie header ("" when absent).
    [[nodiscard]] std::string cookie(const std::string& name) const;
};

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    void set(const std::string& name, const std::string& value);
    [[nodiscard]] std::string header(const std::string& name) const;
};

/// Parses an application/x-www-form-urlencoded body (cpp-httplib's decoder). Repeated names
/// keep the first value.
std::map<std::string, std::string> parseForm(const std::string& body);

/// Escapes text for HTML element content and attribute values.
std::string htmlEscape(const std::string& text);

} // namespace tscns::portal
