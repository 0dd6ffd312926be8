// visiongrid: one binary, one subcommand per role or tool.
#include <csignal>
#include <functional>
#include <iostream>
#include <thread>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "app/app_config.hpp"
#include "app/command_line.hpp"
#include "app/standalone.hpp"
#include "cli/client_commands.hpp"
#include "obs/health.hpp"
#include "services/business/business_service.hpp"
#include "services/gateway/api_keys.hpp"
#include "services/gateway/gateway_service.hpp"
#include "services/model/model_service.hpp"
#include "services/monitor/monitor_service.hpp"

namespace {

constexpr const char* kUsage = R"(visiongrid - distributed vision-processing platform

Usage: visiongrid <command> [options]

Roles (each a long-running service):
  standalone      all four roles in one process: the gateway on one public port (API and web console,
                  port 8080), the monitor on an ops port (8083), model and business on loopback; SQLite
  gateway         the single entry point: routes, API keys / JWT, rate limits, load balancing,
                  health checks, circuit breakers, retries (SIGHUP reloads the config file)
  model           the model behind HTTP: /api/model/infer, /v1/chat/completions, /v1/models
                  (llama.cpp in-process, or an OpenAI-compatible upstream with model.engine=remote)
  business        product analysis and review, homework correction, medical imaging (DICOM):
                  typed, validated results, stored (SQLite or PostgreSQL); /api/results
  monitor         scrapes /health, /ready and /metrics of every instance, alert rules with webhook
                  (Alertmanager format) notifications; /api/cluster, /api/series, /api/alerts and
                  the web console on port 8083
  diag            HTTP plumbing only: /health, /ready, /metrics, ping, echo, delay, SSE stream
                  (checks a deployment's network path; used by benchmarks and tests)

Tools:
  models pull NAME        download a model's files (qwen3-vl-8b) with resume and SHA-256 checks; models list
  ask IMAGE "QUESTION"    ask the model about one image, answer streamed; --task T for a typed business result
  batch DIR|LIST --task T --out FILE   a business task over many images (concurrent, resumable, JSONL/CSV)
                          (models, ask and batch have their own --help, with exit codes for scripts)
  gateway hash-key [KEY]  print a stored hash for KEY (a new random key when none is given)
  config print    show the effective configuration (defaults filled in, secrets masked)
  version         print the version

Options:
  -c, --config FILE     YAML config file (${VAR:default} placeholders are expanded)
      --set KEY=VALUE   override one value, e.g. --set model.server.port=9000 (repeatable)
      --model FILE      model GGUF (same as --set model.llama.model_path=FILE)
      --mmproj FILE     vision projector GGUF (same as --set model.llama.mmproj_path=FILE)
  -h, --help            this help

Precedence, lowest first: config file, VISIONGRID_SECTION__KEY environment variables, --set.
)";

// Blocks SIGINT/SIGTERM/SIGHUP in every thread (call before starting any), so sigwait() receives them.
sigset_t block_termination_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

// Re-reads the configuration for a SIGHUP; empty for roles that do not reload.
template <class Service>
using Reloader = std::function<void(Service& service, const vg::Logger& log)>;

// Runs one role until SIGINT/SIGTERM, then drains it. `Service` has start(), stop(), port().
template <class Service, class Config>
int run_role(const char* role, const Config& role_config, const vg::LogConfig& log_config,
             Reloader<Service> reload = {}) {
    sigset_t signals = block_termination_signals();
    vg::LogSystem logs(log_config, role);
    prometheus::Registry registry;
    vg::obs::Readiness readiness;
    Service service(role_config, {registry, readiness, logs});
    service.start();
    // Tests and scripts read this line to learn the port when it was 0.
    std::cout << "visiongrid " << role << " listening on port " << service.port() << std::endl;
    std::thread announcer;
    if constexpr (requires { service.wait_until_loaded(); }) {
        // Loading a model takes a while; say when it is done (tests and scripts wait for this line).
        announcer = std::thread([&service, role] {
            bool loaded = service.wait_until_loaded();
            std::cout << "visiongrid " << role << (loaded ? " ready" : " failed to load (see the log)");
            if constexpr (requires { service.ready_message(); }) {
                if (loaded) std::cout << ": " << service.ready_message();
            }
            std::cout << std::endl;
        });
    }
    int received = 0;
    const vg::Logger log = logs.get("main");
    while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
        if (!reload) {
            log.warn("", "SIGHUP ignored: this role does not reload its configuration");
            continue;
        }
        reload(service, log);
    }
    if (announcer.joinable()) announcer.join();
    log.info("", "signal received; draining", nlohmann::json{{"signal", received}});
    service.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // The command-line clients parse their own options.
    if (auto code = vg::cli::run_client_command(argc, argv)) return *code;
    vg::app::CommandLine line;
    try {
        line = vg::app::parse_command_line(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "visiongrid: " << e.what() << "\n";
        return 2;
    }
    if (line.version || (!line.words.empty() && line.words[0] == "version")) {
        std::cout << "visiongrid " << VG_VERSION << "\n";
        return 0;
    }
    if (line.help || line.words.empty()) {
        std::cout << kUsage;
        return line.words.empty() && !line.help ? 2 : 0;
    }
    vg::app::AppConfig config;
    const vg::ConfigSources sources{line.config_file, "", vg::current_environment(), line.set_overrides};
    try {
        config = vg::app::load_app_config(sources);
    } catch (const vg::ConfigError& e) {
        std::cerr << "visiongrid: configuration error: " << e.what() << "\n";
        return 2;
    }
    const std::string& command = line.words[0];
    try {
        if (command == "config" && line.words.size() == 2 && line.words[1] == "print") {
            std::cout << vg::to_yaml(vg::mask_secrets(config.effective));
            return 0;
        }
        if (command == "diag") return run_role<vg::services::DiagService>("diag", config.diag, config.log);
        if (command == "business") {
            return run_role<vg::services::business::BusinessService>("business", config.business, config.log);
        }
        if (command == "gateway" && line.words.size() == 2 && line.words[1] == "hash-key") {
            const std::string key = vg::services::gateway::generate_api_key();
            std::cout << "key:  " << key << "\nhash: " << vg::services::gateway::hash_api_key(key) << "\n";
            return 0;
        }
        if (command == "gateway" && line.words.size() == 3 && line.words[1] == "hash-key") {
            std::cout << vg::services::gateway::hash_api_key(line.words[2]) << "\n";
            return 0;
        }
        if (command == "gateway") {
            using vg::services::gateway::GatewayService;
            Reloader<GatewayService> reload = [sources](GatewayService& service, const vg::Logger& log) {
                try {
                    service.reload(vg::app::load_app_config(sources).gateway);
                } catch (const std::exception& e) {
                    log.error("", "reload failed; keeping the running configuration", nlohmann::json{{"error", e.what()}});
                }
            };
            return run_role<GatewayService>("gateway", config.gateway, config.log, reload);
        }
        if (command == "model") return run_role<vg::services::ModelService>("model", config.model, config.log);
        if (command == "standalone") return run_role<vg::app::Standalone>("standalone", config, config.log);
        if (command == "monitor") {
            return run_role<vg::services::monitor::MonitorService>("monitor", config.monitor, config.log);
        }
    } catch (const std::exception& e) {
        std::cerr << "visiongrid " << command << ": " << e.what() << "\n";
        return 1;
    }
    std::cerr << "visiongrid: unknown command '" << command << "' (see visiongrid --help)\n";
    return 2;
}
