// SPDX-License-Identifier: LGPL-2.1-or-later
// SeedStream: deterministic choices (numbers, digits, table entries) from a seed and a label.
#pragma once

#include "ossl.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tscns::vcard {

/// Each label is an independent stream, so that adding a choice under one label does not shift
/// the values drawn under another (holder data, card ID, PIN, serials, keys).
class SeedStream {
public:
    SeedStream(std::uint64_t seed, std::string_view label)
        : seed_(seed)
        , label_(label)
    {
    }

    Bytes bytes(std::size_t n)
    {
        Bytes out;
        while (out.size() < n) {
            if (pos_ == pool_.size()) refill();
            out.push_back(pool_[pos_++]);
        }
        return out;
    }

    /// Uniform in [0, bound), bound > 0 (rejection sampling, no modulo bias).
    std::uint32_t below(std::uint32_t bound)
    {
        const std::uint32_t limit = UINT32_MAX - UINT32_MAX % bound;
        for (;;) {
            const Bytes b = bytes(4);
            const std::uint32_t v = (std::uint32_t { b[0] } << 24) | (std::uint32_t { b[1] } << 16)
                | (std::uint32_t { b[2] } << 8) | b[3];
            if (v < limit) return v % bound;
        }
    }

    /// Uniform in [lo, hi].
    int between(int lo, int hi)
    {
        return lo + static_cast<int>(below(static_cast<std::uint32_t>(hi - lo + 1)));
    }

    std::string digits(std::size_t n)
    {
        std::string out;
        for (std::size_t i = 0; i < n; ++i)
            out.push_back(static_cast<char>('0' + below(10)));
        return out;
    }

private:
    void refill()
    {
        pool_ = ossl::seededStream(seed_, label_ + "#" + std::to_string(block_++), 256);
        pos_ = 0;
    }

    std::uint64_t seed_;
    std::string label_;
    Bytes pool_;
    std::size_t pos_ = 0;
    std::uint32_t block_ = 0;
};

} // namespace tscns::vcard
