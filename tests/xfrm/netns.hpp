// A throwaway network namespace for a test: created with a unique name, entered with setns()
// by the test process itself, left and deleted in the destructor (so also when an assertion
// throws). Why setns() in-process rather than re-exec'ing a helper inside `ip netns exec`:
// a netlink socket belongs to the namespace it was created in, so the test body creates its
// sockets after entering and keeps Catch2's assertions in one process; `ip` commands started
// with system() inherit the namespace. The test process is single-threaded, so switching the
// calling thread's namespace switches the whole test.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <dirent.h>
#include <stdexcept>
#include <string>

namespace meshd::xfrm::test {

class ScopedNetns {
public:
    // Creates the namespace; with `enter`, also moves the test into it until destruction.
    explicit ScopedNetns(bool enter = true) {
        remove_stale();
        static std::atomic<int> counter{0};
        m_name = std::string(prefix) + std::to_string(getpid()) + "-" + std::to_string(counter++);
        if (run("ip netns add " + m_name) != 0) {
            throw std::runtime_error("cannot create namespace " + m_name + " (root needed)");
        }
        run("ip -n " + m_name + " link set lo up");
        if (!enter) {
            return;
        }
        m_old = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (m_old < 0 || !switch_to(m_name)) {
            cleanup();
            throw std::runtime_error("cannot enter namespace " + m_name);
        }
    }

    // Runs fn() inside this namespace and comes back: sockets fn() creates stay in it.
    template <typename F>
    auto inside(F&& fn) {
        struct Back {
            int fd;
            ~Back() {
                setns(fd, CLONE_NEWNET);
                ::close(fd);
            }
        } back{::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)};
        if (back.fd < 0 || !switch_to(m_name)) {
            throw std::runtime_error("cannot enter namespace " + m_name);
        }
        return fn();
    }
    ScopedNetns(const ScopedNetns&) = delete;
    ScopedNetns& operator=(const ScopedNetns&) = delete;
    ~ScopedNetns() { cleanup(); }

    const std::string& name() const { return m_name; }

    // Runs a shell command inside the namespace; returns its exit status.
    static int run(const std::string& command) {
        const int status = std::system((command + " >/dev/null 2>&1").c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    static constexpr const char* prefix = "meshd-xfrm-test-";

    static bool switch_to(const std::string& name) {
        const int fd = ::open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
        const bool ok = fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
        if (fd >= 0) {
            ::close(fd);
        }
        return ok;
    }

    void cleanup() {
        if (m_old >= 0) {
            setns(m_old, CLONE_NEWNET);
            ::close(m_old);
            m_old = -1;
        }
        run("ip netns del " + m_name);
    }

    // Namespaces left by a test process that was killed (its pid is gone).
    static void remove_stale() {
        DIR* dir = opendir("/var/run/netns");
        if (dir == nullptr) {
            return;
        }
        while (const dirent* entry = readdir(dir)) {
            const std::string name = entry->d_name;
            if (name.rfind(prefix, 0) != 0) {
                continue;
            }
            const int pid = std::atoi(name.c_str() + std::string(prefix).size());
            if (pid > 0 && kill(pid, 0) != 0) {
                run("ip netns del " + name);
            }
        }
        closedir(dir);
    }

    std::string m_name;
    int m_old = -1;
};

}  // namespace meshd::xfrm::test
