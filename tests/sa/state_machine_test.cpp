// The IKE SA state machine (lib/sa/ike_sa.cpp, issue 13 item 10): states change only through
// IkeSa::transition(); a move outside its table changes nothing and comes back as an error
// naming the move; an SA starts only in the states of its Birth.
#include <catch2/catch.hpp>

#include "sa/ike_sa.hpp"

using namespace ike;
using sa::State;

TEST_CASE("IKE SA birth states", "[sa][state]") {
    CHECK(sa::IkeSa{}.state() == State::init_sent);
    CHECK(sa::IkeSa{sa::Birth::initiator}.state() == State::init_sent);
    CHECK(sa::IkeSa{sa::Birth::responder}.state() == State::init_answered);
    CHECK(sa::IkeSa{sa::Birth::rekeyed}.state() == State::established);
}

TEST_CASE("IKE SA legal paths", "[sa][state]") {
    SECTION("initiator: init_sent, auth_sent, established, deleting, closed") {
        sa::IkeSa s{sa::Birth::initiator};
        for (const auto to : {State::auth_sent, State::established, State::deleting, State::closed}) {
            REQUIRE(s.transition(to));
            CHECK(s.state() == to);
        }
    }
    SECTION("responder: init_answered, established, closed") {
        sa::IkeSa s{sa::Birth::responder};
        REQUIRE(s.transition(State::established));
        REQUIRE(s.transition(State::closed));
        CHECK(s.state() == State::closed);
    }
    SECTION("an initiator rejecting the responder: auth_sent, deleting") {
        sa::IkeSa s{sa::Birth::initiator};
        REQUIRE(s.transition(State::auth_sent));
        REQUIRE(s.transition(State::deleting));
    }
}

TEST_CASE("IKE SA illegal moves are refused and change nothing", "[sa][state]") {
    struct Case {
        sa::Birth birth;
        State to;
    };
    const Case cases[] = {
        {sa::Birth::initiator, State::established},      // skipping IKE_AUTH
        {sa::Birth::initiator, State::init_answered},    // the responder's state
        {sa::Birth::initiator, State::deleting},         // nothing authenticated to delete
        {sa::Birth::responder, State::auth_sent},        // the initiator's state
        {sa::Birth::responder, State::deleting},
        {sa::Birth::rekeyed, State::init_sent},          // back to a handshake state
        {sa::Birth::rekeyed, State::auth_sent},
        {sa::Birth::rekeyed, State::established},        // no self-loops
    };
    for (const auto& c : cases) {
        sa::IkeSa s{c.birth};
        const State before = s.state();
        auto moved = s.transition(c.to);
        REQUIRE_FALSE(moved);
        CHECK(moved.error().from == before);
        CHECK(moved.error().to == c.to);
        CHECK(s.state() == before);
    }
}

TEST_CASE("IKE SA: nothing leaves closed, close() is idempotent", "[sa][state]") {
    sa::IkeSa s{sa::Birth::rekeyed};
    s.close();
    CHECK(s.state() == State::closed);
    s.close();
    CHECK(s.state() == State::closed);
    for (const auto to : {State::init_sent, State::init_answered, State::auth_sent, State::established,
                          State::deleting, State::closed})
        CHECK_FALSE(s.transition(to));
    CHECK(s.state() == State::closed);
}
