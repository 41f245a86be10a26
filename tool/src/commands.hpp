// SPDX-License-Identifier: LGPL-2.1-or-later
// The `tscns` commands.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tscns::tool {

class Watchdog;

struct Options {
    std::optional<std::string> reader; ///< --reader
    bool json = false; ///< --json
    std::optional<std::string> pinFile; ///< --pin-file
    bool der = false; ///< cert --der
    std::optional<std::string> output; ///< cert --out
    std::optional<unsigned> count; ///< watch --count
    std::optional<unsigned> timeoutMs; ///< watch --timeout-ms
    Watchdog* watchdog = nullptr; ///< --timeout (null: no limit)
};

int cmdReaders(const Options& o);
int cmdInfo(const Options& o);
int cmdCert(const Options& o);
int cmdPin(const std::string& action, const Options& o);
int cmdWatch(const Options& o);

} // namespace tscns::tool
