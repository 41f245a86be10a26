// SPDX-License-Identifier: LGPL-2.1-or-later
// vcard_link_unit_tests: vpcd framing, options, VpcdLink over a fake vpcd, and the run loop.
#include "link_test_support.hpp"

int main()
{
    int failed = 0;
    failed += runLinkFrameTests();
    failed += runLinkOptionsTests();
    failed += runLinkVpcdTests();
    failed += runLinkServerTests();
    return failed == 0 ? 0 : 1;
}
