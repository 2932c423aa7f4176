// Message-ID bookkeeping and the retransmission schedule.
#include "sa/message_window.hpp"

#include <algorithm>

#include "crypto/hash.hpp"

namespace ike::sa {

std::optional<QueuedRequest> MessageWindow::dequeue() {
    if (m_queue.empty()) return std::nullopt;
    auto r = m_queue.front();
    m_queue.erase(m_queue.begin());
    if (m_queue.empty()) m_queue.shrink_to_fit();  // an idle SA holds no queue
    return r;
}

bool MessageWindow::queued(RequestKind kind) const {
    if (m_outstanding && m_outstanding->request.kind == kind) return true;
    return std::any_of(m_queue.begin(), m_queue.end(), [&](const QueuedRequest& q) { return q.kind == kind; });
}

void MessageWindow::sent(QueuedRequest r, Bytes datagram, const Timers& timers, Time now, bool reuse_id) {
    std::vector<Bytes> one;
    one.push_back(std::move(datagram));
    sent(r, std::move(one), timers, now, reuse_id);
}

void MessageWindow::sent(QueuedRequest r, std::vector<Bytes> datagrams, const Timers& timers, Time now, bool reuse_id) {
    const auto id = static_cast<std::uint32_t>(reuse_id && m_next_id > 0 ? m_next_id - 1 : m_next_id);
    if (!reuse_id || m_next_id == 0) ++m_next_id;
    m_outstanding = Outstanding{r, id, std::move(datagrams), now + timers.retransmit_initial,
                                timers.retransmit_initial, 0};
}

bool MessageWindow::is_response_to_outstanding(std::uint32_t message_id) const {
    return m_outstanding && m_outstanding->message_id == message_id;
}

MessageWindow::Due MessageWindow::due(const Timers& timers, Time now) const {
    if (!m_outstanding || now < m_outstanding->next_send) return Due::nothing;
    return m_outstanding->retransmits >= timers.retransmit_tries ? Due::give_up : Due::resend;
}

const std::vector<Bytes>& MessageWindow::retransmit(const Timers& timers, Time now) {
    auto& o = *m_outstanding;
    ++o.retransmits;
    o.interval = std::min<Duration>(o.interval * 2, timers.retransmit_max);
    o.next_send = now + o.interval;
    return o.datagrams;
}

MessageWindow MessageWindow::starting_at(std::uint64_t next_request_id, std::uint64_t expected_request_id) {
    MessageWindow w;
    w.m_next_id = std::min(next_request_id, message_ids);
    w.m_expected = std::min(expected_request_id, message_ids);
    return w;
}

RequestCheck MessageWindow::check_request(std::uint32_t message_id, std::span<const std::uint8_t> datagram) const {
    if (std::uint64_t{message_id} == m_expected) return RequestCheck::process;  // never once past 0xffffffff
    if (answered_previous(message_id) && crypto::sha256({datagram}) == m_last_request_digest)
        return RequestCheck::retransmission;
    return RequestCheck::drop;
}

void MessageWindow::answered(std::span<const std::uint8_t> request, Bytes response) {
    std::vector<Bytes> one;
    one.push_back(std::move(response));
    answered(request, std::move(one));
}

void MessageWindow::answered(std::span<const std::uint8_t> request, std::vector<Bytes> response) {
    ++m_expected;
    m_answered_any = true;
    m_last_request_digest = crypto::sha256({request});
    m_last_response = std::move(response);
}

}  // namespace ike::sa
