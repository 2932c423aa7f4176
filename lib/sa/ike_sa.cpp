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

constexpr std::size_t state_count = 6;
constexpr std::size_t index(State s) { return static_cast<std::size_t>(s); }

// legal[from][to]: the machine's every move. Nothing leaves closed; nothing returns to a
// handshake state; deleting is entered only by our DELETE (or AUTHENTICATION_FAILED) request.
constexpr bool legal[state_count][state_count] = {
    //                 init_sent init_answered auth_sent established deleting closed
    /* init_sent */     {false,   false,        true,     false,      false,   true},
    /* init_answered */ {false,   false,        false,    true,       false,   true},
    /* auth_sent */     {false,   false,        false,    true,       true,    true},
    /* established */   {false,   false,        false,    false,      true,    true},
    /* deleting */      {false,   false,        false,    false,      false,   true},
    /* closed */        {false,   false,        false,    false,      false,   false},
};
static_assert(index(State::closed) + 1 == state_count);

constexpr bool closes_from_anywhere() {
    for (std::size_t from = 0; from + 1 < state_count; ++from)
        if (!legal[from][index(State::closed)]) return false;
    return true;
}
static_assert(closes_from_anywhere(), "IkeSa::close() relies on it");

State born_in(Birth b) {
    switch (b) {
        case Birth::initiator: return State::init_sent;
        case Birth::responder: return State::init_answered;
        case Birth::rekeyed: return State::established;
    }
    return State::closed;
}

}  // namespace

IkeSa::IkeSa(Birth birth) : m_state(born_in(birth)) {}

Expected<void, IllegalTransition> IkeSa::transition(State to) {
    if (!legal[index(m_state)][index(to)]) return unexpected(IllegalTransition{m_state, to});
    m_state = to;
    return {};
}

void IkeSa::close() {
    if (m_state != State::closed) m_state = State::closed;  // legal from every other state (above)
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
