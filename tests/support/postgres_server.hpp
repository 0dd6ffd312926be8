#pragma once

#include <memory>
#include <optional>
#include <string>

#include "support/child_process.hpp"

namespace vg::test {

// Why no PostgreSQL server can be started here (no initdb/postgres binaries; running as root with
// no `postgres` user to run them as), or nullopt when one can. Tests GTEST_SKIP() with it.
std::optional<std::string> postgres_unavailable_reason();

// A real PostgreSQL server for a test: loopback only, on a free port, trust authentication for the
// `postgres` superuser, fsync off; its data in a temporary directory removed afterwards. The data
// directory is copied from a cluster initdb made once per machine and kept in the temp directory,
// so a server costs a copy and a start rather than an initdb. As root, initdb and postgres run as the
// `postgres` user (they refuse root). Ready (accepting connections) when the constructor returns.
// The destructor kills it. Not thread-safe.
class PostgresServer {
public:
    // Throws std::runtime_error (with the server's log) when it does not come up.
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    unsigned short port() const { return port_; }
    bool running() const { return process_ != nullptr; }

    // postgresql://postgres@127.0.0.1:PORT/DATABASE
    std::string url(const std::string& database = "postgres") const;

    // Creates an empty database (the name must be a plain identifier).
    void create_database(const std::string& name);
    // Runs `sql` with psql in `database`; returns its unaligned, tuples-only output. Throws
    // std::runtime_error with psql's output when it fails.
    std::string psql(const std::string& database, const std::string& sql);

    // Fast shutdown (SIGINT): clients are disconnected, then it exits; waits until it has.
    void stop();
    // Immediate shutdown (SIGQUIT), as close to a crash as is safe to restart from: no checkpoint,
    // every backend killed at once, crash recovery on the next start; waits until it has exited.
    void crash();
    // Starts it again on the same port with the same data, and waits until it accepts connections.
    void restart();

    // Everything the server logged so far.
    std::string log() const;

private:
    // Starts on port_; false when it exited before accepting because the port was taken.
    bool start();
    void terminate(int signo);

    std::string bin_dir_;
    std::string dir_;  // socket, log and data/ inside
    unsigned short port_ = 0;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace vg::test
