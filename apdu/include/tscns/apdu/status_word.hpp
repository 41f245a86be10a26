// SPDX-License-Identifier: LGPL-2.1-or-later
// StatusWord (ISO 7816-4 §5.6) and the named constants used across tscns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tscns::apdu {

class StatusWord {
public:
    constexpr StatusWord() noexcept = default;
    constexpr explicit StatusWord(std::uint16_t value) noexcept
        : value_(value)
    {
    }
    constexpr StatusWord(std::uint8_t sw1, std::uint8_t sw2) noexcept
        : value_(static_cast<std::uint16_t>((sw1 << 8) | sw2))
    {
    }

    [[nodiscard]] constexpr std::uint16_t value() const noexcept { return value_; }
    [[nodiscard]] constexpr std::uint8_t sw1() const noexcept
    {
        return static_cast<std::uint8_t>(value_ >> 8);
    }
    [[nodiscard]] constexpr std::uint8_t sw2() const noexcept
    {
        return static_cast<std::uint8_t>(value_ & 0xFF);
    }
    /// 9000 only; 61xx means more data waits and is handled by the transport.
    [[nodiscard]] constexpr bool isSuccess() const noexcept { return value_ == 0x9000; }
    /// 63Cx: x tries left (ISO 7816-4 §5.6, "counter provided by X").
    [[nodiscard]] constexpr std::optional<int> pinRetries() const noexcept
    {
        if ((value_ & 0xFFF0) == 0x63C0) return static_cast<int>(value_ & 0x0F);
        return std::nullopt;
    }
    /// "6A82"
    [[nodiscard]] std::string toString() const;

    friend constexpr bool operator==(StatusWord, StatusWord) noexcept = default;

private:
    std::uint16_t value_ = 0;
};

namespace sw {
    inline constexpr StatusWord kSuccess { 0x9000 };
    inline constexpr StatusWord kEndOfFile { 0x6282 }; ///< fewer bytes than Le (end of file)
    inline constexpr StatusWord kWrongLength { 0x6700 };
    inline constexpr StatusWord kChainingNotSupported { 0x6884 };
    inline constexpr StatusWord kSecurityNotSatisfied { 0x6982 };
    inline constexpr StatusWord kAuthMethodBlocked { 0x6983 };
    inline constexpr StatusWord kReferenceDataNotUsable { 0x6984 };
    inline constexpr StatusWord kConditionsNotSatisfied { 0x6985 };
    inline constexpr StatusWord kCommandNotAllowed { 0x6986 };
    inline constexpr StatusWord kWrongData { 0x6A80 };
    inline constexpr StatusWord kFunctionNotSupported { 0x6A81 };
    inline constexpr StatusWord kFileNotFound { 0x6A82 };
    inline constexpr StatusWord kRecordNotFound { 0x6A83 };
    inline constexpr StatusWord kIncorrectP1P2 { 0x6A86 };
    inline constexpr StatusWord kReferenceNotFound { 0x6A88 };
    inline constexpr StatusWord kWrongP1P2 { 0x6B00 }; ///< also: offset beyond the EF
    inline constexpr StatusWord kInsNotSupported { 0x6D00 };
    inline constexpr StatusWord kClaNotSupported { 0x6E00 };
    inline constexpr StatusWord kNoPreciseDiagnosis { 0x6F00 };
} // namespace sw

} // namespace tscns::apdu
