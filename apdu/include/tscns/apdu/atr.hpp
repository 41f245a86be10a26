// SPDX-License-Identifier: LGPL-2.1-or-later
// Answer-to-reset structure (ISO 7816-3 §8.2): TS, T0, interface bytes, historical bytes, TCK.
#pragma once

#include "tscns/apdu/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace tscns::apdu {

struct Atr {
    static constexpr std::size_t kMaxSize = 33; ///< ISO 7816-3 §8.2.1: TS + at most 32 bytes

    /// TAi, TBi, TCi, TDi of one group (i = index + 1).
    struct InterfaceGroup {
        std::optional<std::uint8_t> ta;
        std::optional<std::uint8_t> tb;
        std::optional<std::uint8_t> tc;
        std::optional<std::uint8_t> td;
        friend bool operator==(const InterfaceGroup&, const InterfaceGroup&) = default;
    };

    Bytes raw;
    std::uint8_t ts = 0; ///< 3B direct or 3F inverse convention
    std::uint8_t t0 = 0;
    std::vector<InterfaceGroup> groups; ///< groups[0] holds TA1 TB1 TC1 TD1
    Bytes historical; ///< T1..TK (K = T0 low nibble)
    std::optional<std::uint8_t> tck;

    /// Parses and checks: TS is 3B or 3F; every interface byte announced by T0/TDi is present;
    /// K historical bytes follow; TCK is present exactly when a TDi offers a protocol other than
    /// T=0, and then the XOR of T0..TCK is 00; nothing follows; at most 33 bytes.
    /// Throws Error(BadArgument) with the offending position otherwise.
    static Atr parse(ByteView atr);

    /// Interface byte accessors with ISO numbering (i starts at 1); nullopt when absent.
    [[nodiscard]] std::optional<std::uint8_t> ta(std::size_t i) const noexcept;
    [[nodiscard]] std::optional<std::uint8_t> tb(std::size_t i) const noexcept;
    [[nodiscard]] std::optional<std::uint8_t> tc(std::size_t i) const noexcept;
    [[nodiscard]] std::optional<std::uint8_t> td(std::size_t i) const noexcept;
    /// Protocols announced by the TDi low nibbles, in order (T=0 implied when there is no TD1).
    [[nodiscard]] std::vector<int> protocols() const;
    [[nodiscard]] bool offersProtocol(int t) const;

    friend bool operator==(const Atr&, const Atr&) = default;
};

} // namespace tscns::apdu
