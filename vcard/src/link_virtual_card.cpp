// SPDX-License-Identifier: LGPL-2.1-or-later
// VirtualCardBackend: forwards to VirtualCnsCard.
#include "link_virtual_card.hpp"

#include "tscns/vcard/virtual_card.hpp"

namespace tscns::vcard {

ByteView VirtualCardBackend::atr()
{
    return card_.atr();
}
void VirtualCardBackend::powerOn()
{
    card_.powerOn();
}
void VirtualCardBackend::powerOff()
{
    card_.powerOff();
}
void VirtualCardBackend::reset()
{
    card_.reset();
}
Bytes VirtualCardBackend::process(ByteView command)
{
    return card_.process(command);
}

} // namespace tscns::vcard
