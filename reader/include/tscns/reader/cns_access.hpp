// SPDX-License-Identifier: LGPL-2.1-or-later
// From a PC/SC reader to an opened TS-CNS: the reader choice and the CardLink over a PC/SC card,
// shared by the tool, the daemon and the PKCS#11 module.
#pragma once

#include "tscns/cns/card_link.hpp"
#include "tscns/cns/cns_connection.hpp"
#include "tscns/reader/pcsc.hpp"

#include <memory>
#include <optional>
#include <string>

namespace tscns::reader {

/// Resolves a reader choice: an exact reader name, the reader's number in the reader list, or a
/// unique case-insensitive part of its name. Without a choice: the first reader holding a card.
/// Throws Error(NoReader) / Error(CardAbsent) with a message naming what was looked for.
std::string pickReader(const Context& context, const std::optional<std::string>& wanted);

/// A CardLink over a PC/SC connection (its Context must outlive it).
std::unique_ptr<cns::CardLink> makeCardLink(std::unique_ptr<Card> card);

/// An opened TS-CNS and the reader it is in.
struct OpenedCns {
    std::string reader;
    std::unique_ptr<cns::CnsConnection> connection;
};

/// pickReader + connect + CnsConnection (identification and layout discovery). Throws the
/// errors of each step (NotCnsCard for a foreign card).
OpenedCns openCns(const Context& context, const std::optional<std::string>& wanted);

} // namespace tscns::reader
