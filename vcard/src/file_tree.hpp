// SPDX-License-Identifier: LGPL-2.1-or-later
// The virtual card's file system: DFs and EFs by path, ISO 7816-4 SELECT resolution, FCI/FCP.
#pragma once

#include "tscns/vcard/card_image.hpp"
#include "tscns/vcard/profiles.hpp"

#include <cstdint>
#include <optional>
#include <set>

namespace tscns::vcard {

class FileTree {
public:
    /// DFs: the MF, every directory on the way to an EF, and the profile's key DF / extra DF.
    FileTree(const std::map<FilePath, Bytes>& efs, const Profile& profile);

    [[nodiscard]] bool isDf(const FilePath& path) const { return dfs_.contains(path); }
    [[nodiscard]] bool isEf(const FilePath& path) const { return efs_->contains(path); }
    [[nodiscard]] const Bytes& ef(const FilePath& path) const { return efs_->at(path); }

    /// Child `fid` of DF `df` (DF or EF), if any.
    [[nodiscard]] std::optional<FilePath> child(const FilePath& df, Fid fid) const;
    /// SELECT P1=00 (ISO 7816-4 §7.1.1): the MF by 3F00, else an immediate child of the
    /// current DF, the current DF itself, its parent, or an immediate child of the parent.
    [[nodiscard]] std::optional<FilePath> resolveFid(const FilePath& currentDf, Fid fid) const;
    /// SELECT P1=08/09: `fids` walked child by child from `start` (MF or current DF).
    [[nodiscard]] std::optional<FilePath> resolvePath(FilePath start, ByteView fids) const;

    /// File control information in template `tag` (0x6F FCI, 0x62 FCP) with what OpenSC reads
    /// (cns-card.md appendix): 80 02 size (EF), 82 01 01|38, 83 02 FID, 86 09 access, 8A 01 05.
    [[nodiscard]] Bytes controlInfo(const FilePath& path, std::uint8_t tag) const;

private:
    const std::map<FilePath, Bytes>* efs_;
    std::set<FilePath> dfs_;
    std::optional<FilePath> keyDf_;
};

} // namespace tscns::vcard
