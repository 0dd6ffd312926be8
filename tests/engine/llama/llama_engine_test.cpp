// The real llama.cpp path with the tiny random-weight Qwen3-VL models from ../shared/models: their
// answers are meaningless but deterministic, so what is tested is the engine's behaviour.
#include "engine/llama/llama_engine.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>

#include "engine/text/json_schema_grammar.hpp"
#include "engine/text/utf8_stream.hpp"
#include "obs/metrics.hpp"
#include "support/raw_http.hpp"

namespace vg::engine {
namespace {

using namespace std::chrono_literals;

const std::string kModels = VG_TEST_MODELS_DIR;

// A deterministic test picture: a colour pattern that depends on `seed`, so different seeds are
// different images.
std::shared_ptr<const ModelImage> picture(int width, int height, int seed) {
    auto image = std::make_shared<ModelImage>();
    image->width = width;
    image->height = height;
    image->rgb.resize(static_cast<std::size_t>(width * height * 3));
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            auto* p = &image->rgb[static_cast<std::size_t>((y * width + x) * 3)];
            p[0] = static_cast<std::uint8_t>((x * 7 + seed * 31) & 0xFF);
            p[1] = static_cast<std::uint8_t>((y * 5 + seed * 17) & 0xFF);
            p[2] = static_cast<std::uint8_t>(((x ^ y) + seed * 13) & 0xFF);
        }
    }
    image->hash = "test-" + std::to_string(width) + "x" + std::to_string(height) + "-" + std::to_string(seed);
    return image;
}

InferenceRequest ask(std::shared_ptr<const ModelImage> image, const std::string& question, int max_tokens = 24) {
    InferenceRequest request;
    request.messages = {{"user", std::string(kImageMarker) + "\n" + question}};
    request.images = {std::move(image)};
    request.sampling.temperature = 0;
    request.sampling.max_tokens = max_tokens;
    return request;
}

struct Outcome {
    std::optional<InferenceResult> result;
    std::optional<InferenceError> error;
    std::vector<std::string> pieces;
};

// Submits and returns a future of the outcome; `pieces` records every on_text call.
std::future<Outcome> submit(Engine& engine, InferenceRequest request, std::shared_ptr<InferenceHandle>* handle = nullptr) {
    auto outcome = std::make_shared<Outcome>();
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    InferenceCallbacks callbacks;
    callbacks.on_text = [outcome](const std::string& text) { outcome->pieces.push_back(text); };
    callbacks.on_done = [outcome, promise](InferenceResult result) {
        outcome->result = std::move(result);
        promise->set_value(*outcome);
    };
    callbacks.on_error = [outcome, promise](InferenceError error) {
        outcome->error = std::move(error);
        promise->set_value(*outcome);
    };
    auto h = engine.submit(std::move(request), std::move(callbacks));
    if (handle) *handle = h;
    return future;
}

Outcome run(Engine& engine, InferenceRequest request) { return submit(engine, std::move(request)).get(); }

LlamaEngineConfig tiny_config(std::size_t slots, std::size_t max_queue) {
    LlamaEngineConfig config;
    config.model_path = kModels + "/tiny-qwen3vl-Q8_0.gguf";
    config.mmproj_path = kModels + "/mmproj-tiny-qwen3vl-F16.gguf";
    config.slots = slots;
    config.max_queue = max_queue;
    config.context_per_slot = 2048;
    config.threads = 1;  // tests run beside other tests: no spinning thread pool
    config.warmup = false;
    return config;
}

class LlamaEngineTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!std::filesystem::exists(kModels + "/tiny-qwen3vl-Q8_0.gguf")) return;
        registry_ = new prometheus::Registry();
        engine_ = new LlamaEngine(tiny_config(8, 16), *registry_, Logger());
    }
    static void TearDownTestSuite() {
        delete engine_;
        delete registry_;
        engine_ = nullptr;
    }
    void SetUp() override {
        if (!engine_) GTEST_SKIP() << "tiny models not found in " << kModels;
    }
    static double metric(const std::string& series) { return test::metric_value(obs::expose_metrics(*registry_), series).value_or(-1); }

    static prometheus::Registry* registry_;
    static LlamaEngine* engine_;
};
prometheus::Registry* LlamaEngineTest::registry_ = nullptr;
LlamaEngine* LlamaEngineTest::engine_ = nullptr;

TEST_F(LlamaEngineTest, AnswersAnImageAndQuestionWithTextAndUsage) {
    auto outcome = run(*engine_, ask(picture(320, 240, 1), "What is in the picture?"));
    ASSERT_TRUE(outcome.result) << outcome.error->message;
    EXPECT_FALSE(outcome.result->text.empty());
    EXPECT_EQ(outcome.result->finish_reason, "length");  // the tiny model never ends by itself
    EXPECT_EQ(outcome.result->usage.completion_tokens, 24);
    // 320x240 → 10x8 tokens of 32 px (see ../shared/models/README.md).
    EXPECT_EQ(outcome.result->usage.image_tokens, 80);
    EXPECT_GT(outcome.result->usage.prompt_tokens, 80);
    EXPECT_TRUE(is_valid_utf8(outcome.result->text));
}

