// A value or a typed error: the return type of every fallible call in libike and xfrm/.
// C++20 has no std::expected; this is the small subset the project uses. Header-only and shared
// by lib/ (as ike::Expected, ike/expected.hpp) and xfrm/, which must not depend on each other.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace meshd {

template <typename E>
struct Unexpected {
    E error;
};

template <typename E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return {std::forward<E>(e)};
}

template <typename T, typename E>
class [[nodiscard]] Expected {
public:
    using value_type = T;
    using error_type = E;

    Expected(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    template <typename G>
        requires std::is_constructible_v<E, G>
    Expected(Unexpected<G> u) : m_v(std::in_place_index<1>, std::move(u.error)) {}

    bool has_value() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(m_v); }
    const T& value() const& { assert(has_value()); return std::get<0>(m_v); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    E& error() & { assert(!has_value()); return std::get<1>(m_v); }
    const E& error() const& { assert(!has_value()); return std::get<1>(m_v); }
    E&& error() && { assert(!has_value()); return std::get<1>(std::move(m_v)); }

private:
    std::variant<T, E> m_v;
};

// Expected<void, E>: success carries nothing.
template <typename E>
class [[nodiscard]] Expected<void, E> {
public:
    using value_type = void;
    using error_type = E;

    Expected() = default;
    template <typename G>
        requires std::is_constructible_v<E, G>
    Expected(Unexpected<G> u) : m_error(std::move(u.error)) {}

    bool has_value() const noexcept { return !m_error.has_value(); }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const { assert(has_value()); }

    E& error() & { assert(!has_value()); return *m_error; }
    const E& error() const& { assert(!has_value()); return *m_error; }

private:
    std::optional<E> m_error;
};

}  // namespace meshd
