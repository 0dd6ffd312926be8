#include "support/postgres_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace vg::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kStartTimeout = 30s;  // crash recovery included
constexpr auto kStopTimeout = 20s;
constexpr int kPortAttempts = 5;
constexpr const char* kServerUser = "postgres";

// A port the kernel just handed out and that nobody listens on; the race with another process
// taking it is handled by the caller's retry.
unsigned short free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

bool has_server_binaries(const fs::path& dir) {
    for (const char* program : {"initdb", "postgres", "pg_isready", "psql"}) {
        if (::access((dir / program).c_str(), X_OK) != 0) return false;
    }
    return true;
}

// VG_POSTGRES_BIN_DIR, else the newest /usr/lib/postgresql/<major>/bin (Debian), else the directory
// of an initdb on PATH.
std::optional<std::string> find_bin_dir() {
    if (const char* dir = std::getenv("VG_POSTGRES_BIN_DIR"); dir && has_server_binaries(dir)) return dir;
    std::error_code error;
    std::vector<std::pair<int, fs::path>> candidates;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
        const std::string name = entry.path().filename().string();
        if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit) &&
            has_server_binaries(entry.path() / "bin")) {
            candidates.emplace_back(std::stoi(name), entry.path() / "bin");
        }
    }
    if (!candidates.empty()) return std::max_element(candidates.begin(), candidates.end())->second.string();
    auto found = run_command("sh", {"-c", "command -v initdb"});
    std::string path = found.output;
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    if (found.exit_code == 0 && !path.empty() && has_server_binaries(fs::path(path).parent_path())) {
        return fs::path(path).parent_path().string();
    }
    return std::nullopt;
}

bool running_as_root() {
    return ::geteuid() == 0;
}

const passwd* server_user() {
    return running_as_root() ? ::getpwnam(kServerUser) : nullptr;
}

std::string resolve_on_path(const std::string& program) {
    auto result = run_command("sh", {"-c", "command -v " + program});
    std::string path = result.output;
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    if (result.exit_code != 0 || path.empty()) throw std::runtime_error(program + " is not on PATH");
    return path;
}

// A command line that runs `script` with /bin/sh in `dir`, as the server user when we are root
// (initdb and postgres refuse root; setpriv execs, so a signal to the child reaches the server).
// The script sees `args` as "$@".
std::pair<std::string, std::vector<std::string>> as_server_user(const std::string& dir, const std::string& script,
                                                                const std::vector<std::string>& args) {
    std::vector<std::string> command = {"-c", "cd \"$0\" && " + script, dir};
    command.insert(command.end(), args.begin(), args.end());
    if (!running_as_root()) return {"/bin/sh", command};
    std::vector<std::string> setpriv = {"--reuid=" + std::string(kServerUser), "--regid=" + std::string(kServerUser),
                                        "--init-groups", "--", "/bin/sh"};
    setpriv.insert(setpriv.end(), command.begin(), command.end());
    return {resolve_on_path("setpriv"), setpriv};
}

// A fresh directory in the temp directory, owned by the server user.
std::string make_server_dir(const std::string& prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    if (const passwd* user = server_user(); user && ::chown(pattern.c_str(), user->pw_uid, user->pw_gid) != 0) {
        fs::remove_all(pattern);
        throw std::runtime_error("cannot hand " + pattern + " to the postgres user");
    }
    return pattern;
}

void run_checked(const std::pair<std::string, std::vector<std::string>>& command, const std::string& what) {
    auto result = run_command(command.first, command.second);
    if (result.exit_code != 0) {
        throw std::runtime_error(what + " failed (" + std::to_string(result.exit_code) + "):\n" + result.output);
    }
}

// An initdb'd data directory shared by every server on this machine (per major version and user):
// made once into a private directory, then renamed into place, so concurrent test processes never
// see half of one.
fs::path cluster_template(const std::string& bin_dir) {
    const std::string major = fs::path(bin_dir).parent_path().filename().string();
    const auto uid = running_as_root() ? server_user()->pw_uid : ::geteuid();
    const fs::path path = fs::temp_directory_path() / ("vg-postgres-template-" + major + "-" + std::to_string(uid));
    if (fs::exists(path / "PG_VERSION")) return path;

    const std::string staging = make_server_dir("vg-postgres-initdb");
    try {
        run_checked(as_server_user(staging, "exec \"$@\"",
                                   {bin_dir + "/initdb", "-D", "data", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                    "--no-locale", "--no-sync", "--no-instructions"}),
                    "initdb");
        std::error_code lost_the_race;  // another process put its template in place first
        fs::rename(fs::path(staging) / "data", path, lost_the_race);
    } catch (...) {
        fs::remove_all(staging);
        throw;
    }
    fs::remove_all(staging);
    if (!fs::exists(path / "PG_VERSION")) throw std::runtime_error("cannot create " + path.string());
    return path;
}

}  // namespace

