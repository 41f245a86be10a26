// SPDX-License-Identifier: LGPL-2.1-or-later
// verifier-consumer: the smallest login-service use of tscns::verifier (docs/integration.md).
// It checks one cns-auth:1 token against the session values a login service keeps (origin,
// challenge, context) and a trust store, and prints who was verified or why not.
//
// Usage: verifier-consumer CA_FILE TOKEN_FILE ORIGIN CHALLENGE CONTEXT [--crl FILE]... [--cf CF]
// Exit: 0 verified, 1 rejected, 2 usage or configuration error.
#include "tscns/apdu/error.hpp"
#include "tscns/verifier/verifier.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw tscns::Error(tscns::Errc::BadArgument, "cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int usage()
{
    std::cerr << "usage: verifier-consumer CA_FILE TOKEN_FILE ORIGIN CHALLENGE CONTEXT"
                 " [--crl FILE]... [--cf CF]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() < 5) return usage();

    tscns::verifier::VerifierConfig config;
    config.trustAnchors.emplace_back(args[0]); // the trust store: the issuing CAs to accept

    // In a login service these come from the server-side session, never from the client.
    tscns::verifier::SessionState session;
    session.origin = args[2];
    session.challenge = args[3];
    session.context = args[4];
    session.identificationOnly = true; // until --cf gives the account's codice fiscale

    for (std::size_t i = 5; i < args.size(); ++i) {
        if (args[i] == "--crl" && i + 1 < args.size()) {
            config.crlFiles.emplace_back(args[++i]);
        } else if (args[i] == "--cf" && i + 1 < args.size()) {
            session.expectedCodiceFiscale = args[++i];
            session.identificationOnly = false;
        } else {
            return usage();
        }
    }

    try {
        const std::string token = readFile(args[1]);
        // Loads every file once; verify() is const and may be called from many threads.
        const tscns::verifier::Verifier verifier(std::move(config));
        const tscns::verifier::Outcome outcome = verifier.verify(token, session);
        if (!outcome) {
            const auto& failure = outcome.failure();
            // The detail is for the audit log; a client only ever sees failure.clientMessage().
            std::cout << "rejected: " << tscns::verifier::failureCodeName(failure.code) << " ("
                      << failure.reason << ")\n";
            return 1;
        }
        const auto& holder = outcome.holder();
        std::cout << "verified: codiceFiscale=" << holder.codiceFiscale
                  << " cardId=" << holder.cardId << " serial=" << holder.certificateSerial
                  << " issuer=" << holder.issuer << "\n";
        return 0;
    } catch (const tscns::Error& e) {
        // Unusable configuration: no anchors, an unreadable or non-certificate file, ...
        std::cerr << "verifier-consumer: " << e.message() << "\n";
        return 2;
    }
}
