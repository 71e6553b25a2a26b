// LocalBackend: CausalLm + BpeTokenizer behind the Backend interface.
#include "eval/runtime/local_backend.h"

#include <algorithm>

#include "eval/runtime/generator.h"
#include "eval/runtime/transformer.h"
#include "eval/tokenizer/bpe_tokenizer.h"

namespace modelgate::eval {
namespace {

class LocalBackend : public Backend {
 public:
  LocalBackend(std::string dir, std::unique_ptr<CausalLm> lm, std::unique_ptr<BpeTokenizer> tokenizer,
               std::vector<TokenId> eos_ids, const RuntimeOptions& options, const Limits& limits)
      : dir_(std::move(dir)), lm_(std::move(lm)), tokenizer_(std::move(tokenizer)), eos_ids_(std::move(eos_ids)),
        options_(options), limits_(limits) {}

  std::string Describe() const override {
    return "local:" + dir_ + " (" + lm_->config().model_type + ", " + std::to_string(lm_->threads()) + " threads)";
  }

  Result<std::vector<Generation>> Generate(std::span<const GenerationRequest> requests) override {
    std::vector<TokenRequest> token_requests;
    std::vector<std::size_t> runnable;  // request index of each token request
    std::vector<Generation> out(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      Result<std::string> prompt = PromptText(requests[i]);
      if (!prompt.ok()) return prompt.status();
      std::vector<TokenId> ids = tokenizer_->Encode(prompt.value(), /*add_bos=*/true);
      out[i].prompt_tokens = static_cast<std::uint32_t>(ids.size());
      if (ids.empty()) {
        out[i].finish_reason = "length";  // nothing to condition on: an empty completion
        continue;
      }
      token_requests.push_back(TokenRequest{std::move(ids), requests[i].decoding});
      runnable.push_back(i);
    }
    GeneratorOptions g;
    g.max_batch = options_.max_batch;
    g.eos_ids = eos_ids_;
    g.token_bytes = [this](TokenId id) { return tokenizer_->TokenBytes(id); };
    Result<std::vector<TokenGeneration>> generated = GenerateTokens(*lm_, token_requests, g, limits_);
    if (!generated.ok()) return generated.status();
    for (std::size_t k = 0; k < runnable.size(); ++k) {
      TokenGeneration& t = generated.value()[k];
      Generation& o = out[runnable[k]];
      o.text = std::move(t.text);
      o.completion_tokens = static_cast<std::uint32_t>(t.tokens.size());
      o.finish_reason = t.finish_reason;
      if (!t.entropies.empty()) {
        double sum = 0;
        for (double e : t.entropies) sum += e;
        o.mean_entropy = sum / static_cast<double>(t.entropies.size());
        o.first_token_entropy = t.entropies.front();
      }
    }
    return out;
  }

 private:
  // Completion prompts are used as they are. Chat messages are wrapped in
  // ChatML when the tokenizer has its markers (Qwen2 and most small chat
  // models); rendering a folder's own Jinja chat template is not supported.
  Result<std::string> PromptText(const GenerationRequest& r) const {
    if (!r.chat) return r.prompt;
    if (tokenizer_->TokenIdOf("<|im_start|>") && tokenizer_->TokenIdOf("<|im_end|>")) {
      return "<|im_start|>user\n" + r.prompt + "<|im_end|>\n<|im_start|>assistant\n";
    }
    return Status::NotSupported("chat request: the local runtime only formats ChatML chats (" + dir_ + ")");
  }

  std::string dir_;
  std::unique_ptr<CausalLm> lm_;
  std::unique_ptr<BpeTokenizer> tokenizer_;
  std::vector<TokenId> eos_ids_;
  RuntimeOptions options_;
  Limits limits_;
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& model_dir, const RuntimeOptions& options,
                                                  const Limits& limits) {
  Result<std::unique_ptr<CausalLm>> lm = CausalLm::Load(model_dir, limits, options.threads);
  if (!lm.ok()) return lm.status();
  Result<std::unique_ptr<BpeTokenizer>> tokenizer = BpeTokenizer::FromFile(model_dir + "/tokenizer.json", limits);
  if (!tokenizer.ok()) return tokenizer.status();
  // End ids: the tokenizer's, config.json's and generation_config.json's.
  std::vector<TokenId> eos = tokenizer.value()->eos_ids();
  auto add = [&eos](TokenId id) {
    if (std::find(eos.begin(), eos.end(), id) == eos.end()) eos.push_back(id);
  };
  for (TokenId id : lm.value()->config().eos_ids) add(id);
  std::vector<std::int32_t> extra;
  MODELGATE_RETURN_IF_ERROR(AddGenerationConfigEos(model_dir, limits, &extra));
  for (TokenId id : extra) add(id);
  return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(model_dir, std::move(lm).value(),
                                                                 std::move(tokenizer).value(), std::move(eos),
                                                                 options, limits));
}

}  // namespace modelgate::eval
