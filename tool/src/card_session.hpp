// SPDX-License-Identifier: LGPL-2.1-or-later
// Picking a reader and opening a card in it.
#pragma once

#include "tscns/reader/pcsc.hpp"

#include <memory>
#include <optional>
#include <string>

namespace tscns::tool {

/// Resolves --reader: an exact reader name, the reader's number in `tscns readers`, or a unique
/// case-insensitive part of its name. Without --reader: the first reader holding a card.
/// Throws Error(NoReader) / Error(CardAbsent) with a message naming what was looked for.
std::string pickReader(reader::Context& context, const std::optional<std::string>& wanted);

} // namespace tscns::tool
