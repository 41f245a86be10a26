// SPDX-License-Identifier: LGPL-2.1-or-later
// CnsConnection: the one way from a card connection to a TS-CNS with its discovered layout, used
// by the tool, the PKCS#11 module and the daemon. It identifies the card once per connection,
// remembers the layout (and where the certificate turned out to be), and owns the rule for a
// verified PIN: outside a PKCS#11 login, no verified PIN stays on the card after an operation.
#pragma once

#include "tscns/cns/card_link.hpp"
#include "tscns/cns/cns_card.hpp"

#include <memory>
#include <optional>

namespace tscns::cns {

/// What happens to a PIN verified during a use of the card.
enum class PinRule {
    /// The use ends with a card reset when a PIN or PUK was sent (the tool, the daemon, PIN
    /// management outside a PKCS#11 login).
    ResetAfterPin,
    /// The verified PIN stays (a PKCS#11 login, until C_Logout resets the card).
    KeepLogin,
};

class CnsConnection {
public:
    /// Identifies the card and discovers its layout in one transaction (CnsCard::identify).
    /// Throws Error(NotCnsCard) for a foreign card, card/reader errors as they come.
    explicit CnsConnection(std::unique_ptr<CardLink> link);

    [[nodiscard]] const Identification& identification() const noexcept { return id_; }
    /// The layout as known now (corrected by every use that learnt more).
    [[nodiscard]] const Profile& layout() const noexcept { return id_.profile; }
    [[nodiscard]] CardLink& link() noexcept { return *link_; }

    /// One transaction with the card on its layout.
    class Use {
    public:
        Use(Use&&) noexcept = default;
        Use& operator=(Use&&) = delete;
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;
        /// Without finish() (an exception is on its way): resets as finish() would, but a failed
        /// reset cannot be reported then.
        ~Use();

        [[nodiscard]] CnsCard& card() noexcept { return *card_; }
        /// Ends the use. Under ResetAfterPin, when a PIN or PUK was sent, the card is reset;
        /// throws Error(Transport) when that fails ("a verified PIN may remain on the card").
        void finish();

    private:
        friend class CnsConnection;
        Use(CnsConnection& owner, PinRule rule);
        CnsConnection* owner_;
        PinRule rule_;
        std::unique_ptr<LinkTransaction> tx_;
        std::optional<CnsCard> card_;
    };

    /// Begins a use (a transaction). Throws the link's errors.
    [[nodiscard]] Use begin(PinRule rule);

    /// Resets the card now (e.g. C_Logout). Throws Error(Transport) when the reset fails.
    void resetCard();

private:
    std::unique_ptr<CardLink> link_;
    Identification id_;
};

} // namespace tscns::cns
