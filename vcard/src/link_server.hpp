// SPDX-License-Identifier: LGPL-2.1-or-later
// LinkServer: the `tscns-vcard run` loop over VpcdLink: connect (with retries), serve, and
// handle removal, reinsertion and reconnection as the run options say.
#pragma once

#include "link_apdu_log.hpp"
#include "link_card_backend.hpp"
#include "link_options.hpp"
#include "vpcd_link.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>

namespace tscns::vcard {

class PolicyCard;

class LinkServer {
public:
    /// `card` must outlive the server; `log` (may be null) receives the APDU transcript; `diag`
    /// (may be null, normally stderr) the human-readable status lines; `stopFd` (or -1) ends the
    /// run when it becomes readable (the signal self-pipe).
    LinkServer(CardBackend& card, RunOptions options, int stopFd, std::FILE* diag, ApduLog* log);

    /// Runs until stopped, until the card leaves the reader for good, or until vpcd cannot be
    /// reached. Returns the exit status: 0 after a stop request, a removal or vpcd closing the
    /// connection (without --reconnect); 1 when the first connection fails within the connect
    /// timeout or an unexpected error occurs (reported on `diag`). Never throws.
    int run() noexcept;

    /// APDUs answered so far, over all connections (fault answers included).
    [[nodiscard]] std::uint64_t apdusAnswered() const noexcept { return answered_; }
    /// Successful connections to vpcd so far.
    [[nodiscard]] std::uint64_t connections() const noexcept { return connections_; }

private:
    enum class Outcome { Stopped, VpcdClosed, Pulled };
    enum class ConnectResult { Connected, Stopped, Failed };

    int serve();
    ConnectResult connectWithRetry(bool first, std::optional<VpcdLink>& link);
    Outcome serveConnection(VpcdLink& link, PolicyCard& card);
    void info(const std::string& text);
    void note(const std::string& text);

    CardBackend& card_;
    RunOptions options_;
    int stopFd_;
    std::FILE* diag_;
    ApduLog* log_;
    std::uint64_t answered_ = 0;
    std::uint64_t connections_ = 0;
    bool pulled_ = false;
    /// The last removal was a --pull-at or --mute-at drop rather than --remove-after.
    bool dropped_ = false;
};

} // namespace tscns::vcard
