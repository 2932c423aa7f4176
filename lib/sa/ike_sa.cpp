// The IKE SA state machine's legal moves.
#include "sa/ike_sa.hpp"

namespace ike::sa {

std::string_view to_string(State s) {
    switch (s) {
        case State::init_sent: return "init_sent";
        case State::init_answered: return "init_answered";
        case State::auth_sent: return "auth_sent";
        case State::established: return "established";
        case State::deleting: return "deleting";
        case State::closed: return "closed";
    }
    return "?";
}

namespace {

bool legal(State from, State to) {
    switch (from) {
        case State::init_sent: return to == State::auth_sent || to == State::closed;
        case State::init_answered: return to == State::established || to == State::closed;
        case State::auth_sent: return to == State::established || to == State::deleting || to == State::closed;
        case State::established: return to == State::deleting || to == State::closed;
        case State::deleting: return to == State::closed;
        case State::closed: return false;
    }
    return false;
}

}  // namespace

bool IkeSa::transition(State to) {
    if (!legal(state, to)) return false;
    state = to;
    return true;
}

ChildSa* IkeSa::find_child(ChildSaId c) {
    for (auto& ch : children)
        if (ch.id == c) return &ch;
    return nullptr;
}

const RefusedChild* IkeSa::find_refused(ChildSaId c) const {
    for (const auto& r : refused_children)
        if (r.id == c) return &r;
    return nullptr;
}

ChildSa* IkeSa::find_child_by_outbound(std::uint32_t spi) {
    for (auto& ch : children)
        if (ch.outbound_spi == spi) return &ch;
    return nullptr;
}

}  // namespace ike::sa
