// SPDX-License-Identifier: LGPL-2.1-or-later
// File tree and FCI builder of the virtual card (cns-card.md §1, §8 and the appendix).
#include "file_tree.hpp"

#include <algorithm>

namespace tscns::vcard {

namespace {

    // Access bytes, tag 86 (cns-card.md §1). EF: read always, nothing else.
    constexpr std::uint8_t kEfAccess[9] = { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    // DFs: all "never" (as the ACe 2025 MF); the IDEMIA key DF as pkcs15-itacns.c/#2483 show it.
    constexpr std::uint8_t kDfAccess[9] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    constexpr std::uint8_t kKeyDfAccess[9]
        = { 0xFF, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x10, 0xFF };

    void tlv(Bytes& out, std::uint8_t tag, std::initializer_list<std::uint8_t> value)
    {
        out.push_back(tag);
        out.push_back(static_cast<std::uint8_t>(value.size()));
        out.insert(out.end(), value.begin(), value.end());
    }

    void tlv(Bytes& out, std::uint8_t tag, const std::uint8_t (&value)[9])
    {
        out.push_back(tag);
        out.push_back(9);
        out.insert(out.end(), value, value + 9);
    }

    std::uint8_t hi(std::size_t v)
    {
        return static_cast<std::uint8_t>((v >> 8) & 0xFF);
    }
    std::uint8_t lo(std::size_t v)
    {
        return static_cast<std::uint8_t>(v & 0xFF);
    }

} // namespace

FileTree::FileTree(const std::map<FilePath, Bytes>& efs, const Profile& profile)
    : efs_(&efs)
{
    dfs_.insert(FilePath { kMfFid });
    for (const auto& entry : efs) {
        const FilePath& path = entry.first;
        for (std::size_t n = 1; n < path.size(); ++n)
            dfs_.insert(FilePath(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(n)));
    }
    auto addDf = [&](std::string_view text) {
        if (text.empty()) return;
        const FilePath path = parseFilePath(text);
        for (std::size_t n = 1; n <= path.size(); ++n) {
            FilePath prefix(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(n));
            if (!efs.contains(prefix)) dfs_.insert(std::move(prefix));
        }
    };
    if (profile.cnsApplication) {
        addDf(profile.extraDf);
        addDf(profile.keyDf);
        if (!profile.keyDf.empty()) keyDf_ = parseFilePath(profile.keyDf);
    }
}

std::optional<FilePath> FileTree::child(const FilePath& df, Fid fid) const
{
    FilePath path = df;
    path.push_back(fid);
    if (isDf(path) || isEf(path)) return path;
    return std::nullopt;
}

std::optional<FilePath> FileTree::resolveFid(const FilePath& currentDf, Fid fid) const
{
    if (fid == kMfFid) return FilePath { kMfFid };
    if (auto c = child(currentDf, fid)) return c;
    if (currentDf.back() == fid) return currentDf;
    if (currentDf.size() > 1) {
        const FilePath parent(currentDf.begin(), currentDf.end() - 1);
        if (parent.back() == fid) return parent;
        if (auto sibling = child(parent, fid)) return sibling;
    }
    return std::nullopt;
}

std::optional<FilePath> FileTree::resolvePath(FilePath start, ByteView fids) const
{
    FilePath path = std::move(start);
    for (std::size_t i = 0; i + 1 < fids.size(); i += 2) {
        if (!isDf(path)) return std::nullopt; // cannot descend below an EF
        const auto fid = static_cast<Fid>((fids[i] << 8) | fids[i + 1]);
        auto next = child(path, fid);
        if (!next) return std::nullopt;
        path = std::move(*next);
    }
    return path;
}

Bytes FileTree::controlInfo(const FilePath& path, std::uint8_t tag) const
{
    Bytes body;
    const Fid fid = path.back();
    if (isEf(path)) {
        const std::size_t size = ef(path).size();
        // Always two bytes: OpenSC reads the size as a signed INTEGER (appendix).
        tlv(body, 0x80, { hi(size), lo(size) });
        tlv(body, 0x82, { 0x01 }); // transparent working EF
        tlv(body, 0x83, { hi(fid), lo(fid) });
        tlv(body, 0x86, kEfAccess);
    } else {
        tlv(body, 0x82, { 0x38 }); // DF
        tlv(body, 0x83, { hi(fid), lo(fid) });
        tlv(body, 0x86, keyDf_ && *keyDf_ == path ? kKeyDfAccess : kDfAccess);
    }
    tlv(body, 0x8A, { 0x05 }); // life cycle: operational, activated
    Bytes out(2 + body.size());
    out[0] = tag;
    out[1] = static_cast<std::uint8_t>(body.size());
    std::copy(body.begin(), body.end(), out.begin() + 2);
    return out;
}

} // namespace tscns::vcard
