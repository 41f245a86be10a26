// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsConnection, the card-access path of the module, the daemon and the tool, over an in-process
// VirtualCnsCard behind a fake CardLink: the verified-PIN rule (a reset after every use that sent
// a PIN, none otherwise, a failed reset is an error), the PKCS#11 login that keeps the PIN until
// resetCard(), and the layout a use learnt kept for the next one.
#include "groups.hpp"

#include "tscns/cns/card_link.hpp"
#include "tscns/cns/cns_connection.hpp"
#include "tscns/cns/profile.hpp"
#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <memory>
#include <string>

// Last: cmocka's fail() macro clashes with standard headers included after it.
#include "checker.hpp"

using namespace tscns;
using namespace tscns::test;
using cns::CnsConnection;
using cns::PinRule;

namespace {

constexpr const char* kPin = "13579";

/// A CardLink over a virtual card: counts transactions and resets, and can refuse to reset.
class VirtualCardLink final : public cns::CardLink {
public:
    explicit VirtualCardLink(vcard::VirtualCnsCard& card)
        : card_(card)
    {
    }
    [[nodiscard]] const Bytes& atr() const override { return card_.atr(); }
    [[nodiscard]] unsigned resetCount() const override { return 0; }
    [[nodiscard]] std::unique_ptr<cns::LinkTransaction> beginTransaction() override
    {
        ++transactions;
        return std::make_unique<Transaction>(*this);
    }

    int transactions = 0;
    int resets = 0;
    bool refuseReset = false;

private:
    class Transaction final : public cns::LinkTransaction {
    public:
        explicit Transaction(VirtualCardLink& link)
            : link_(link)
        {
        }
        apdu::ResponseApdu transmit(const apdu::CommandApdu& command) override
        {
            return link_.card_.transmit(command);
        }
        void endWithReset() override
        {
            if (link_.refuseReset) throw Error(Errc::Transport, "the reader refused the reset");
            ++link_.resets;
            link_.card_.reset();
        }

    private:
        VirtualCardLink& link_;
    };
    vcard::VirtualCnsCard& card_;
};

std::unique_ptr<vcard::VirtualCnsCard> makeCard(const char* profile, std::uint64_t seed)
{
    vcard::PersonalizeOptions o {};
    o.profile = profile;
    o.seed = seed;
    o.keyBits = 1024;
    o.pin = kPin;
    return vcard::VirtualCnsCard::fromImage(vcard::personalize(o));
}

/// A virtual card, its link and the connection over it.
struct Rig {
    explicit Rig(const char* profile, std::uint64_t seed)
        : card(makeCard(profile, seed))
        , link(*new VirtualCardLink(*card))
        , conn(std::unique_ptr<cns::CardLink>(&link))
    {
    }
    std::unique_ptr<vcard::VirtualCnsCard> card;
    VirtualCardLink& link; ///< owned by conn
    CnsConnection conn;
};

SecureBytes pin(const char* digits)
{
    return SecureBytes(asBytes(digits), 8);
}

void resetAfterPin_noVerifiedPinRemains(void**)
{
    TSCNS_CHECK([](Checker& c) {
        Rig rig("st-cns11", 31);
        auto& [card, link, conn] = rig;
        {
            auto use = conn.begin(PinRule::ResetAfterPin);
            use.card().verifyPin(pin(kPin));
            c.that(card->pinVerified(), "the PIN is verified during the use");
            use.finish();
        }
        c.eq(link.resets, 1, "one reset at the end of the use");
        c.that(!card->pinVerified(), "no verified PIN after the use");
        c.eq(card->pinTriesLeft(), 3, "no try spent");
    });
}

void resetAfterPin_noPinSent_noReset(void**)
{
    TSCNS_CHECK([](Checker& c) {
        Rig rig("st-cns11", 32);
        auto& [card, link, conn] = rig;
        auto use = conn.begin(PinRule::ResetAfterPin);
        c.that(!use.card().readCertificate().empty(), "certificate");
        (void)use.card().pinStatus(); // an empty VERIFY sends no PIN
        use.finish();
        c.eq(link.resets, 0, "no reset without a PIN sent");
    });
}

void wrongPin_oneTry_thenReset(void**)
{
    TSCNS_CHECK([](Checker& c) {
        Rig rig("athena-cns10", 33);
        auto& [card, link, conn] = rig;
        {
            auto use = conn.begin(PinRule::ResetAfterPin);
            c.throws(
                Errc::PinIncorrect, [&] { use.card().verifyPin(pin("00000")); }, "wrong PIN");
            // The exception leaves the use without finish(): the destructor resets.
        }
        c.eq(card->pinTriesLeft(), 2, "exactly one try spent (never retried)");
        c.eq(link.resets, 1, "reset even when the use ends by an exception");
    });
}

void keepLogin_pinStaysUntilResetCard(void**)
{
    TSCNS_CHECK([](Checker& c) {
        Rig rig("st-cns11", 34);
        auto& [card, link, conn] = rig;
        auto login = conn.begin(PinRule::KeepLogin);
        login.card().verifyPin(pin(kPin));
        login.finish();
        c.eq(link.resets, 0, "a PKCS#11 login keeps the PIN");
        c.that(card->pinVerified(), "verified after the login's use");
        conn.resetCard(); // C_Logout
        c.eq(link.resets, 1, "resetCard resets");
        c.that(!card->pinVerified(), "not verified after resetCard");
    });
}

void failedReset_isAnError_neverSilent(void**)
{
    TSCNS_CHECK([](Checker& c) {
        Rig rig("st-cns11", 35);
        auto& [card, link, conn] = rig;
        link.refuseReset = true;
        auto use = conn.begin(PinRule::ResetAfterPin);
        use.card().verifyPin(pin(kPin));
        c.throws(
            Errc::Transport, [&] { use.finish(); }, "finish with a failed reset",
            "a verified PIN may remain");
        c.throws(
            Errc::Transport, [&] { conn.resetCard(); }, "resetCard with a failed reset",
            "a verified PIN may remain");
    });
}

// The daemon's second use on an Infocamere card starts from the layout the first use found.
void layoutLearnt_keptForTheNextUse(void**)
{
    TSCNS_CHECK([](Checker& c) {
        auto card = makeCard("infocamere-1204", 36);
        CnsConnection conn(std::make_unique<VirtualCardLink>(*card));
        {
            auto use = conn.begin(PinRule::ResetAfterPin);
            c.that(!use.card().readCertificate().empty(), "certificate");
            use.finish();
        }
        c.that(conn.layout().family == cns::Family::Infocamere1204,
            "layout after the first use: " + std::string(cns::familyName(conn.layout().family)));
        auto next = conn.begin(PinRule::ResetAfterPin);
        c.that(next.card().profile().family == cns::Family::Infocamere1204,
            "the next use starts on it");
        next.card().verifyPin(pin(kPin));
        Bytes block(128, 0x5A);
        block[0] = 0x00;
        c.eq(next.card().rsaRaw(block).size(), 128, "raw RSA on the learnt layout");
        next.finish();
    });
}

} // namespace

int runCnsConnectionTests()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resetAfterPin_noVerifiedPinRemains),
        cmocka_unit_test(resetAfterPin_noPinSent_noReset),
        cmocka_unit_test(wrongPin_oneTry_thenReset),
        cmocka_unit_test(keepLogin_pinStaysUntilResetCard),
        cmocka_unit_test(failedReset_isAnError_neverSilent),
        cmocka_unit_test(layoutLearnt_keptForTheNextUse),
    };
    return cmocka_run_group_tests_name("cns_connection", tests, nullptr, nullptr);
}
