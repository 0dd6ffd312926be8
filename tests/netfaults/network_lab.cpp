#include "netfaults/network_lab.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>

#include "support/child_process.hpp"

namespace vg::test::netfaults {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxQueuedPackets = 20000;  // a delayed direction's backlog; beyond it, packets drop
constexpr std::size_t kMaxPacket = 65536;

int open_netns(const std::string& ns) {
    const std::string path = "/var/run/netns/" + ns;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    return fd;
}

void enter_netns(int fd, const std::string& what) {
    if (::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns(" + what + "): " + std::strerror(errno));
}

// A TUN device (layer 3, no packet information header) created in the calling thread's namespace.
int open_tun(const std::string& device) {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("cannot open /dev/net/tun: ") + std::strerror(errno));
    ifreq request{};
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(request.ifr_name, device.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &request) != 0) {
        const std::string error = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("TUNSETIFF " + device + ": " + error);
    }
    return fd;
}

std::string describe(const CommandResult& result) {
    return "exit " + std::to_string(result.exit_code) + ": " + result.output;
}

}  // namespace

std::string ip_program() {
    for (const char* candidate : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
        if (::access(candidate, X_OK) == 0) return candidate;
    }
    return {};
}

void run_ip(const std::vector<std::string>& args) {
    const std::string ip = ip_program();
    if (ip.empty()) throw std::runtime_error("iproute2 (`ip`) is not installed");
    const CommandResult result = run_command(ip, args);
    if (result.exit_code != 0) {
        std::ostringstream command;
        for (const auto& arg : args) command << ' ' << arg;
        throw std::runtime_error("ip" + command.str() + " failed (" + describe(result) + ")");
    }
}

std::string lab_unavailable_reason() {
    if (::geteuid() != 0) return "not root: network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN";
    if (ip_program().empty()) return "iproute2 (`ip`) is not installed";
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "no /dev/net/tun (the kernel lacks CONFIG_TUN)";
    const std::string probe = "vgprobe" + std::to_string(::getpid());
    const CommandResult added = run_command(ip_program(), {"netns", "add", probe});
    if (added.exit_code != 0) return "cannot create a network namespace (" + describe(added) + ")";
    std::string reason;
    try {
        run_in_netns(probe, [] { ::close(open_tun("vgprobe0")); });
    } catch (const std::exception& e) {
        reason = std::string("cannot enter a namespace or create a TUN device in it: ") + e.what();
    }
    run_command(ip_program(), {"netns", "del", probe});
    return reason;
}

