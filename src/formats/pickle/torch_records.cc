// Turns the machine's PyTorch records into named tensors (torch_records.h).
//
// Naming walks the recorded edges from the object STOP returned, depth
// first with an explicit stack, in the order items were added (Python dicts
// keep insertion order, so names come out in state_dict order). Each node is
// visited once: a tensor reachable by two paths keeps the first. Depth is
// capped (kMaxNameDepth) and names are built only for tensors, by walking
// parent links, so hostile nesting costs at most depth x tensors steps.
#include "formats/pickle/torch_records.h"

#include <unordered_set>
#include <utility>

namespace modelgate::pickle {
namespace {

constexpr std::size_t kMaxNameDepth = 256;
constexpr std::size_t kMaxNameBytes = 4096;

struct Visit {
  std::int32_t parent;      // index into visits, -1 for the root
  const std::string* key;   // nullptr: adds no name segment
  std::uint32_t depth;
  bool module_state;        // this node is the BUILD state of an object
};

bool ModuleLevel(const std::string& key) {
  return key == "_parameters" || key == "_buffers" || key == "_modules";
}

std::string NameOf(const std::vector<Visit>& visits, std::int32_t at) {
  std::vector<const std::string*> parts;
  for (std::int32_t i = at; i >= 0; i = visits[static_cast<std::size_t>(i)].parent) {
    if (visits[static_cast<std::size_t>(i)].key) parts.push_back(visits[static_cast<std::size_t>(i)].key);
  }
  std::string name;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!name.empty()) name.push_back('.');
    name += **it;
    if (name.size() > kMaxNameBytes) {
      name.resize(kMaxNameBytes);
      name += "...";
      break;
    }
  }
  return name;
}

TorchTensorRecord MakeTensor(const TorchRecords& rec, const TorchRebuildCall& c) {
  TorchTensorRecord t;
  if (!c.supported) {
    t.problem = c.problem;
    return t;
  }
  const TorchStorageRecord& s = rec.storages[static_cast<std::size_t>(c.storage)];
  t.storage_type = s.storage_type;
  t.storage_key = s.key;
  t.storage_numel = s.numel;
  t.storage_offset = c.storage_offset;
  t.size = c.size;
  t.stride = c.stride;
  if (s.has_view) t.problem = "storage is a legacy storage view (view_metadata), not read";
  return t;
}

}  // namespace

std::uint32_t TorchStorageElementSize(const std::string& storage_type) {
  static const std::pair<const char*, std::uint32_t> kSizes[] = {
      {"torch.FloatStorage", 4}, {"torch.HalfStorage", 2},  {"torch.BFloat16Storage", 2},
      {"torch.DoubleStorage", 8}, {"torch.LongStorage", 8}, {"torch.IntStorage", 4},
      {"torch.ShortStorage", 2}, {"torch.CharStorage", 1},  {"torch.ByteStorage", 1},
      {"torch.BoolStorage", 1},
  };
  for (const auto& [name, size] : kSizes) {
    if (storage_type == name) return size;
  }
  return 0;
}

TorchPickleContents ExtractTorchTensors(ByteView data, std::uint64_t start, const Limits& limits) {
  TorchPickleContents out;
  TorchRecords rec;
  MachineOptions opts;
  opts.joblib_arrays = false;  // torch.load runs a plain Unpickler
  opts.torch = &rec;
  out.trace = RunStream(data, start, limits, opts);
  if (!out.trace.stopped) {
    out.problems.push_back(std::string("pickle ") + ErrorKindName(out.trace.error) + " at offset " +
                           std::to_string(out.trace.error_offset) + ": " + out.trace.error_message);
  }
  if (!rec.overflow.empty()) out.problems.push_back("records cut: " + rec.overflow);

  std::unordered_map<TorchNode, std::vector<std::uint32_t>> children;
  for (std::uint32_t i = 0; i < rec.edges.size(); ++i) children[rec.edges[i].parent].push_back(i);

  if (rec.root != kTorchNoNode) {
    auto found = children.find(rec.root);
    if (found != children.end()) {
      for (std::uint32_t i : found->second) {
        if (rec.edges[i].child == kTorchNoNode) out.root_strings.push_back(rec.edges[i].str_value);
      }
    }
  }

  std::vector<bool> named(rec.rebuilds.size(), false);
  std::vector<Visit> visits;
  std::unordered_set<TorchNode> seen;
  // Stack of (node, visit index); children are pushed in reverse so they
  // pop in insertion order.
  std::vector<std::pair<TorchNode, std::int32_t>> todo;
  bool too_deep = false;
  if (rec.root != kTorchNoNode) {
    visits.push_back({-1, nullptr, 0, false});
    todo.emplace_back(rec.root, 0);
  }
  while (!todo.empty()) {
    auto [node, vi] = todo.back();
    todo.pop_back();
    if (!seen.insert(node).second) continue;
    if ((node >> 32) == 2) {
      auto t = rec.tensor_of_object.find(static_cast<std::uint32_t>(node));
      if (t != rec.tensor_of_object.end()) {
        if (!named[t->second] && out.tensors.size() < limits.max_model_tensors) {
          named[t->second] = true;
          TorchTensorRecord r = MakeTensor(rec, rec.rebuilds[t->second]);
          r.name = NameOf(visits, vi);
          out.tensors.push_back(std::move(r));
        }
        continue;
      }
    }
    auto kids = children.find(node);
    if (kids == children.end()) continue;
    const Visit here = visits[static_cast<std::size_t>(vi)];
    if (here.depth >= kMaxNameDepth) {
      too_deep = true;
      continue;
    }
    for (auto it = kids->second.rbegin(); it != kids->second.rend(); ++it) {
      const TorchEdge& e = rec.edges[*it];
      if (e.child == kTorchNoNode || seen.count(e.child)) continue;
      Visit v{vi, &e.key, here.depth + 1, e.build_state};
      if (e.build_state || (here.module_state && ModuleLevel(e.key))) v.key = nullptr;
      visits.push_back(v);
      todo.emplace_back(e.child, static_cast<std::int32_t>(visits.size() - 1));
    }
  }
  if (too_deep) {
    out.problems.push_back("containers nested deeper than " + std::to_string(kMaxNameDepth) +
                           " levels; tensors below are unnamed");
  }
  for (std::size_t i = 0; i < rec.rebuilds.size() && out.tensors.size() < limits.max_model_tensors; ++i) {
    if (named[i]) continue;
    TorchTensorRecord r = MakeTensor(rec, rec.rebuilds[i]);
    if (r.problem.empty()) r.problem = "not reachable through dict keys from the pickled object";
    out.tensors.push_back(std::move(r));
  }
  out.storages = std::move(rec.storages);
  return out;
}

}  // namespace modelgate::pickle
