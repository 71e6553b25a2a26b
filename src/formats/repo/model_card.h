// Model cards: README.md of a Hugging Face repository, with YAML front
// matter between a first line `---` and the next `---` line.
//
// The metadata is read with a bounded YAML *subset* parser (no YAML library
// is a dependency, and card metadata is simple): block mappings of scalars,
// block lists (`- item`), flow lists (`[a, b]`), plain / single- / double-
// quoted scalars, `#` comments, and maps nested one or two levels below the
// top (a list of maps such as `model-index` is walked line by line for
// counts only). Anchors, tags, multi-document streams and block scalars
// (`|`, `>`) are not evaluated: their lines are counted in
// `unparsed_lines`. Iterative; bounded by Limits::max_model_card_header_bytes.
// Thread-safe; never throws.
#ifndef MODELGATE_FORMATS_REPO_MODEL_CARD_H_
#define MODELGATE_FORMATS_REPO_MODEL_CARD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelgate/limits.h"

namespace modelgate::repo {

struct ModelCard {
  bool has_front_matter = false;   // the file starts with a `---` line
  bool terminated = false;         // ... and the block is closed by another `---`
  bool too_large = false;          // front matter beyond max_model_card_header_bytes (rest ignored)
  std::vector<std::string> base_models;  // base_model (a string or a list)
  std::string base_model_relation;       // adapter, merge, finetune, quantized
  std::string license, license_name, license_link;
  std::vector<std::string> datasets;
  std::string pipeline_tag, library_name, model_name;
  std::vector<std::string> tags, languages, metrics;
  bool has_model_index = false;    // model-index: evaluation results claimed
  std::uint32_t model_index_results = 0;  // `value:` entries under model-index
  std::vector<std::string> model_index_datasets;  // dataset `type:` / `name:` under model-index (first 32)
  // Other top-level keys with a scalar value, in file order.
  std::vector<std::pair<std::string, std::string>> other;
  std::uint32_t unparsed_lines = 0;  // lines outside the supported subset
  std::size_t body_offset = 0;       // where the Markdown body starts
};

// Reads the card's front matter. Never fails: a card without front matter
// has has_front_matter == false; lines the subset does not cover are counted.
ModelCard ReadModelCard(std::string_view text, const Limits& limits);
// Same with the default limits.
inline ModelCard ReadModelCard(std::string_view text) { return ReadModelCard(text, Limits()); }

}  // namespace modelgate::repo

#endif  // MODELGATE_FORMATS_REPO_MODEL_CARD_H_
