// meshca's file discipline: every file is written to a temporary name in its own directory and
// renamed (never half-written); nothing existing is replaced without --force; keys are 0600; a
// command stages all its writes and commits them only after every check passed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <sys/types.h>
#include <vector>

namespace meshca {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path);  // Refused if it cannot be read
// The first line of a passphrase file, without its line end; Refused if empty.
std::string read_passphrase(const fs::path& path);
// Refused when group or others may read or write the file (like ssh for a private key).
void require_private_mode(const fs::path& path);

class WriteSet {
public:
    explicit WriteSet(bool force) : m_force(force) {}

    // An output file: Refused now if it exists and --force was not given.
    void output(const fs::path& path, std::string content, mode_t mode = 0644);
    // Refused now if `path` exists and --force was not given (before any work is done for it).
    void check_output(const fs::path& path) const;
    // A file of the CA's own state, replaced on every change.
    void state(const fs::path& path, std::string content, mode_t mode = 0644);
    // A directory to create (with parents) at commit, before the files.
    void directory(const fs::path& path, fs::perms perms);
    // Writes every file to a temporary name, then renames them all.
    void commit();

    const std::vector<fs::path>& outputs() const noexcept { return m_outputs; }

private:
    struct Pending {
        fs::path path;
        std::string content;
        mode_t mode;
    };
    bool m_force;
    std::vector<Pending> m_pending;
    std::vector<std::pair<fs::path, fs::perms>> m_dirs;
    std::vector<fs::path> m_outputs;
};

// An exclusive lock on the CA directory for the life of the object (flock on the directory
// itself, so no lock file appears); Refused when another meshca holds it.
class DirLock {
public:
    explicit DirLock(const fs::path& dir);
    ~DirLock();
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

private:
    int m_fd = -1;
};

}  // namespace meshca
