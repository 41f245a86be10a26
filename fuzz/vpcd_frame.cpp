// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz_vpcd_frame: what vpcd sends the virtual card. (1) The frame decoder (2-byte big-endian
// length + message) fed the input in pieces of varying size, as short reads deliver it: every
// frame it yields, re-encoded, must be the bytes it came from. (2) The whole link (VpcdLink::step
// over a socket pair, control bytes and APDUs) with a virtual card behind it, until the input
// ends (EOF = vpcd closed the connection).
#include "fuzz_support.hpp"

#include "link_frame.hpp"
#include "link_virtual_card.hpp"
#include "vpcd_link.hpp"

#include "tscns/vcard/personalize.hpp"
#include "tscns/vcard/virtual_card.hpp"

#include <algorithm>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {
const tscns::vcard::CardImage* image = nullptr;
constexpr std::size_t kMaxLinkInput = 16 * 1024; // fits a socket buffer: written before reading

void decoderRoundTrip(std::uint8_t step, tscns::ByteView stream)
{
    using namespace tscns;
    vcard::VpcdFrameDecoder decoder;
    Bytes seen; // the frames re-encoded, in order
    std::size_t fed = 0;
    std::size_t piece = (step % 7U) + 1;
    while (fed < stream.size()) {
        const std::size_t n = std::min(piece, stream.size() - fed);
        decoder.feed(stream.subspan(fed, n));
        fed += n;
        piece = piece * 3 % 257 + 1;
        while (auto frame = decoder.next()) {
            if (frame->size() > vcard::kMaxVpcdMessage) __builtin_trap();
            const Bytes again = vcard::encodeVpcdFrame(*frame);
            seen.insert(seen.end(), again.begin(), again.end());
        }
    }
    if (seen.size() > stream.size() || !std::equal(seen.begin(), seen.end(), stream.begin()))
        __builtin_trap();
    if (decoder.midFrame() != (seen.size() != stream.size())) __builtin_trap();
}

void drain(int fd)
{
    std::uint8_t buf[4096];
    while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) { }
}

void runLink(tscns::ByteView stream)
{
    using namespace tscns;
    if (stream.size() > kMaxLinkInput) stream = stream.first(kMaxLinkInput);
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return;
    const int peer = fds[1];
    std::size_t written = 0;
    while (written < stream.size()) {
        const ssize_t n = ::send(peer, stream.data() + written, stream.size() - written, 0);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::shutdown(peer, SHUT_WR);
    const auto card = vcard::VirtualCnsCard::fromImage(*image);
    vcard::VirtualCardBackend backend(*card);
    vcard::VpcdLink link { vcard::UniqueFd(fds[0]) };
    for (int steps = 0; steps < 100000 && link.connected(); ++steps) {
        const vcard::LinkEvent e = link.step(backend);
        drain(peer);
        if (e == vcard::LinkEvent::Closed) break;
    }
    ::close(peer);
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::signal(SIGPIPE, SIG_IGN);
    tscns::vcard::PersonalizeOptions o;
    o.profile = "st-cns11";
    o.seed = 91;
    o.pin = "12345";
    o.puk = "87654321";
    image = new tscns::vcard::CardImage(tscns::vcard::personalize(o));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace tscns;
    fuzz::Input in(data, size);
    const std::uint8_t step = in.byte();
    const ByteView stream = in.rest();
    fuzz::refusalsAllowed([&] { decoderRoundTrip(step, stream); });
    fuzz::refusalsAllowed([&] { runLink(stream); });
    return 0;
}
