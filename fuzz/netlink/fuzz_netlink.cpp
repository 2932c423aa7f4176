// libFuzzer target: a receive buffer as the kernel could send it, through every parser the
// request socket and the monitor use, and the formatting of whatever parses.
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "xfrm/format.hpp"
#include "xfrm/parse.hpp"

using namespace meshd::xfrm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Copy into a buffer of exactly `size` bytes so ASan sees any overread.
    std::vector<std::uint8_t> buffer(data, data + size);
    auto messages = split_messages(buffer);
    if (!messages) {
        return 0;
    }
    std::size_t text = 0;
    for (const auto& m : *messages) {
        switch (m.type) {
            case NLMSG_ERROR:
                if (auto ack = parse_ack(m)) {
                    text += ack->ext_ack.size();
                }
                break;
            case XFRM_MSG_NEWSA:
                if (auto sa = parse_sa(m.payload)) {
                    text += to_string(*sa).size();
                }
                break;
            case XFRM_MSG_NEWPOLICY:
                if (auto policy = parse_policy(m.payload)) {
                    text += to_string(*policy).size();
                }
                break;
            default:
                if (auto event = parse_event(m)) {
                    text += to_string(*event).size();
                }
                break;
        }
    }
    return text == static_cast<std::size_t>(-1) ? 1 : 0;
}
