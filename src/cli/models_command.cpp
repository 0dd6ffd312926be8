#include "cli/models_command.hpp"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command_args.hpp"
#include "cli/exit_codes.hpp"
#include "cli/progress_bar.hpp"
#include "cli/sha256.hpp"

namespace vg::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kModelsUsage =
    R"(Usage: visiongrid models pull NAME [--dir DIR] [--base-url URL] [--retries N] [--verify]
       visiongrid models list [--dir DIR]

Downloads the model files VisionGrid serves and checks them.

  pull NAME        download NAME's files (see `models list`), resuming an interrupted download, verifying
                   each file's SHA-256 before it is moved into place; files already present and verified are
                   skipped. A file that fails verification is deleted.
  list             the catalogue, and which files are present in the models directory

Options:
  --dir DIR        models directory. Default: $VISIONGRID_MODELS_DIR, else
                   ${XDG_DATA_HOME:-~/.local/share}/visiongrid/models
  --base-url URL   download from URL/FILE instead of the catalogue's location (a mirror, an air-gapped
                   server; also $VISIONGRID_MODELS_BASE_URL). Checksums then come from URL/FILE.sha256, else
                   URL/SHA256SUMS ("<sha256>  <file>" lines), else the catalogue.
  --retries N      further attempts after a broken connection or a 5xx, each resuming (default 5)
  --verify         hash files already present even when their checksum stamp (FILE.sha256) is current

Progress goes to stderr: a bar on a terminal, a line every 5 s otherwise.

Exit codes: 0 ready, 2 usage, 4 host unreachable (offline?), 5 the server answered 4xx (e.g. 404),
            6 5xx or the transfer kept breaking (run again to resume), 8 checksum or size mismatch, 1 other.
)";

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string trim_slashes(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

// The checksum a served file should have, per the rules in pull_model's comment.
std::string expected_sha256(HttpSession& session, const std::string& base, bool custom_base, const ModelFile& file,
                            std::optional<std::string>& manifest) {
    if (custom_base) {
        auto fetch = [&session](const std::string& url) -> std::optional<std::string> {
            HttpRequest request;
            request.url = url;
            request.timeout = std::chrono::seconds(30);
            request.max_body = 1 << 20;
            const HttpResponse response = session.perform(request);
            if (response.failure == TransferFailure::kUnreachable) {
                throw DownloadError(describe_failure(response), kExitUnreachable);
            }
            if (!response.ok() || response.status != 200) return std::nullopt;
            return response.body;
        };
        if (auto sidecar = fetch(base + "/" + file.name + ".sha256")) {
            std::istringstream in(*sidecar);
            std::string sum;
            if (in >> sum && is_sha256_hex(sum)) return lower(sum);
            throw DownloadError(base + "/" + file.name + ".sha256 does not start with a SHA-256",
                                kExitChecksumMismatch);
        }
        if (!manifest) manifest = fetch(base + "/SHA256SUMS").value_or("");
        std::istringstream lines(*manifest);
        std::string line;
        while (std::getline(lines, line)) {
            std::istringstream fields(line);
            std::string sum, name;
            if (!(fields >> sum >> name)) continue;
            if (name.starts_with("*")) name.erase(0, 1);  // sha256sum's binary-mode marker
            if (name == file.name && is_sha256_hex(sum)) return lower(sum);
        }
    }
    if (!file.sha256.empty()) return file.sha256;
    throw DownloadError(
        "no checksum is known for " + file.name + ": serve " + file.name + ".sha256 or SHA256SUMS beside it",
        kExitChecksumMismatch);
}

int pull(const CommandArgs& args) {
    if (args.positional().size() != 2)
        throw UsageError("models pull needs exactly one model name (see `visiongrid models list`)");
    const CatalogEntry* entry = find_model(args.positional()[1]);
    if (entry == nullptr)
        throw UsageError("unknown model '" + args.positional()[1] + "' (see `visiongrid models list`)");
    PullOptions options;
    options.dir = args.value("--dir").value_or(default_models_dir().string());
    options.base_url = args.value("--base-url").value_or(default_models_base_url());
    options.download.retries = args.integer("--retries", 5, 0, 100);
    options.download.reverify = args.flag("--verify");
    const ModelPaths paths = pull_model(*entry, options);
    std::cout << entry->name << " is ready:\n  --model " << paths.model.string() << " --mmproj "
              << paths.mmproj.string() << "\n";
    return kExitOk;
}

std::string describe_presence(const fs::path& file, const ModelFile& spec) {
    std::error_code ec;
    if (fs::is_regular_file(file, ec)) {
        std::ifstream stamp(stamp_path(file));
        std::string recorded;
        const bool verified = (stamp >> recorded) && recorded == spec.sha256;
        return verified ? "present, verified" : "present (not verified; `pull` checks it)";
    }
    if (fs::is_regular_file(partial_path(file), ec)) {
        const auto have = fs::file_size(partial_path(file), ec);
        return "partial: " + format_bytes(have) + (spec.size ? " of " + format_bytes(spec.size) : "") +
               " (`pull` resumes)";
    }
    return "missing";
}

int list(const CommandArgs& args) {
    const fs::path dir = args.value("--dir").value_or(default_models_dir().string());
    std::cout << "models directory: " << dir.string() << "\n";
    for (const auto& entry : model_catalog()) {
        std::cout << "\n" << entry.name << "  " << entry.description << "\n";
        for (const auto& file : entry.files) {
            std::cout << "  " << file.role << "  " << file.name << "  " << (file.size ? format_bytes(file.size) : "?")
                      << "  " << describe_presence(dir / file.name, file) << "\n";
        }
    }
    return kExitOk;
}

}  // namespace

