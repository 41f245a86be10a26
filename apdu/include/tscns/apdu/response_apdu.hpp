// SPDX-License-Identifier: LGPL-2.1-or-later
// Response APDU value type: data followed by SW1 SW2.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/status_word.hpp"

namespace tscns::apdu {

struct ResponseApdu {
    Bytes data;
    StatusWord sw;

    [[nodiscard]] Bytes encode() const;
    /// Throws Error(Transport) when fewer than two bytes arrive (no status word).
    static ResponseApdu decode(ByteView bytes);
    [[nodiscard]] bool isSuccess() const noexcept { return sw.isSuccess(); }

    friend bool operator==(const ResponseApdu&, const ResponseApdu&) = default;
};

} // namespace tscns::apdu
