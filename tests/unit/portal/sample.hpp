// SPDX-License-Identifier: LGPL-2.1-or-later
// The synthetic citizen the portal's unit tests register (the codice fiscale in lower case: the
// desk's input is normalized).
#pragma once

#include "auth/login_flow.hpp"

namespace tscns::portal::test {

inline Registration sampleRegistration()
{
    Registration r;
    r.cardNumber = "80380000301234567890";
    r.codiceFiscale = "rssmra85t10a562s";
    r.mobile = "+39 333 0000001";
    r.givenName = "Mario";
    r.surname = "Rossi";
    r.cardExpiry = "2031-05-31";
    return r;
}

} // namespace tscns::portal::test
