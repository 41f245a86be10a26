// SPDX-License-Identifier: LGPL-2.1-or-later
// CNS command builders.
#include "tscns/cns/commands.hpp"

#include "tscns/apdu/error.hpp"

#include <string>

namespace tscns::cns {

namespace {
    constexpr std::uint8_t kSelect = 0xA4;
    constexpr std::uint8_t kReadBinary = 0xB0;
    constexpr std::uint8_t kVerify = 0x20;
    constexpr std::uint8_t kChangeReferenceData = 0x24;
    constexpr std::uint8_t kResetRetryCounter = 0x2C;
    constexpr std::uint8_t kMse = 0x22;
    constexpr std::uint8_t kPso = 0x2A;
    constexpr std::uint8_t kGetChallenge = 0x84;
    constexpr std::size_t kMaxLe = CommandApdu::kMaxShortLe;
    constexpr std::size_t kMaxBlock = 512; // RSA-4096; CNS cards use 128 or 256

    CommandApdu header(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2)
    {
        CommandApdu c;
        c.ins = ins;
        c.p1 = p1;
        c.p2 = p2;
        return c;
    }

    CommandApdu select(std::uint8_t p1, ByteView data, FciMode mode)
    {
        CommandApdu c = header(kSelect, p1, 0x0C);
        switch (mode) {
        case FciMode::None:
            break;
        case FciMode::Fci:
            c.p2 = 0x00;
            c.le = kMaxLe;
            break;
        case FciMode::Fcp:
            c.p2 = 0x04;
            c.le = kMaxLe;
            break;
        }
        c.data.assign(data.begin(), data.end());
        return c;
    }

    /// 5-8 ASCII digits, else Error(PinLength). Never puts the PIN in the message.
    void checkPin(const SecureBytes& pin, const char* what)
    {
        if (pin.size() < kMinPinLength || pin.size() > kMaxPinLength)
            throw Error(Errc::PinLength,
                std::string(what) + " must have 5 to 8 digits, got " + std::to_string(pin.size()));
        for (auto b : pin.view())
            if (b < '0' || b > '9')
                throw Error(Errc::PinLength, std::string(what) + " must be digits only");
    }

    /// Appends the PIN padded with FF to kPinBlockSize. `data` has its final capacity reserved.
    void appendPinBlock(Bytes& data, const SecureBytes& pin)
    {
        const ByteView digits = pin.view();
        data.insert(data.end(), digits.begin(), digits.end());
        data.insert(data.end(), kPinBlockSize - pin.size(), kPinPadding);
    }

    void checkBlock(ByteView block, const char* what)
    {
        if (block.empty() || block.size() > kMaxBlock)
            throw Error(Errc::BadArgument,
                std::string(what) + ": block of " + std::to_string(block.size())
                    + " bytes, expected 1 to 512");
    }
} // namespace

CommandApdu selectMf()
{
    const std::uint8_t mf[] = { 0x3F, 0x00 };
    CommandApdu c = header(kSelect, 0x00, 0x00);
    c.data.assign(std::begin(mf), std::end(mf));
    return c;
}

CommandApdu selectPath(const Path& path, FciMode mode)
{
    if (path.empty()) throw Error(Errc::BadArgument, "SELECT by path: empty path");
    if (path.isMf()) return selectFid(Path::kMf, mode);
    // P1 08: path from the MF (without its FID); 09: from the current DF (ISO 7816-4 SELECT).
    return select(path.isAbsolute() ? 0x08 : 0x09, path.selectData(), mode);
}

CommandApdu selectFid(std::uint16_t fid, FciMode mode)
{
    const std::uint8_t data[]
        = { static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF) };
    return select(0x00, data, mode);
}

CommandApdu selectAid(ByteView aid, FciMode mode)
{
    // ISO 7816-5: an AID is a 5-byte RID plus an optional PIX of up to 11 bytes.
    if (aid.size() < 5 || aid.size() > 16)
        throw Error(Errc::BadArgument,
            "SELECT AID: " + std::to_string(aid.size()) + " bytes, an AID has 5 to 16");
    return select(0x04, aid, mode);
}

CommandApdu readBinary(std::size_t offset, std::size_t le)
{
    if (offset > kMaxReadOffset)
        throw Error(
            Errc::BadArgument, "READ BINARY: offset " + std::to_string(offset) + " above 32767");
    if (le == 0 || le > kMaxLe)
        throw Error(Errc::BadArgument, "READ BINARY: Le " + std::to_string(le) + " outside 1..256");
    CommandApdu c = header(kReadBinary, static_cast<std::uint8_t>(offset >> 8),
        static_cast<std::uint8_t>(offset & 0xFF));
    c.le = le;
    return c;
}

CommandApdu verify(std::uint8_t ref, const SecureBytes& pin)
{
    checkPin(pin, "PIN");
    CommandApdu c = header(kVerify, 0x00, ref);
    c.data.reserve(kPinBlockSize);
    appendPinBlock(c.data, pin);
    return c;
}

CommandApdu verifyQuery(std::uint8_t ref)
{
    return header(kVerify, 0x00, ref);
}

CommandApdu changeReferenceData(
    std::uint8_t ref, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    checkPin(oldPin, "current PIN");
    checkPin(newPin, "new PIN");
    CommandApdu c = header(kChangeReferenceData, 0x00, ref);
    c.data.reserve(2 * kPinBlockSize);
    appendPinBlock(c.data, oldPin);
    appendPinBlock(c.data, newPin);
    return c;
}

CommandApdu resetRetryCounter(
    std::uint8_t pinRef, const SecureBytes& puk, const SecureBytes& newPin)
{
    checkPin(puk, "PUK");
    checkPin(newPin, "new PIN");
    CommandApdu c = header(kResetRetryCounter, 0x00, pinRef);
    c.data.reserve(2 * kPinBlockSize);
    appendPinBlock(c.data, puk);
    appendPinBlock(c.data, newPin);
    return c;
}

CommandApdu mseRestore(std::uint8_t se)
{
    CommandApdu c = header(kMse, 0xF3, se);
    c.le = kMaxLe; // the trailing 00 byte (see the header comment)
    return c;
}

CommandApdu mseSet(MseTemplate templ, std::uint8_t keyRef)
{
    CommandApdu c = header(kMse, 0xF1, static_cast<std::uint8_t>(templ));
    c.data = { 0x83, 0x01, keyRef };
    return c;
}

CommandApdu psoDecipher(ByteView block)
{
    checkBlock(block, "PSO DECIPHER");
    CommandApdu c = header(kPso, 0x80, 0x86);
    c.data.reserve(block.size() + 1);
    c.data.push_back(0x00); // padding indicator byte of PSO DECIPHER (ISO 7816-8)
    c.data.insert(c.data.end(), block.begin(), block.end());
    // The result is as long as the modulus.
    c.le = block.size() > kMaxLe ? block.size() : kMaxLe;
    return c;
}

CommandApdu psoComputeDigitalSignature(ByteView block)
{
    checkBlock(block, "PSO COMPUTE DIGITAL SIGNATURE");
    CommandApdu c = header(kPso, 0x9E, 0x9A);
    c.data.assign(block.begin(), block.end());
    c.le = block.size() > kMaxLe ? block.size() : kMaxLe;
    return c;
}

CommandApdu getChallenge(std::size_t n)
{
    if (n == 0 || n > kMaxLe)
        throw Error(
            Errc::BadArgument, "GET CHALLENGE: " + std::to_string(n) + " bytes, expected 1 to 256");
    CommandApdu c = header(kGetChallenge, 0x00, 0x00);
    c.le = n;
    return c;
}

} // namespace tscns::cns
