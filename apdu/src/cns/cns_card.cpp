// SPDX-License-Identifier: LGPL-2.1-or-later
// TS-CNS card logic: identification, file reads, PIN management, the raw RSA operation.
#include "tscns/cns/cns_card.hpp"

#include "tscns/apdu/atr.hpp"
#include "tscns/apdu/error.hpp"
#include "tscns/apdu/file_info.hpp"
#include "tscns/apdu/secure_command.hpp"
#include "tscns/apdu/status_table.hpp"
#include "tscns/cns/certificate_ef.hpp"
#include "tscns/cns/commands.hpp"
#include "tscns/cns/known_atrs.hpp"

#include <algorithm>
#include <functional>

namespace tscns::cns {

using apdu::CommandApdu;
using apdu::ResponseApdu;
using apdu::StatusWord;
namespace sw = apdu::sw;

namespace {
    const Path kIdCarta { 0x3F00, 0x1000, 0x1003 };
    const Path kDatiPersonali { 0x3F00, 0x1100, 0x1102 };
    /// ACe 2025: the card ID as packed BCD in bytes 2..9 of this 10-byte EF (OpenSC #3804),
    /// at the application's root (its FCP names it 3F00, so the path from the MF addresses it).
    const Path kAceIdBcd { 0x3F00, 0xD003 };

    /// Answers that mean "not here" for a probe: the next candidate is tried.
    bool notHere(const Error& e) noexcept
    {
        return e.code() == Errc::CardRejected || e.code() == Errc::Unsupported
            || e.code() == Errc::NotLoggedIn;
    }

    /// SELECT failures after which, inside an application, selecting it again may help.
    bool selectFailed(StatusWord s) noexcept
    {
        return s == sw::kFileNotFound || s == sw::kCommandNotAllowed || s == sw::kIncorrectP1P2
            || s == sw::kConditionsNotSatisfied || s == sw::kSecurityNotSatisfied;
    }

    /// The ACe's D003: 16 BCD digits in bytes 2..9; nullopt when they are not all digits.
    std::optional<std::string> bcdCardId(ByteView ef)
    {
        if (ef.size() < 10) return std::nullopt;
        std::string digits;
        for (std::size_t i = 2; i < 10; ++i) {
            for (const int nibble : { ef[i] >> 4, ef[i] & 0x0F }) {
                if (nibble > 9) return std::nullopt;
                digits.push_back(static_cast<char>('0' + nibble));
            }
        }
        return digits;
    }

    /// The EF size from a SELECT answer's FCI/FCP; nullopt when there is none, it does not parse
    /// (a malformed FCI tells nothing) or it exceeds what READ BINARY can address.
    std::optional<std::size_t> fciSize(const ResponseApdu& select)
    {
        if (select.data.empty()) return std::nullopt;
        try {
            const auto size = apdu::FileInfo::parse(select.data).size();
            if (size && *size <= CnsCard::kMaxFileSize) return size;
        } catch (const Error&) {
        }
        return std::nullopt;
    }

