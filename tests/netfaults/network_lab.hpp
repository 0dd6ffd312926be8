#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Hosts on one machine for network-fault tests: network namespaces joined by point-to-point links whose
// packets can be delayed, dropped or black-holed, and whose interfaces can be taken down (iproute2).
// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN), `ip` and /dev/net/tun.
namespace vg::test::netfaults {

// Why the lab cannot run here (not root, no `ip`, namespaces refused, no TUN device); empty when it can.
std::string lab_unavailable_reason();

// The absolute path of `ip`, or empty.
std::string ip_program();

// Runs `ip ARGS...`; throws std::runtime_error with its output when it fails.
void run_ip(const std::vector<std::string>& args);

// Runs `fn` on a thread that has entered network namespace `ns` (a name under /var/run/netns) and waits
// for it: the sockets and TUN devices it creates, and the threads it starts, live in that namespace.
// Rethrows what `fn` threw.
void run_in_netns(const std::string& ns, const std::function<void()>& fn);

// Moves the calling thread into namespace `ns`, and back where it was on destruction. Processes the
// thread starts meanwhile (posix_spawn) are born in `ns`.
class NetnsScope {
public:
    explicit NetnsScope(const std::string& ns);
    ~NetnsScope();
    NetnsScope(const NetnsScope&) = delete;
    NetnsScope& operator=(const NetnsScope&) = delete;

private:
    int home_ = -1;
};

// What happens to packets in one direction of a link.
struct Impairment {
    std::chrono::milliseconds delay{0};
    double loss = 0;         // probability that a packet is dropped, 0-1
    bool blackhole = false;  // every packet dropped, silently: a partition
};

// A point-to-point IPv4 link between two namespaces: a TUN device in each (address/24 on the same
// subnet) and a relay thread that carries packets between them, applying each direction's Impairment
// (netem's job, done in user space: this machine's kernel, like many VMs', has no sch_netem; `tc` is
// not needed). Thread-safe.
class EmulatedLink {
public:
    struct End {
        std::string ns;
        std::string device;   // at most 15 characters
        std::string address;  // e.g. 10.77.1.1
    };
    struct Counters {
        std::uint64_t forwarded = 0;
        std::uint64_t dropped = 0;
    };

    // `a` and `b` must be on one /24.
    EmulatedLink(End a, End b);
    ~EmulatedLink();
    EmulatedLink(const EmulatedLink&) = delete;
    EmulatedLink& operator=(const EmulatedLink&) = delete;

    void impair_a_to_b(Impairment impairment);
    void impair_b_to_a(Impairment impairment);
    void impair_both(Impairment impairment);
    void heal();  // both directions unimpaired

    // `ip link set DEVICE down|up` on a's side: its route goes with it, so a's sends fail at once
    // (ENETUNREACH) instead of vanishing. A cut cable, as a's host sees it.
    void set_a_up(bool up);

    Counters a_to_b() const;
    Counters b_to_a() const;
    const End& a() const { return a_; }
    const End& b() const { return b_; }

private:
    struct Direction;
    void relay();

    const End a_;
    const End b_;
    int fd_a_ = -1;
    int fd_b_ = -1;
    int wake_[2] = {-1, -1};
    std::unique_ptr<Direction> forward_;   // a -> b
    std::unique_ptr<Direction> backward_;  // b -> a
    std::atomic<bool> stopping_{false};
    std::thread thread_;  // last: started once the rest exists
};

// Namespaces named "<prefix><pid>-<name>", created by add() and deleted (with their devices) by the
// destructor, which also runs if the test fails midway.
class NetworkLab {
public:
    explicit NetworkLab(std::string prefix);
    ~NetworkLab();
    NetworkLab(const NetworkLab&) = delete;
    NetworkLab& operator=(const NetworkLab&) = delete;

    // Creates a namespace with its loopback up; returns its full name.
    std::string add(const std::string& name);

private:
    const std::string prefix_;
    std::vector<std::string> namespaces_;
};

}  // namespace vg::test::netfaults
