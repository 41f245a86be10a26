// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_portal_form: the portal's application/x-www-form-urlencoded body parser and its Cookie
// header lookup (the session cookie and others), plus the HTML escaping of what they return.
#include "fuzz_support.hpp"

#include "web/http_types.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    fuzz::Input in(data, size);
    portal::HttpRequest request;
    request.method = "POST";
    request.path = "/login";
    request.headers["content-type"] = "application/x-www-form-urlencoded";
    request.headers["cookie"] = fuzz::Input::text(in.chunk16());
    const std::string name = fuzz::Input::text(in.chunk());
    request.body = fuzz::Input::text(in.rest());
    fuzz::refusalsAllowed([&] {
        request.form = portal::parseForm(request.body);
        for (const auto& [k, v] : request.form) {
            (void)portal::htmlEscape(k);
            (void)portal::htmlEscape(v);
        }
        (void)request.field(name);
        (void)request.field("codiceFiscale");
        (void)request.cookie("__Host-tscns-portal");
        (void)portal::htmlEscape(request.cookie(name));
    });
    return 0;
}