    /// The order in which readCertificate tries layouts: the suggested one, then every other.
    std::vector<const Profile*> certificateOrder(const Profile& first)
    {
        std::vector<const Profile*> out;
        for (const Profile& p : profiles()) {
            if (p.family == first.family) continue;
            if (p.family == Family::Classic && &p == &stIncardProfile()) continue;
            out.push_back(&p);
        }
        return out;
    }
} // namespace

Identification CnsCard::identify(apdu::CardChannel& channel, ByteView atr)
{
    Identification result;
    try {
        result.atrInfo = interpretCnsAtr(apdu::Atr::parse(atr));
    } catch (const Error&) {
        // A malformed or bare (contactless) ATR is no verdict: the probe decides.
    }
    const KnownAtr* known = findKnownAtr(atr);
    if (known != nullptr) result.atrLabel = std::string(known->label);
    result.atrRecognised = result.atrInfo.has_value() || known != nullptr;
    if (!result.atrRecognised) result.notes.emplace_back("unknown ATR: identified by the probe");
    Profile hint = result.atrInfo ? profileFor(*result.atrInfo) : classicProfile();
    if (!result.atrInfo && known != nullptr && known->kind == KnownAtr::Kind::CnsContactless)
        hint = jSign4Profile(); // bare NFC ATR: the JSign4 application is the likely one

    // 1. EF_IDCarta at MF level (classic, IDEMIA 2021, Infocamere, ACe 2025 without AID): 2 APDUs.
    std::string firstFailure;
    {
        Profile mfLevel = hint;
        mfLevel.aid = {}; // MF level only: the applications are step 2
        CnsCard card(channel, mfLevel);
        try {
            result.idCartaRaw = card.readFile(kIdCarta, CardId::kLength);
            result.cardId = CardId::read(ByteView(result.idCartaRaw));
            result.profile = hint; // an application hint: its files may still need the AID
        } catch (const Error& e) {
            if (!notHere(e) && e.code() != Errc::CardData) throw;
            firstFailure = e.message();
            result.idCartaRaw.clear();
        }
    }
    if (firstFailure.empty()) {
        for (const auto& p : result.cardId.checks.problems)
            result.notes.push_back("EF_IDCarta: " + p);
        return result;
    }

    // 2. The CNS applications by AID, the suggested one first: 1 APDU each, then EF_IDCarta (or
    //    D003) inside the one that answers.
    std::vector<const Profile*> apps;
    if (hint.usesApplication()) apps.push_back(&hint);
    for (const Profile& p : profiles())
        if (p.usesApplication() && p.family != hint.family) apps.push_back(&p);
    for (const Profile* app : apps) {
        CnsCard card(channel, *app);
        if (!card.selectApplication()) continue;
        result.profile = *app;
        result.notes.push_back("CNS application " + toHex(app->aid) + " selected ("
            + std::string(app->name) + "); EF_IDCarta at MF level: " + firstFailure);
        try {
            result.idCartaRaw = card.readFile(kIdCarta, CardId::kLength);
            result.cardId = CardId::read(ByteView(result.idCartaRaw));
        } catch (const Error& e) {
            if (!notHere(e) && e.code() != Errc::CardData) throw;
            result.idCartaRaw.clear();
            try {
                const Bytes d003 = card.readFile(kAceIdBcd, 16);
                if (auto digits = bcdCardId(ByteView(d003))) {
                    result.cardId = CardId::parse(*digits);
                    result.notes.emplace_back("card ID read from D003 (BCD)");
                }
            } catch (const Error& e2) {
                if (!notHere(e2) && e2.code() != Errc::CardData) throw;
            }
            if (result.cardId.digits.empty())
                result.notes.emplace_back(
                    "no EF_IDCarta in the application: the card ID comes from the certificate");
        }
        for (const auto& p : result.cardId.checks.problems)
            result.notes.push_back("EF_IDCarta: " + p);
        return result;
    }
    throw Error(Errc::NotCnsCard,
        "not a TS-CNS card: EF_IDCarta (3F00/1000/1003) cannot be read (" + firstFailure
            + ") and no CNS application answers");
}

CnsCard::CnsCard(apdu::CardChannel& channel, Profile profile, PinPad* pad)
    : raw_(channel)
    , pad_(pad)
    , channel_(channel)
    , profile_(std::move(profile))
{
}

ResponseApdu CnsCard::send(const CommandApdu& command)
{
    return channel_.transmit(command);
}

bool CnsCard::selectApplication()
{
    if (!profile_.usesApplication()) return true;
    return enterApplication(profile_.aid);
}

bool CnsCard::enterApplication(ByteView aid)
{
    if (!currentAid_.empty()
        && std::equal(aid.begin(), aid.end(), currentAid_.begin(), currentAid_.end()))
        return true;
    const ResponseApdu r = send(selectAid(aid, FciMode::Fci));
    if (r.isSuccess())
        currentAid_.assign(aid.begin(), aid.end());
    else
        currentAid_.clear();
    return r.isSuccess();
}

bool CnsCard::applicationCurrent() const noexcept
{
    return inApplication(profile_);
}

bool CnsCard::inApplication(const Profile& layout) const noexcept
{
    return layout.usesApplication() && !currentAid_.empty()
        && std::equal(layout.aid.begin(), layout.aid.end(), currentAid_.begin(), currentAid_.end());
}

Bytes CnsCard::readFile(const Path& path, std::size_t maxBytes)
{
    const std::string name = path.toString();
    ResponseApdu sel = send(selectPath(path, FciMode::Fci));
    if (!sel.isSuccess() && profile_.usesApplication() && selectFailed(sel.sw)
        && !applicationCurrent() && selectApplication())
        sel = send(selectPath(path, FciMode::Fci)); // another application had been selected
    if (!sel.isSuccess()) apdu::throwForStatus(sel.sw, "selecting " + name);
    const std::optional<std::size_t> size = fciSize(sel);
    return readBody(name, size, std::min(size.value_or(kMaxFileSize), maxBytes));
}

Bytes CnsCard::readBody(const std::string& name, std::optional<std::size_t> size, std::size_t limit,
    std::optional<std::size_t> (*shrink)(ByteView))
{
    Bytes out;
    std::size_t chunk = std::min<std::size_t>(profile_.maxReadChunk, kMaxReadChunk);
    bool shrunk = false;
    const auto append = [&](const ResponseApdu& r, std::size_t want) {
        if (r.data.size() > want)
            throw Error(Errc::Transport,
                "reading " + name + ": the card returned " + std::to_string(r.data.size())
                    + " bytes for " + std::to_string(want));
        out.insert(out.end(), r.data.begin(), r.data.end());
        if (shrink != nullptr && !shrunk) {
            if (auto end = shrink(ByteView(out))) {
                limit = std::min(limit, *end);
                shrunk = true;
            }
        }
    };
    while (out.size() < limit) {
        const std::size_t want = std::min(chunk, limit - out.size());
        ResponseApdu r = send(readBinary(out.size(), want));
        if (r.sw == sw::kWrongP1P2 || r.sw == sw::kWrongLength) {
            // 6B00: offset past the end of the EF, or (on some cards) a read running past it.
            // One byte at the same offset tells which: refused, this is the end.
            if (want == 1) break;
            r = send(readBinary(out.size(), 1));
            if (r.sw == sw::kWrongP1P2 || r.sw == sw::kWrongLength) break;
            if (!r.isSuccess() && r.sw != sw::kEndOfFile)
                apdu::throwForStatus(r.sw, "reading " + name);
            append(r, 1);
            if (r.data.empty() || r.sw == sw::kEndOfFile) break;
            chunk = std::max<std::size_t>(1, want / 2);
            continue;
        }
        // 6282: fewer bytes than asked, the end (OpenSC treats it so).
        const bool endOfFile = r.sw == sw::kEndOfFile;
        if (!r.isSuccess() && !endOfFile) apdu::throwForStatus(r.sw, "reading " + name);
        append(r, want);
        if (endOfFile || r.data.size() < want) break; // short last chunk
    }
    if (size && out.size() < std::min(*size, limit))
        throw Error(Errc::Transport,
            "reading " + name + ": the file is truncated (" + std::to_string(out.size()) + " of "
                + std::to_string(*size) + " bytes)");
    return out;
}

CardId CnsCard::readCardId()
{
    const Bytes raw = readFile(kIdCarta, CardId::kLength);
    return CardId::read(ByteView(raw));
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

std::optional<Bytes> CnsCard::certificateAt(const Profile& layout, const Path& path)
{
    const std::string name = path.toString();
    ResponseApdu sel = send(selectPath(path, FciMode::Fci));
    if (!sel.isSuccess() && layout.usesApplication() && selectFailed(sel.sw)
        && !inApplication(layout)) {
        if (!enterApplication(layout.aid)) return std::nullopt;
        sel = send(selectPath(path, FciMode::Fci));
    }
    if (sel.sw == sw::kFileNotFound || selectFailed(sel.sw)) return std::nullopt;
    if (!sel.isSuccess()) apdu::throwForStatus(sel.sw, "selecting " + name);
    const std::optional<std::size_t> size = fciSize(sel);
    // Read the head, learn the certificate's extent from its DER (or wrapped) header, then read
    // exactly up to it: padding after the certificate is never read.
    const Bytes out = readBody(name, std::nullopt, size.value_or(kMaxFileSize),
        [](ByteView head) -> std::optional<std::size_t> {
            if (auto e = certificateExtent(head)) return e->end();
            return std::nullopt;
        });
    try {
        CertificateEf ef = extractCertificate(ByteView(out));
        return std::move(ef.der);
    } catch (const Error& e) {
        throw Error(Errc::CardData, "reading the certificate at " + name + ": " + e.message());
    }
}

std::optional<Bytes> CnsCard::searchCertificate(
    const std::function<std::optional<Bytes>(const Profile&, const Path&)>& at)
{
    // The layout's own locations first: on a card whose location is confirmed, nothing else.
    std::vector<const Profile*> order { &profile_ };
    if (!profile_.certificateConfirmed)
        for (const Profile* p : certificateOrder(profile_))
            order.push_back(p);
    Profile own = profile_;
    for (const Profile* candidate : order) {
        Profile layout = candidate == &profile_ ? own : *candidate;
        if (candidate != &profile_) {
            // Keep what the card told about itself (PIN reference flag of the mask).
            layout.referenceFlag = own.referenceFlag;
        }
        const auto paths = layout.certificate.all();
        for (std::size_t i = 0; i < paths.size(); ++i) {
            if (layout.usesApplication() && !own.usesApplication() && i == 0) {
                // Entering an application from MF level: select it first.
                if (!enterApplication(layout.aid)) break;
            }
            if (auto found = at(layout, paths[i])) {
                layout.certificate.paths[0] = paths[i];
                layout.certificate.count = 1;
                layout.certificateConfirmed = true;
                profile_ = layout;
                return found;
            }
            if (own.certificateConfirmed) break;
        }
        if (own.certificateConfirmed) break;
    }
    return std::nullopt;
}

Bytes CnsCard::readCertificate()
{
    auto der = searchCertificate(
        [this](const Profile& layout, const Path& path) { return certificateAt(layout, path); });
    if (!der)
        throw Error(Errc::CardRejected,
            "no authentication certificate at any known location (docs/card-layouts.md)",
            sw::kFileNotFound);
    return std::move(*der);
}

bool CnsCard::locateLayout()
{
    if (profile_.certificateConfirmed) return false;
    // A SELECT of each candidate certificate EF, nothing read: the key and PIN follow the layout
    // whose certificate is there.
    return searchCertificate([this](
                                 const Profile& layout, const Path& path) -> std::optional<Bytes> {
        ResponseApdu sel = send(selectPath(path, FciMode::None));
        if (!sel.isSuccess() && layout.usesApplication() && selectFailed(sel.sw)
            && !inApplication(layout)) {
            if (!enterApplication(layout.aid)) return std::nullopt;
            sel = send(selectPath(path, FciMode::None));
        }
        if (!sel.isSuccess()) return std::nullopt;
        return Bytes {};
    }).has_value();
}

PinStatus CnsCard::pinStatus()
{
    // The empty VERIFY carries no PIN, so asking again after selecting the application (where
    // the PIN object lives) spends nothing.
    ResponseApdu r = raw_.transmit(verifyQuery(profile_.pinP2()));
    if (profile_.usesApplication() && (r.sw == sw::kReferenceNotFound || r.sw == sw::kFileNotFound)
        && !applicationCurrent() && selectApplication())
        r = raw_.transmit(verifyQuery(profile_.pinP2()));
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
    // The PIN object lives in the application: select it before, never resend the PIN after.
    if (profile_.usesApplication()) (void)selectApplication();
    pinSent_ = true;
    // Straight to the channel, not through GetResponseChannel: a 6Cxx answer must never make
    // a PIN command go out twice.
    const ResponseApdu r = raw_.transmit(command);
    checkPinAnswer(r.sw, what);
}

void CnsCard::checkPinAnswer(StatusWord status, const char* what)
{
    if (status.isSuccess()) return;
    if (auto n = status.pinRetries()) {
        if (*n == 0)
            throw Error(Errc::PinLocked,
                std::string(what) + ": wrong code, no tries left: it is now blocked", status, 0);
        throw Error(Errc::PinIncorrect,
            std::string(what) + ": wrong code, " + std::to_string(*n)
                + (*n == 1 ? " try" : " tries") + " left",
            status, *n);
    }
    if (status == sw::kAuthMethodBlocked)
        throw Error(Errc::PinLocked, std::string(what) + ": the code is blocked", status, 0);
    if (status == sw::kWrongLength || status == sw::kWrongData)
        throw Error(
            Errc::PinLength, std::string(what) + ": the card refused the code's format", status);
    apdu::throwForStatus(status, what);
}

void CnsCard::verifyPin(const SecureBytes& pin)
{
    CommandApdu c = verify(profile_.pinP2(), pin);
    pinCommand(c, "PIN verification");
}

void CnsCard::verifyPinOnPad()
{
    constexpr const char* what = "PIN verification on the reader";
    if (pad_ == nullptr) throw Error(Errc::Unsupported, "the reader has no PIN pad");
    // As in pinCommand: the application first, then exactly one request to the pad.
    if (profile_.usesApplication()) (void)selectApplication();
    pinSent_ = true;
    PadVerifyRequest request;
    request.reference = profile_.pinP2();
    request.minDigits = profile_.minPinLength;
    request.maxDigits = profile_.maxPinLength;
    const StatusWord s = pad_->verifyOnPad(request);
    if (s == pad_sw::kTimeout)
        throw Error(Errc::CardRejected, std::string(what) + ": no PIN was entered in time", s);
    if (s == pad_sw::kCancelled)
        throw Error(Errc::CardRejected, std::string(what) + ": cancelled on the reader", s);
    if (s == pad_sw::kBadParameter)
        throw Error(Errc::Transport, std::string(what) + ": the reader refused the request", s);
    checkPinAnswer(s, what);
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
    try {
        prepareKey();
    } catch (const Error& e) {
        // The key is not where the suggested layout has it (the ATR hinted another layout and
        // the certificate came from a cache): find the layout by its certificate EF, once.
        if (e.code() != Errc::CardRejected || !locateLayout()) throw;
        prepareKey();
    }
    return decipher(block);
}

void CnsCard::prepareKey()
{
    if (profile_.keyDf) {
        const ResponseApdu r = send(selectPath(*profile_.keyDf, FciMode::None));
        if (!r.isSuccess()) apdu::throwForStatus(r.sw, "selecting the key DF");
    }
    ResponseApdu r = send(mseRestore(profile_.securityEnvironment));
    if (!r.isSuccess() && profile_.usesApplication() && !applicationCurrent()
        && selectApplication())
        r = send(mseRestore(profile_.securityEnvironment)); // another application was selected
    // Outside the classic layouts, whether the card knows security environment #3 is not
    // documented: a card that does not is not refused for it (MSE SET follows anyway).
    const bool restoreUnknown = r.sw == sw::kReferenceNotFound || r.sw == sw::kIncorrectP1P2
        || r.sw == sw::kInsNotSupported || r.sw == sw::kWrongData;
    if (!r.isSuccess() && !(restoreUnknown && profile_.family != Family::Classic))
        apdu::throwForStatus(r.sw, "MSE RESTORE");
    r = send(mseSet(MseTemplate::Confidentiality, profile_.keyReference));
    if (!r.isSuccess()) apdu::throwForStatus(r.sw, "MSE SET");
}

Bytes CnsCard::decipher(ByteView block)
{
    const CommandApdu pso = psoDecipher(block);
    ResponseApdu r = send(pso);
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