std::optional<std::string> postgres_unavailable_reason() {
    if (!find_bin_dir()) {
        return "PostgreSQL server binaries (initdb, postgres, pg_isready, psql) not found in /usr/lib/postgresql/*/bin "
               "or on PATH; install the `postgresql` package (scripts/install-deps) or set VG_POSTGRES_BIN_DIR";
    }
    if (running_as_root() && server_user() == nullptr) {
        return "running as root and there is no `postgres` user to run initdb/postgres as";
    }
    return std::nullopt;
}

PostgresServer::PostgresServer() {
    if (auto reason = postgres_unavailable_reason()) throw std::runtime_error(*reason);
    bin_dir_ = *find_bin_dir();
    const fs::path source = cluster_template(bin_dir_);
    dir_ = make_server_dir("vg-postgres");
    try {
        run_checked(as_server_user(dir_, "exec cp -R -p \"$@\"", {source.string(), dir_ + "/data"}),
                    "copying the template cluster");
        for (int attempt = 1; attempt <= kPortAttempts; ++attempt) {
            port_ = free_port();
            if (start()) return;
        }
        throw std::runtime_error("postgres found no free port in " + std::to_string(kPortAttempts) + " attempts");
    } catch (...) {
        process_.reset();
        fs::remove_all(dir_);
        throw;
    }
}

PostgresServer::~PostgresServer() {
    // Immediate shutdown rather than SIGKILL, so no backend outlives the postmaster.
    if (process_) terminate(SIGQUIT);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

std::string PostgresServer::url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

bool PostgresServer::start() {
    // clang-format off
    const std::vector<std::string> args = {
        bin_dir_ + "/postgres",
        "-D", "data",
        "-k", dir_,
        "-h", "127.0.0.1",
        "-p", std::to_string(port_),
        "-c", "fsync=off",
        "-c", "full_page_writes=off",
        "-c", "shared_buffers=16MB",
        "-c", "max_connections=50",
    };
    // clang-format on
    // Its log goes to a file: nothing would drain a pipe while the test runs.
    auto command = as_server_user(dir_, "exec \"$@\" >>postgres.log 2>&1", args);
    process_ = std::make_unique<ChildProcess>(command.first, command.second);

    const std::vector<std::string> probe = {"-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres",
                                            "-t", "1",         "-q"};
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (run_command(bin_dir_ + "/pg_isready", probe).exit_code == 0) return true;
        // Waits for its exit, which ends the wait early; 20 ms between probes otherwise.
        if (auto exit_code = process_->wait(20ms)) {
            process_.reset();
            const std::string text = log();
            if (text.find("Address already in use") != std::string::npos) return false;
            throw std::runtime_error("postgres exited with " + std::to_string(*exit_code) + "; its log:\n" + text);
        }
    }
    terminate(SIGQUIT);
    throw std::runtime_error("postgres did not accept connections within 30 s; its log:\n" + log());
}

void PostgresServer::terminate(int signo) {
    if (!process_) return;
    process_->signal(signo);
    if (!process_->wait(kStopTimeout)) {
        process_->signal(SIGKILL);
        process_->wait(kStopTimeout);
    }
    process_.reset();
}

void PostgresServer::stop() {
    terminate(SIGINT);
}

void PostgresServer::crash() {
    terminate(SIGQUIT);
}

void PostgresServer::restart() {
    stop();
    if (!start()) throw std::runtime_error("postgres cannot restart: port " + std::to_string(port_) + " was taken");
}

void PostgresServer::create_database(const std::string& name) {
    psql("postgres", "CREATE DATABASE " + name);
}

std::string PostgresServer::psql(const std::string& database, const std::string& sql) {
    auto result =
        run_command(bin_dir_ + "/psql", {"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                                         std::to_string(port_), "-U", "postgres", "-d", database, "-c", sql});
    if (result.exit_code != 0) {
        throw std::runtime_error("psql -c \"" + sql + "\" failed (" + std::to_string(result.exit_code) + "):\n" +
                                 result.output);
    }
    std::string out = result.output;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

std::string PostgresServer::log() const {
    std::ifstream file(dir_ + "/postgres.log");
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace vg::test
