// SPDX-License-Identifier: LGPL-2.1-or-later
// /proc/net/tcp{,6} parsing (the format of the kernel's tcp4_seq_show / tcp6_seq_show).
#include "core/peer_owner.hpp"

#include <cstdio>
#include <cstring>
#include <vector>

namespace tscns::daemon {

namespace {
    bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept
    {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const auto up = [](char c) {
                return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
            };
            if (up(a[i]) != up(b[i])) return false;
        }
        return true;
    }

    std::vector<std::string_view> fields(std::string_view line)
    {
        std::vector<std::string_view> out;
        std::size_t pos = 0;
        while (pos < line.size()) {
            while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t'))
                ++pos;
            const std::size_t start = pos;
            while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t')
                ++pos;
            if (pos > start) out.push_back(line.substr(start, pos - start));
        }
        return out;
    }

    std::optional<unsigned> decimal(std::string_view s) noexcept
    {
        if (s.empty() || s.size() > 10) return std::nullopt;
        unsigned long long v = 0;
        for (const char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
        if (v > 0xFFFFFFFFULL) return std::nullopt;
        return static_cast<unsigned>(v);
    }
} // namespace

std::string procNetAddress(std::span<const std::uint8_t> address, std::uint16_t port)
{
    if (address.size() != 4 && address.size() != 16) return {};
    std::string out;
    char word[9];
    for (std::size_t i = 0; i < address.size(); i += 4) {
        std::uint32_t w = 0;
        std::memcpy(&w, address.data() + i, sizeof w); // the kernel prints the native integer
        std::snprintf(word, sizeof word, "%08X", static_cast<unsigned>(w));
        out += word;
    }
    char p[6];
    std::snprintf(p, sizeof p, "%04X", static_cast<unsigned>(port));
    return out + ":" + p;
}

std::optional<unsigned> socketOwner(
    std::string_view table, std::string_view peer, std::string_view self) noexcept
{
    try {
        std::optional<unsigned> owner;
        bool header = true;
        std::size_t pos = 0;
        while (pos < table.size()) {
            std::size_t eol = table.find('\n', pos);
            if (eol == std::string_view::npos) eol = table.size();
            const std::string_view line = table.substr(pos, eol - pos);
            pos = eol + 1;
            if (header) { // "  sl  local_address rem_address   st tx_queue ... uid ..."
                header = false;
                continue;
            }
            const auto f = fields(line);
            if (f.empty()) continue;
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
            if (f.size() < 10) return std::nullopt;
            if (!equalsIgnoreCase(f[1], peer) || !equalsIgnoreCase(f[2], self)) continue;
            if (equalsIgnoreCase(f[3], "0A") || equalsIgnoreCase(f[3], "06")) continue;
            const auto uid = decimal(f[7]);
            if (!uid || (owner && *owner != *uid)) return std::nullopt;
            owner = uid;
        }
        return owner;
    } catch (...) { // std::bad_alloc from the field list
        return std::nullopt;
    }
}

} // namespace tscns::daemon
