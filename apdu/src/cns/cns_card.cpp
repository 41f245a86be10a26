// SPDX-License-Identifier: LGPL-2.1-or-later
// TS-CNS card logic: identification, file reads, PIN management, the raw RSA operation.
#include "tscns/cns/cns_card.hpp"

#include "tscns/apdu/atr.hpp"
#include "tscns/apdu/error.hpp"
#include "tscns/apdu/file_info.hpp"
#include "tscns/apdu/secure_command.hpp"
#include "tscns/apdu/status_table.hpp"
#include "tscns/cns/commands.hpp"
#include "tscns/cns/known_atrs.hpp"

#include <algorithm>

namespace tscns::cns {

using apdu::CommandApdu;
using apdu::ResponseApdu;
using apdu::StatusWord;
namespace sw = apdu::sw;

namespace {
    const Path kIdCarta { 0x3F00, 0x1000, 0x1003 };
    const Path kDatiPersonali { 0x3F00, 0x1100, 0x1102 };
    /// READ BINARY offsets stop at 7FFF (P1 bit 8 would mean an SFI): no EF can be larger.
    constexpr std::size_t kMaxFileSize = 0x8000;

} // namespace

Identification CnsCard::identify(apdu::CardChannel& channel, ByteView atr)
{
    std::optional<CnsAtrInfo> info;
    try {
        info = interpretCnsAtr(apdu::Atr::parse(atr));
    } catch (const Error&) {
        // A malformed or bare (contactless) ATR is no verdict: the probe decides.
    }
    const KnownAtr* known = findKnownAtr(atr);
    Profile profile = info ? profileFor(*info) : classicProfile();

    CnsCard card(channel, profile);
    Bytes raw;
    try {
        raw = card.readFile(kIdCarta);
    } catch (const Error& e) {
        if (e.code() != Errc::CardRejected && e.code() != Errc::Unsupported
            && e.code() != Errc::NotLoggedIn)
            throw;
        throw Error(Errc::NotCnsCard,
            "not a TS-CNS card: EF_IDCarta (3F00/1000/1003) cannot be read (" + e.message() + ")");
    }
    CardId id;
    try {
        id = CardId::parse(ByteView(raw));
    } catch (const Error& e) {
        throw Error(
            Errc::NotCnsCard, "not a TS-CNS card: EF_IDCarta is invalid (" + e.message() + ")");
    }
    Identification result { profile, info,
        known != nullptr ? std::string(known->label) : std::string(), std::move(id),
        std::move(raw) };
    return result;
}

CnsCard::CnsCard(apdu::CardChannel& channel, Profile profile)
    : raw_(channel)
    , channel_(channel)
    , profile_(std::move(profile))
{
}

ResponseApdu CnsCard::send(const CommandApdu& command)
{
    return channel_.transmit(command);
}

Bytes CnsCard::readFile(const Path& path)
{
    const std::string name = path.toString();
    const ResponseApdu sel = send(selectPath(path, FciMode::Fci));
    if (!sel.isSuccess()) apdu::throwForStatus(sel.sw, "selecting " + name);
    std::optional<std::size_t> size;
    if (!sel.data.empty()) {
        try {
            size = apdu::FileInfo::parse(sel.data).size();
        } catch (const Error& e) {
            throw Error(
                Errc::Transport, "selecting " + name + ": malformed FCI (" + e.message() + ")");
        }
    }
    if (size && *size > kMaxFileSize)
        throw Error(Errc::Transport,
            "selecting " + name + ": FCI announces " + std::to_string(*size) + " bytes, too large");

    Bytes out;
    const std::size_t limit = size.value_or(kMaxFileSize);
    const std::size_t chunk = std::min<std::size_t>(profile_.maxReadChunk, kMaxReadChunk);
    while (out.size() < limit) {
        const std::size_t want = std::min(chunk, limit - out.size());
        const ResponseApdu r = send(readBinary(out.size(), want));
        // Offset past the end (cns-card.md §8): the end of a file of unknown size; before the
        // size the FCI announced, a truncated file (reported below).
        if (r.sw == sw::kWrongP1P2) break;
        // 6282: fewer bytes than asked, the end (OpenSC treats it so).
        const bool endOfFile = r.sw == sw::kEndOfFile;
        if (!r.isSuccess() && !endOfFile) apdu::throwForStatus(r.sw, "reading " + name);
        if (r.data.size() > want)
            throw Error(Errc::Transport,
                "reading " + name + ": the card returned " + std::to_string(r.data.size())
                    + " bytes for " + std::to_string(want));
        out.insert(out.end(), r.data.begin(), r.data.end());
        if (endOfFile || r.data.size() < want) break; // short last chunk (cns-card.md §8)
    }
    if (size && out.size() < *size)
        throw Error(Errc::Transport,
            "reading " + name + ": the file is truncated (" + std::to_string(out.size()) + " of "
                + std::to_string(*size) + " bytes)");
    return out;
}

CardId CnsCard::readCardId()
{
    const Bytes raw = readFile(kIdCarta);
    return CardId::parse(ByteView(raw));
}

Bytes CnsCard::readPersonalDataRaw()
{
    return readFile(kDatiPersonali);
}

PersonalData CnsCard::readPersonalData()
{
    const Bytes raw = readPersonalDataRaw();
    return PersonalData::parse(raw);
}

Bytes CnsCard::readCertificate()
{
    try {
        return readFile(profile_.certificatePath);
    } catch (const Error& e) {
        if (!(e.statusWord() && *e.statusWord() == sw::kFileNotFound)) throw;
    }
    // The ATR pointed to the wrong family: try the other layout once, and keep it if it fits.
    const Profile& other
        = profile_.family == Family::Idemia2021 ? classicProfile() : idemia2021Profile();
    Bytes der = readFile(other.certificatePath);
    const std::uint8_t flag = profile_.referenceFlag;
    profile_ = other;
    profile_.referenceFlag = flag;
    return der;
}

PinStatus CnsCard::pinStatus()
{
    const ResponseApdu r = raw_.transmit(verifyQuery(profile_.pinP2()));
    PinStatus st;
    if (r.isSuccess()) {
        st.verified = true;
    } else if (auto n = r.sw.pinRetries()) {
        st.triesLeft = *n;
        st.blocked = *n == 0;
    } else if (r.sw == sw::kAuthMethodBlocked) {
        st.triesLeft = 0;
        st.blocked = true;
    }
    return st;
}

void CnsCard::pinCommand(CommandApdu& command, const char* what)
{
    apdu::WipeOnExit guard(command);
    // Straight to the channel, not through GetResponseChannel: a 6Cxx answer must never make
    // a PIN command go out twice.
    const ResponseApdu r = raw_.transmit(command);
    if (r.isSuccess()) return;
    if (auto n = r.sw.pinRetries()) {
        if (*n == 0)
            throw Error(Errc::PinLocked,
                std::string(what) + ": wrong code, no tries left: it is now blocked", r.sw, 0);
        throw Error(Errc::PinIncorrect,
            std::string(what) + ": wrong code, " + std::to_string(*n)
                + (*n == 1 ? " try" : " tries") + " left",
            r.sw, *n);
    }
    if (r.sw == sw::kAuthMethodBlocked)
        throw Error(Errc::PinLocked, std::string(what) + ": the code is blocked", r.sw, 0);
    if (r.sw == sw::kWrongLength || r.sw == sw::kWrongData)
        throw Error(
            Errc::PinLength, std::string(what) + ": the card refused the code's format", r.sw);
    apdu::throwForStatus(r.sw, what);
}

void CnsCard::verifyPin(const SecureBytes& pin)
{
    CommandApdu c = verify(profile_.pinP2(), pin);
    pinCommand(c, "PIN verification");
}

void CnsCard::changePin(const SecureBytes& oldPin, const SecureBytes& newPin)
{
    CommandApdu c = changeReferenceData(profile_.pinP2(), oldPin, newPin);
    pinCommand(c, "PIN change");
}

void CnsCard::unblockPin(const SecureBytes& puk, const SecureBytes& newPin)
{
    CommandApdu c = resetRetryCounter(profile_.pinP2(), puk, newPin);
    pinCommand(c, "PIN unblock with the PUK");
}

Bytes CnsCard::rsaRaw(ByteView block)
{
    if (profile_.keyDf) {
        const ResponseApdu r = send(selectPath(*profile_.keyDf, FciMode::None));
        if (!r.isSuccess()) apdu::throwForStatus(r.sw, "selecting the key DF");
    }
    ResponseApdu r = send(mseRestore(profile_.securityEnvironment));
    if (!r.isSuccess()) apdu::throwForStatus(r.sw, "MSE RESTORE");
    r = send(mseSet(MseTemplate::Confidentiality, profile_.keyReference));
    if (!r.isSuccess()) apdu::throwForStatus(r.sw, "MSE SET");

    const CommandApdu pso = psoDecipher(block);
    r = send(pso);
    if (pso.needsExtended() && (r.sw == sw::kWrongLength || r.sw == sw::kClaNotSupported)) {
        // The reader or card refused the extended APDU: send the same data with command chaining
        // (ISO 7816-4 §5.1.1.1), 255 bytes a part, as OpenSC does through vpcd.
        const Bytes& data = pso.data;
        std::size_t off = 0;
        while (data.size() - off > CommandApdu::kMaxShortLc) {
            CommandApdu part { static_cast<std::uint8_t>(pso.cla | 0x10), pso.ins, pso.p1, pso.p2,
                Bytes(data.begin() + static_cast<std::ptrdiff_t>(off),
                    data.begin() + static_cast<std::ptrdiff_t>(off + CommandApdu::kMaxShortLc)),
                std::nullopt };
            const ResponseApdu pr = send(part);
            if (!pr.isSuccess()) apdu::throwForStatus(pr.sw, "PSO DECIPHER (chained)");
            off += CommandApdu::kMaxShortLc;
        }
        CommandApdu last { pso.cla, pso.ins, pso.p1, pso.p2,
            Bytes(data.begin() + static_cast<std::ptrdiff_t>(off), data.end()), 256 };
        r = send(last);
    }
    if (r.sw == sw::kSecurityNotSatisfied)
        throw Error(
            Errc::NotLoggedIn, "private key operation: the PIN has not been verified", r.sw);
    if (!r.isSuccess()) apdu::throwForStatus(r.sw, "PSO DECIPHER");
    if (r.data.size() != block.size())
        throw Error(Errc::Transport,
            "PSO DECIPHER: the card returned " + std::to_string(r.data.size()) + " bytes for a "
                + std::to_string(block.size()) + "-byte block");
    return r.data;
}

Bytes CnsCard::getChallenge(std::size_t n)
{
    Bytes out;
    const std::size_t step = std::max<std::size_t>(1, profile_.maxChallenge);
    while (out.size() < n) {
        const std::size_t want = std::min(step, n - out.size());
        const ResponseApdu r = send(cns::getChallenge(want));
        if (!r.isSuccess()) apdu::throwForStatus(r.sw, "GET CHALLENGE");
        if (r.data.size() != want)
            throw Error(Errc::Transport, "GET CHALLENGE: wrong number of bytes from the card");
        out.insert(out.end(), r.data.begin(), r.data.end());
    }
    return out;
}

} // namespace tscns::cns
