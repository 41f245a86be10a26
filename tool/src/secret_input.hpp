// SPDX-License-Identifier: LGPL-2.1-or-later
// PINs and PUKs come from a no-echo prompt on the terminal or from a file (never from argv).
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tscns::tool {

class Watchdog;

class SecretSource {
public:
    /// `pinFile`: a path, "-" for standard input, or nullopt to prompt on /dev/tty.
    /// `watchdog` (may be null) is paused while the user types.
    explicit SecretSource(std::optional<std::string> pinFile, Watchdog* watchdog = nullptr);
    /// The next secret: the next line of the file, or what the user types after `prompt`.
    /// Throws Error(BadArgument) when the file has no more lines or there is no terminal.
    SecureBytes next(const char* prompt);

private:
    std::optional<std::string> file_;
    Watchdog* watchdog_;
    bool loaded_ = false;
    std::vector<SecureBytes> lines_;
    std::size_t used_ = 0;
};

} // namespace tscns::tool