void run_in_netns(const std::string& ns, const std::function<void()>& fn) {
    std::exception_ptr failure;
    std::thread worker([&] {
        try {
            const int fd = open_netns(ns);
            try {
                enter_netns(fd, ns);
            } catch (...) {
                ::close(fd);
                throw;
            }
            ::close(fd);
            fn();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
}

NetnsScope::NetnsScope(const std::string& ns) {
    home_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home_ < 0)
        throw std::runtime_error(std::string("cannot open this thread's namespace: ") + std::strerror(errno));
    const int target = open_netns(ns);
    try {
        enter_netns(target, ns);
    } catch (...) {
        ::close(target);
        ::close(home_);
        throw;
    }
    ::close(target);
}

NetnsScope::~NetnsScope() {
    if (::setns(home_, CLONE_NEWNET) != 0) std::abort();  // a test thread stranded in a dead namespace
    ::close(home_);
}

// One direction's impairment and the packets it is holding back.
struct EmulatedLink::Direction {
    struct Packet {
        Clock::time_point due;
        std::string bytes;
    };
    mutable std::mutex mutex;
    Impairment impairment;
    std::deque<Packet> queue;
    std::mt19937_64 rng;  // seeded per direction: the same run drops the same packets
    Counters counters;

    explicit Direction(std::uint64_t seed) : rng(seed) {}
};

EmulatedLink::EmulatedLink(End a, End b)
    : a_(std::move(a)),
      b_(std::move(b)),
      forward_(std::make_unique<Direction>(1)),
      backward_(std::make_unique<Direction>(2)) {
    run_in_netns(a_.ns, [&] { fd_a_ = open_tun(a_.device); });
    run_in_netns(b_.ns, [&] { fd_b_ = open_tun(b_.device); });
    for (const End* end : {&a_, &b_}) {
        run_ip({"-n", end->ns, "addr", "add", end->address + "/24", "dev", end->device});
        run_ip({"-n", end->ns, "link", "set", end->device, "up"});
    }
    if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    thread_ = std::thread([this] { relay(); });
}

EmulatedLink::~EmulatedLink() {
    stopping_.store(true);
    if (wake_[1] >= 0) {
        const char byte = 0;
        [[maybe_unused]] auto written = ::write(wake_[1], &byte, 1);
    }
    if (thread_.joinable()) thread_.join();
    for (int fd : {fd_a_, fd_b_, wake_[0], wake_[1]}) {
        if (fd >= 0) ::close(fd);
    }
}

void EmulatedLink::impair_a_to_b(Impairment impairment) {
    std::lock_guard lock(forward_->mutex);
    forward_->impairment = impairment;
}

void EmulatedLink::impair_b_to_a(Impairment impairment) {
    std::lock_guard lock(backward_->mutex);
    backward_->impairment = impairment;
}

void EmulatedLink::impair_both(Impairment impairment) {
    impair_a_to_b(impairment);
    impair_b_to_a(impairment);
}

void EmulatedLink::heal() {
    impair_both({});
}

void EmulatedLink::set_a_up(bool up) {
    run_ip({"-n", a_.ns, "link", "set", a_.device, up ? "up" : "down"});
}

EmulatedLink::Counters EmulatedLink::a_to_b() const {
    std::lock_guard lock(forward_->mutex);
    return forward_->counters;
}

EmulatedLink::Counters EmulatedLink::b_to_a() const {
    std::lock_guard lock(backward_->mutex);
    return backward_->counters;
}

void EmulatedLink::relay() {
    std::string buffer(kMaxPacket, '\0');
    struct Path {
        int from;
        int to;
        Direction& direction;
    };
    Path paths[2] = {{fd_a_, fd_b_, *forward_}, {fd_b_, fd_a_, *backward_}};
    while (!stopping_.load()) {
        // Sleep until a packet arrives, a held one is due, or the destructor wakes us.
        auto next_due = Clock::now() + std::chrono::milliseconds(100);
        for (auto& path : paths) {
            std::lock_guard lock(path.direction.mutex);
            if (!path.direction.queue.empty()) next_due = std::min(next_due, path.direction.queue.front().due);
        }
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_due - Clock::now());
        pollfd fds[3] = {{fd_a_, POLLIN, 0}, {fd_b_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        ::poll(fds, 3, static_cast<int>(std::max<std::int64_t>(0, wait.count())));

        for (auto& path : paths) {
            while (true) {
                const ssize_t n = ::read(path.from, buffer.data(), buffer.size());
                if (n <= 0) break;  // EAGAIN, or a device that is down
                Direction& d = path.direction;
                std::lock_guard lock(d.mutex);
                const Impairment& impairment = d.impairment;
                const bool lost =
                    impairment.blackhole ||
                    (impairment.loss > 0 && std::uniform_real_distribution<double>(0, 1)(d.rng) < impairment.loss) ||
                    d.queue.size() >= kMaxQueuedPackets;
                if (lost) {
                    ++d.counters.dropped;
                    continue;
                }
                d.queue.push_back(
                    {Clock::now() + impairment.delay, std::string(buffer.data(), static_cast<std::size_t>(n))});
            }
        }
        const auto now = Clock::now();
        for (auto& path : paths) {
            Direction& d = path.direction;
            std::lock_guard lock(d.mutex);
            while (!d.queue.empty() && d.queue.front().due <= now) {
                const auto& packet = d.queue.front();
                // A device that is down refuses the write: the packet is lost, as on a dead wire.
                if (::write(path.to, packet.bytes.data(), packet.bytes.size()) > 0) {
                    ++d.counters.forwarded;
                } else {
                    ++d.counters.dropped;
                }
                d.queue.pop_front();
            }
        }
    }
}

NetworkLab::NetworkLab(std::string prefix) : prefix_(std::move(prefix) + std::to_string(::getpid()) + "-") {}

NetworkLab::~NetworkLab() {
    for (const auto& ns : namespaces_) run_command(ip_program(), {"netns", "del", ns});
}

std::string NetworkLab::add(const std::string& name) {
    const std::string ns = prefix_ + name;
    run_command(ip_program(), {"netns", "del", ns});  // a leftover of a crashed run with the same pid
    run_ip({"netns", "add", ns});
    namespaces_.push_back(ns);
    run_ip({"-n", ns, "link", "set", "lo", "up"});
    return ns;
}

}  // namespace vg::test::netfaults