TEST_F(LlamaEngineTest, ImageTokenCountFollowsQwenRule) {
    EXPECT_EQ(engine_->image_tokens(640, 480), 300);
    EXPECT_EQ(engine_->image_tokens(320, 240), 80);
}

TEST_F(LlamaEngineTest, TemperatureZeroIsDeterministicAndDependsOnImageAndQuestion) {
    auto a = run(*engine_, ask(picture(256, 256, 2), "Describe it."));
    auto b = run(*engine_, ask(picture(256, 256, 2), "Describe it."));
    auto other_image = run(*engine_, ask(picture(256, 256, 3), "Describe it."));
    auto other_question = run(*engine_, ask(picture(256, 256, 2), "Is anything broken?"));
    ASSERT_TRUE(a.result && b.result && other_image.result && other_question.result);
    EXPECT_EQ(a.result->text, b.result->text);
    EXPECT_NE(a.result->text, other_image.result->text);
    EXPECT_NE(a.result->text, other_question.result->text);
}

TEST_F(LlamaEngineTest, EightConcurrentRequestsGiveTheirSequentialAnswers) {
    std::vector<std::string> sequential;
    for (int i = 0; i < 8; ++i) {
        auto outcome = run(*engine_, ask(picture(192 + 32 * (i % 3), 160, 100 + i), "Question number " + std::to_string(i)));
        ASSERT_TRUE(outcome.result);
        sequential.push_back(outcome.result->text);
    }
    std::vector<std::future<Outcome>> futures;
    for (int i = 0; i < 8; ++i) {
        // New hashes so the embedding cache does not make the concurrent run different in kind.
        auto image = std::make_shared<ModelImage>(*picture(192 + 32 * (i % 3), 160, 100 + i));
        image->hash += "-concurrent";
        futures.push_back(submit(*engine_, ask(image, "Question number " + std::to_string(i))));
    }
    for (int i = 0; i < 8; ++i) {
        auto outcome = futures[static_cast<std::size_t>(i)].get();
        ASSERT_TRUE(outcome.result);
        EXPECT_EQ(outcome.result->text, sequential[static_cast<std::size_t>(i)]) << "request " << i;
    }
}

TEST_F(LlamaEngineTest, CachedImageSkipsTheEncoderAndGivesTheSameAnswer) {
    auto image = picture(384, 288, 7);
    double encodes_before = metric("visiongrid_model_image_encodes_total");
    auto first = run(*engine_, ask(image, "What colour dominates?"));
    ASSERT_TRUE(first.result);
    EXPECT_EQ(first.result->timings.images_from_cache, 0);
    EXPECT_EQ(metric("visiongrid_model_image_encodes_total"), encodes_before + 1);

    auto again = run(*engine_, ask(image, "What colour dominates?"));
    ASSERT_TRUE(again.result);
    EXPECT_EQ(again.result->timings.images_from_cache, 1);
    EXPECT_EQ(again.result->text, first.result->text);
    EXPECT_EQ(metric("visiongrid_model_image_encodes_total"), encodes_before + 1) << "the encoder must not run for a cached image";
    EXPECT_EQ(again.result->timings.image_encode_ms, 0);
}

TEST_F(LlamaEngineTest, StreamedPiecesAreWholeUtf8AndConcatenateToTheResult) {
    auto outcome = run(*engine_, ask(picture(160, 160, 9), "商品图片检查", 64));
    ASSERT_TRUE(outcome.result);
    std::string joined;
    for (const auto& piece : outcome.pieces) {
        EXPECT_TRUE(is_valid_utf8(piece)) << "a piece split a character";
        joined += piece;
    }
    EXPECT_EQ(joined, outcome.result->text);
}

TEST_F(LlamaEngineTest, MaxTokensBoundsTheAnswer) {
    auto outcome = run(*engine_, ask(picture(160, 160, 10), "Say a lot.", 5));
    ASSERT_TRUE(outcome.result);
    EXPECT_EQ(outcome.result->usage.completion_tokens, 5);
    EXPECT_EQ(outcome.result->finish_reason, "length");
}

TEST_F(LlamaEngineTest, StopStringEndsTheAnswerBeforeIt) {
    auto free_run = run(*engine_, ask(picture(160, 160, 11), "Talk.", 48));
    ASSERT_TRUE(free_run.result);
    const std::string& text = free_run.result->text;
    ASSERT_GE(text.size(), 12u);
    // Pick two characters from the middle of the known answer as the stop string: the answer must
    // then end right before their first occurrence.
    auto next_char = [&](std::size_t i) {
        ++i;
        while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
        return i;
    };
    std::size_t at = 0;
    while (at < text.size() / 2) at = next_char(at);
    std::string stop = text.substr(at, next_char(next_char(at)) - at);
    std::size_t first = text.find(stop);
    auto request = ask(picture(160, 160, 11), "Talk.", 48);
    request.sampling.stop = {stop};
    auto stopped = run(*engine_, std::move(request));
    ASSERT_TRUE(stopped.result);
    EXPECT_EQ(stopped.result->text, text.substr(0, first));
    EXPECT_EQ(stopped.result->finish_reason, "stop");
}

