#include "cli/model_catalog.hpp"

namespace vg::cli {

const ModelFile* CatalogEntry::file(std::string_view role) const {
    for (const auto& f : files) {
        if (f.role == role) return &f;
    }
    return nullptr;
}

const std::vector<CatalogEntry>& model_catalog() {
    // Sizes and SHA-256 sums of Qwen's official GGUF release, as Hugging Face lists them for its LFS objects
    // (the X-Linked-ETag of each file). A file that changes upstream fails verification instead of loading.
    static const std::vector<CatalogEntry> catalog = {
        {"qwen3-vl-8b",
         "Qwen3-VL-8B-Instruct, Q8_0 weights and F16 vision projector (about 9.3 GiB)",
         "https://huggingface.co/Qwen/Qwen3-VL-8B-Instruct-GGUF/resolve/main",
         {{"Qwen3VL-8B-Instruct-Q8_0.gguf", "model", 8709519456,
           "0d264b3941185d00a74f75c4245521dae088ff1efc90ab8d1754e83f5844adb0"},
          {"mmproj-Qwen3VL-8B-Instruct-F16.gguf", "mmproj", 1159029824,
           "ca524100ebf825c9a870db1c580d03879e0da0ab2541697e2458e64891cf9d38"}}},
        // The random-weight test models in shared/models: no public copy, so a --base-url must name a server.
        {"tiny-test",
         "tiny random-weight Qwen3-VL for tests (Q8_0 + F16 projector, 2.6 MiB; answers are meaningless)",
         "",
         {{"tiny-qwen3vl-Q8_0.gguf", "model", 402976,
           "01e814c788b922724def5804c809acbd6643635f8f6e5297844cf74c5ba375c4"},
          {"mmproj-tiny-qwen3vl-F16.gguf", "mmproj", 2261472,
           "78b9cb1ff8280275cc87bc7e3cdd28c0124a976bbca503d37038b2991aefe348"}}},
    };
    return catalog;
}

const CatalogEntry* find_model(std::string_view name) {
    for (const auto& entry : model_catalog()) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

}  // namespace vg::cli
