// IsRegisteredTfOp: TensorFlow's registered op names, compiled in from
// data/tensorflow/core_ops.txt (cmake/embed_text.cmake).
#include <string_view>
#include <unordered_set>

#include "formats/tensorflow/tensorflow.h"

namespace modelgate {

extern const char kTfCoreOps[];

namespace {

std::unordered_set<std::string_view> LoadOps() {
  std::unordered_set<std::string_view> ops;
  std::string_view text(kTfCoreOps);
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty()) ops.insert(line);
  }
  return ops;
}

}  // namespace

bool IsRegisteredTfOp(std::string_view op) {
  static const std::unordered_set<std::string_view> ops = LoadOps();
  return ops.count(op) != 0;
}

}  // namespace modelgate