TEST_F(LlamaEngineTest, JsonSchemaConstrainsTheOutput) {
    nlohmann::json schema = {{"type", "object"},
                             {"properties", {{"verdict", {{"enum", {"pass", "reject", "manual_review"}}}}, {"confidence", {{"type", "number"}}}}},
                             {"required", {"verdict", "confidence"}}};
    auto request = ask(picture(160, 160, 12), "Review this product.", 200);
    request.sampling.grammar = json_schema_to_gbnf(schema);
    auto outcome = run(*engine_, std::move(request));
    ASSERT_TRUE(outcome.result);
    ASSERT_EQ(outcome.result->finish_reason, "stop") << "a grammar-complete answer ends by itself: " << outcome.result->text;
    auto parsed = nlohmann::json::parse(outcome.result->text);
    ASSERT_TRUE(parsed.contains("verdict"));
    EXPECT_TRUE(parsed["verdict"] == "pass" || parsed["verdict"] == "reject" || parsed["verdict"] == "manual_review");
    EXPECT_TRUE(parsed["confidence"].is_number());
}

TEST_F(LlamaEngineTest, PromptBeyondTheContextIsRejectedBeforeQueueing) {
    auto outcome = run(*engine_, ask(picture(160, 160, 13), "Too long", 4000));
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, "context_exceeded");
    EXPECT_EQ(outcome.error->http_status, 400);
}

TEST_F(LlamaEngineTest, CancellationFreesTheSlotPromptly) {
    std::shared_ptr<InferenceHandle> handle;
    auto request = ask(picture(160, 160, 14), "Long answer", 1500);
    auto pending = submit(*engine_, std::move(request), &handle);
    handle->cancel();
    auto outcome = pending.get();
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->code, "cancelled");
    // The slot is free again: the engine reports no active slots once the cancelled one is gone.
    EXPECT_EQ(engine_->info()["active_slots"], 0);
}

TEST_F(LlamaEngineTest, SharedPromptPrefixReusesKvAndGivesTheSameAnswer) {
    prometheus::Registry registry;
    LlamaEngine one_slot(tiny_config(1, 4), registry, Logger());
    std::string system = "You review product photos for a marketplace. Answer in one short sentence. " + std::string(200, 'x');
    auto with_system = [&](int seed, const std::string& question) {
        auto request = ask(picture(128, 128, seed), question);
        request.messages.insert(request.messages.begin(), ChatMessage{"system", system});
        return request;
    };
    auto cold = run(one_slot, with_system(40, "first"));
    auto warm = run(one_slot, with_system(41, "second"));
    ASSERT_TRUE(cold.result && warm.result);
    EXPECT_EQ(cold.result->timings.cached_prompt_tokens, 0);
    EXPECT_GT(warm.result->timings.cached_prompt_tokens, 200) << "the system prompt's tokens should come from the kept KV";
    // The same request on a fresh engine (nothing kept) must answer identically.
    prometheus::Registry fresh_registry;
    LlamaEngine fresh(tiny_config(1, 4), fresh_registry, Logger());
    auto reference = run(fresh, with_system(41, "second"));
    ASSERT_TRUE(reference.result);
    EXPECT_EQ(reference.result->timings.cached_prompt_tokens, 0);
    EXPECT_EQ(warm.result->text, reference.result->text);
}

TEST_F(LlamaEngineTest, FullQueueAnswers503WithRetryAfter) {
    // One slot and room for one waiting request: of three submitted back to back (microseconds
    // apart, while each answer takes far longer), at least one finds slot and queue taken.
    prometheus::Registry registry;
    LlamaEngine small(tiny_config(1, 1), registry, Logger());
    std::vector<std::shared_ptr<InferenceHandle>> handles(3);
    std::vector<std::future<Outcome>> futures;
    for (int i = 0; i < 3; ++i) futures.push_back(submit(small, ask(picture(64, 64, 200 + i), "busy", 1900), &handles[static_cast<std::size_t>(i)]));
    std::optional<InferenceError> refused;
    for (auto& h : handles) h->cancel();
    for (auto& f : futures) {
        auto outcome = f.get();
        if (outcome.error && outcome.error->code == "queue_full") refused = outcome.error;
    }
    ASSERT_TRUE(refused) << "expected one queue_full";
    EXPECT_EQ(refused->http_status, 503);
    EXPECT_GE(refused->retry_after_seconds, 1);
}

}  // namespace
}  // namespace vg::engine
