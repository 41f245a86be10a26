// SPDX-License-Identifier: LGPL-2.1-or-later
// The CNS command set as pure builders: byte layouts of cns-card.md §5, §6, §8 and the appendix.
#pragma once

#include "tscns/apdu/bytes.hpp"
#include "tscns/apdu/command_apdu.hpp"
#include "tscns/cns/path.hpp"

#include <cstddef>
#include <cstdint>

namespace tscns::cns {

using apdu::CommandApdu;

/// PIN and PUK: ASCII digits, 5 to 8, padded to 8 bytes with FF (cns-card.md §5).
inline constexpr std::size_t kMinPinLength = 5;
inline constexpr std::size_t kMaxPinLength = 8;
inline constexpr std::size_t kPinBlockSize = 8;
inline constexpr std::uint8_t kPinPadding = 0xFF;
/// READ BINARY chunk OpenSC uses (cns-card.md §8).
inline constexpr std::size_t kMaxReadChunk = 0xFF;
/// Largest READ BINARY offset: P1 bit 8 set would mean a short EF identifier.
inline constexpr std::size_t kMaxReadOffset = 0x7FFF;

/// What SELECT asks the card to return.
enum class FciMode {
    None, ///< P2 = 0C, no Le
    Fci, ///< P2 = 00, Le = 256 (short "00")
    Fcp, ///< P2 = 04, Le = 256
};

/// MSE SET control reference template (P2).
enum class MseTemplate : std::uint8_t {
    Authentication = 0xA4, ///< AT
    Signature = 0xB6, ///< DST, for PSO COMPUTE DIGITAL SIGNATURE
    Confidentiality = 0xB8, ///< CT, for PSO DECIPHER
};

/// `00 A4 00 00 02 3F 00`, as OpenSC selects the MF (P2 00 without Le).
[[nodiscard]] CommandApdu selectMf();
/// Absolute path: `00 A4 08 P2 Lc <path without 3F00>`; "3F00" alone: `00 A4 00 P2 02 3F 00`;
/// relative path: `00 A4 09 P2 Lc <path>` (from the current DF). Throws Error(BadArgument) for
/// an empty path.
[[nodiscard]] CommandApdu selectPath(const Path& path, FciMode mode = FciMode::None);
/// `00 A4 00 P2 02 <fid>`.
[[nodiscard]] CommandApdu selectFid(std::uint16_t fid, FciMode mode = FciMode::None);
/// `00 A4 04 P2 Lc <aid>`; AID of 5 to 16 bytes, else Error(BadArgument). Vendor traces send
/// P2 = 00 with Le (cns-card.md §8), hence the default.
[[nodiscard]] CommandApdu selectAid(ByteView aid, FciMode mode = FciMode::Fci);

/// `00 B0 off_hi off_lo Le`; offset <= 7FFF, 1 <= le <= 256 (256 encodes as 00), else
/// Error(BadArgument). CNS reads use le = kMaxReadChunk.
[[nodiscard]] CommandApdu readBinary(std::size_t offset, std::size_t le = kMaxReadChunk);

/// `00 20 00 ref 08 <PIN FF-padded>`. `ref` is the P2 actually sent (Profile::pinP2()).
/// Throws Error(PinLength) unless the PIN is 5-8 ASCII digits.
/// The returned data field holds the PIN: wipe it (apdu::wipe / apdu::WipeOnExit) after use.
/// The data buffer is reserved at its final size, so building it leaves no unwiped copy.
[[nodiscard]] CommandApdu verify(std::uint8_t ref, const SecureBytes& pin);
/// `00 20 00 ref` without data: asks for the retry counter (63Cx); support is unconfirmed.
[[nodiscard]] CommandApdu verifyQuery(std::uint8_t ref);
/// `00 24 00 ref 10 <old 8><new 8>`. Both PINs checked as in verify(). Holds PINs: wipe it.
[[nodiscard]] CommandApdu changeReferenceData(
    std::uint8_t ref, const SecureBytes& oldPin, const SecureBytes& newPin);
/// `00 2C 00 pinRef 10 <PUK 8><new PIN 8>` (P1 = 00: PUK and new PIN in the data). Both checked
/// as in verify(). Holds secrets: wipe it.
[[nodiscard]] CommandApdu resetRetryCounter(
    std::uint8_t pinRef, const SecureBytes& puk, const SecureBytes& newPin);

/// `00 22 F3 se 00`: the CNS specification (§13.14) wants a trailing 00 it calls Lc; it is sent
/// as Le = 256 ("00"), as OpenSC does (cns-card.md §6).
[[nodiscard]] CommandApdu mseRestore(std::uint8_t se = 0x03);
/// `00 22 F1 <templ> 03 83 01 <keyRef>`: key reference only, no algorithm tag (cns-card.md §6).
[[nodiscard]] CommandApdu mseSet(MseTemplate templ, std::uint8_t keyRef);
/// `00 2A 80 86 Lc 00 <block> Le`: padding indicator 00, then the modulus-length block. Le 256
/// (the block size for longer blocks); 1024-bit blocks give a short APDU (Lc 81), 2048-bit
/// blocks (Lc 257) an extended one (`00 2A 80 86 00 01 01 … 01 00`, cns-card.md §6).
/// Blocks of 1 to 512 bytes, else Error(BadArgument).
[[nodiscard]] CommandApdu psoDecipher(ByteView block);
/// `00 2A 9E 9A Lc <block> Le`: Le 256 or the block size if larger (extended when the block
/// exceeds 255 bytes). Blocks of 1 to 512 bytes, else Error(BadArgument).
[[nodiscard]] CommandApdu psoComputeDigitalSignature(ByteView block);
/// `00 84 00 00 n`, 1 <= n <= 256, else Error(BadArgument). Profiles cap n (IDEMIA 2021: 32).
[[nodiscard]] CommandApdu getChallenge(std::size_t n);

} // namespace tscns::cns