fs::path default_models_dir() {
    if (auto dir = environment("VISIONGRID_MODELS_DIR")) return *dir;
    if (auto data = environment("XDG_DATA_HOME")) return fs::path(*data) / "visiongrid" / "models";
    if (auto home = environment("HOME")) return fs::path(*home) / ".local" / "share" / "visiongrid" / "models";
    return fs::path("models");
}

std::string default_models_base_url() {
    return environment("VISIONGRID_MODELS_BASE_URL").value_or("");
}

ModelPaths model_paths(const CatalogEntry& entry, const fs::path& dir) {
    ModelPaths paths;
    if (const auto* file = entry.file("model")) paths.model = dir / file->name;
    if (const auto* file = entry.file("mmproj")) paths.mmproj = dir / file->name;
    return paths;
}

ModelPaths pull_model(const CatalogEntry& entry, const PullOptions& options) {
    const bool custom_base = !options.base_url.empty();
    const std::string base = trim_slashes(custom_base ? options.base_url : entry.base_url);
    if (base.empty()) throw UsageError(entry.name + " has no public download location: give --base-url");
    init_http();
    HttpSession session;
    std::FILE* out = options.download.progress;
    if (out != nullptr)
        std::fprintf(out, "%s: %zu files from %s into %s\n", entry.name.c_str(), entry.files.size(), base.c_str(),
                     options.dir.string().c_str());
    std::optional<std::string> manifest;
    for (const auto& file : entry.files) {
        DownloadTarget target;
        target.url = base + "/" + file.name;
        target.destination = options.dir / file.name;
        target.sha256 = expected_sha256(session, base, custom_base, file, manifest);
        // A mirror may serve other bytes under the same name (the test models); its checksum decides, not our size.
        if (!custom_base && file.size != 0) target.size = file.size;
        const DownloadOutcome outcome = download_file(session, target, options.download);
        if (out != nullptr) {
            std::fprintf(
                out, "%s: %s (sha256 %s)\n", file.name.c_str(),
                outcome == DownloadOutcome::kAlreadyPresent ? "already present, verified" : "downloaded, verified",
                target.sha256.c_str());
        }
    }
    return model_paths(entry, options.dir);
}

int run_models_command(const std::vector<std::string>& arguments) {
    const ArgSpec spec{{"--dir", "--base-url", "--retries"}, {"--verify"}};
    const CommandArgs args = CommandArgs::parse(arguments, spec);
    if (args.help() || args.positional().empty()) {
        std::cout << kModelsUsage;
        return args.help() ? kExitOk : kExitUsage;
    }
    try {
        if (args.positional()[0] == "pull") return pull(args);
        if (args.positional()[0] == "list") return list(args);
    } catch (const DownloadError& e) {
        std::cerr << "visiongrid models: " << e.what() << "\n";
        return e.exit_code();
    }
    throw UsageError("unknown models command '" + args.positional()[0] + "' (pull, list)");
}

}  // namespace vg::cli
