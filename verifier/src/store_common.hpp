// SPDX-License-Identifier: LGPL-2.1-or-later
// Argument checks shared by the ChallengeStore implementations (private).
#pragma once

#include "tscns/verifier/challenge_store.hpp"

namespace tscns::verifier::detail {

/// Throws Error(BadArgument) as ChallengeStore::issue documents.
void checkIssueArguments(std::string_view sessionId, std::string_view origin,
    std::string_view context, std::chrono::seconds ttl);
/// Throws Error(BadArgument) for an empty or over-long session ID.
void checkSessionId(std::string_view sessionId);
/// The Error(NotLoggedIn) issue() throws for a dropped session.
[[noreturn]] void throwSessionDropped();
/// The hook's time, or the system clock's.
TimePoint nowFrom(const NowFunction& now);

} // namespace tscns::verifier::detail
