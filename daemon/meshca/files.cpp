// Staged, atomic writes (temp + fsync + rename) and the checks on the CA key's file mode.
#include "files.hpp"

#include "errors.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace meshca {
namespace {

std::string errno_text() { return std::strerror(errno); }

void write_fully(int fd, std::string_view data, const fs::path& path) {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Refused("cannot write " + path.string() + ": " + errno_text());
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

constexpr std::size_t kBulkFiles = 64;

fs::path temp_name(const fs::path& path) {
    return path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
}

}  // namespace

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Refused("cannot read " + path.string() + ": " + errno_text());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string read_passphrase(const fs::path& path) {
    const auto text = read_file(path);
    const auto end = text.find_first_of("\r\n");
    auto pass = text.substr(0, end);
    if (pass.empty()) throw Refused("passphrase file " + path.string() + " is empty");
    return pass;
}

void require_private_mode(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Refused("cannot read " + path.string() + ": " + errno_text());
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw Refused(path.string() + " is accessible by others (mode " + mode + "); a private key must be " +
                      "0600: chmod 600 " + path.string());
    }
}

void WriteSet::check_output(const fs::path& path) const {
    if (!m_force && fs::exists(fs::symlink_status(path)))
        throw Refused(path.string() + " exists (use --force to replace it)");
}

void WriteSet::output(const fs::path& path, std::string content, mode_t mode) {
    check_output(path);
    for (const auto& p : m_pending)
        if (p.path == path) throw UsageError(path.string() + " would be written twice");
    m_outputs.push_back(path);
    m_pending.push_back({path, std::move(content), mode});
}

void WriteSet::state(const fs::path& path, std::string content, mode_t mode) {
    m_pending.push_back({path, std::move(content), mode});
}

void WriteSet::directory(const fs::path& path, fs::perms perms) { m_dirs.emplace_back(path, perms); }

void WriteSet::commit() {
    for (const auto& [dir, perms] : m_dirs) {
        std::error_code ec;
        if (fs::exists(dir)) continue;
        fs::create_directories(dir, ec);
        if (!ec) fs::permissions(dir, perms, ec);
        if (ec) throw Refused("cannot create directory " + dir.string() + ": " + ec.message());
    }
    std::vector<fs::path> temps;
    auto cleanup = [&] {
        for (const auto& t : temps) ::unlink(t.c_str());
    };
    // An fsync per file costs ~10 ms on a busy disk; one syncfs flushes the whole filesystem
    // (~0.5 s when others have written much), cheaper only for large sets (issue --count).
    // MESHCA_UNSAFE_NO_FSYNC=1 (tests only, like dpkg's force-unsafe-io) skips both: files are
    // still never half-written (temp + rename), only not yet durable after a crash.
    const bool unsafe = std::getenv("MESHCA_UNSAFE_NO_FSYNC") != nullptr;
    const bool bulk = unsafe || m_pending.size() > kBulkFiles;
    for (const auto& p : m_pending) {
        const auto tmp = temp_name(p.path);
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, p.mode);
        if (fd < 0) {
            cleanup();
            throw Refused("cannot create " + tmp.string() + ": " + errno_text());
        }
        temps.push_back(tmp);
        try {
            write_fully(fd, p.content, p.path);
        } catch (...) {
            ::close(fd);
            cleanup();
            throw;
        }
        // The umask may have narrowed the mode; set it exactly (0600 keys stay 0600 either way).
        const bool ok = ::fchmod(fd, p.mode) == 0 && (bulk || ::fsync(fd) == 0);
        ::close(fd);
        if (!ok) {
            cleanup();
            throw Refused("cannot write " + tmp.string() + ": " + errno_text());
        }
    }
    // Every temporary is on disk before the first rename.
    if (bulk && !unsafe) {
        const int dfd = ::open(m_pending.front().path.parent_path().empty() ? "." : m_pending.front().path.parent_path().c_str(),
                               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const bool synced = dfd >= 0 && ::syncfs(dfd) == 0;
        if (dfd >= 0) ::close(dfd);
        if (!synced) {
            cleanup();
            throw Refused("cannot sync the files to disk: " + errno_text());
        }
    }
    for (std::size_t i = 0; i < m_pending.size(); ++i) {
        if (::rename(temps[i].c_str(), m_pending[i].path.c_str()) != 0) {
            const auto why = errno_text();
            for (std::size_t k = i; k < temps.size(); ++k) ::unlink(temps[k].c_str());
            throw Refused("cannot rename to " + m_pending[i].path.string() + ": " + why);
        }
    }
    m_pending.clear();
}

DirLock::DirLock(const fs::path& dir) {
    m_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m_fd < 0) throw Refused("cannot open CA directory " + dir.string() + ": " + errno_text());
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(m_fd);
        throw Refused("CA directory " + dir.string() + " is in use by another meshca");
    }
}

DirLock::~DirLock() {
    if (m_fd >= 0) ::close(m_fd);
}

}  // namespace meshca
