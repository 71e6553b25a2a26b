// The machine's opt-in PyTorch recording (MachineOptions::torch): storage
// persistent ids, rebuild calls and the container edges that name tensors.
// See torch_records.h for what is recorded and why. Only reached when the
// option is set, so the ordinary scan never runs any of this.
#include <string>

#include "formats/pickle/machine_internal.h"

namespace modelgate::pickle::internal {
namespace {

constexpr std::uint64_t kContainerNode = 1ull << 32;
constexpr std::uint64_t kObjectNode = 2ull << 32;

void NoteOverflow(TorchRecords* r, const std::string& what) {
  if (r->overflow.empty()) r->overflow = what;
}

}  // namespace

TorchNode Machine::NodeOf(const Val& v) const {
  switch (v.kind) {
    case VK::kDict:
    case VK::kList: return kContainerNode | v.ref;
    case VK::kObject: return kObjectNode | v.ref;
    default: return kTorchNoNode;
  }
}

bool Machine::TorchEdgeRoom() {
  if (opts_.torch->edges.size() < limits_.max_pickle_opcodes) return true;
  NoteOverflow(opts_.torch, "more container items than max_pickle_opcodes");
  return false;
}

// ('storage', <global>, key, location, numel[, view_metadata]) becomes a
// storage record; the pushed value carries its index + 1 in `ref`.
Val Machine::TorchPersistent(const Val& pid) {
  TorchRecords* r = opts_.torch;
  Val out{VK::kPersistent};
  std::size_t n = pid.kind == VK::kTuple ? static_cast<std::size_t>(pid.i) : 0;
  const Val* it = n ? &tuple_items_[pid.ref] : nullptr;
  if (n < 5 || n > 6 || it[0].kind != VK::kStr || Text(it[0]) != "storage" || it[1].kind != VK::kGlobal ||
      it[2].kind != VK::kStr || it[3].kind != VK::kStr) {
    ++r->other_persistent_ids;
    return out;
  }
  if (r->storages.size() >= limits_.max_torch_storages) {
    NoteOverflow(r, "more than max_torch_storages storage records");
    return out;
  }
  const GlobalRef& g = t_.globals[it[1].ref];
  TorchStorageRecord s;
  s.storage_type = g.module + "." + g.name;
  s.key = std::string(Text(it[2]));
  s.location = std::string(Text(it[3]));
  s.numel = it[4].kind == VK::kInt ? it[4].i : -1;
  s.has_view = n == 6 && it[5].kind != VK::kNone;
  r->storages.push_back(std::move(s));
  out.ref = static_cast<std::uint32_t>(r->storages.size());
  return out;
}

void Machine::TorchCall(const Val& callee, const Val& args, std::uint32_t object) {
  if (callee.kind != VK::kGlobal) return;
  const GlobalRef& g = t_.globals[callee.ref];
  if (g.module.rfind("torch", 0) != 0 || g.name.rfind("_rebuild", 0) != 0) return;
  TorchRecords* r = opts_.torch;
  std::size_t n = args.kind == VK::kTuple ? static_cast<std::size_t>(args.i) : 0;
  const Val* a = n ? &tuple_items_[args.ref] : nullptr;
  bool parameter = g.module == "torch._utils" &&
                   (g.name == "_rebuild_parameter" || g.name == "_rebuild_parameter_with_state");
  if (parameter && n >= 1 && a[0].kind == VK::kObject) {
    auto found = r->tensor_of_object.find(a[0].ref);
    if (found != r->tensor_of_object.end()) {
      r->tensor_of_object.emplace(object, found->second);
      return;
    }
  }
  if (r->rebuilds.size() >= limits_.max_model_tensors) {
    NoteOverflow(r, "more than max_model_tensors rebuild calls");
    return;
  }
  TorchRebuildCall c;
  c.callee = g.module + "." + g.name;
  bool v2 = g.module == "torch._utils" && g.name == "_rebuild_tensor_v2";
  bool v1 = g.module == "torch._utils" && g.name == "_rebuild_tensor";
  auto int_tuple = [&](const Val& v, std::vector<std::int64_t>* out) {
    if (v.kind != VK::kTuple || static_cast<std::size_t>(v.i) > kTupleKeep) return false;
    for (std::size_t k = 0; k < static_cast<std::size_t>(v.i); ++k) {
      const Val& x = tuple_items_[v.ref + k];
      if (x.kind != VK::kInt) return false;
      out->push_back(x.i);
    }
    return true;
  };
  if (!v1 && !v2) {
    c.problem = parameter ? "parameter wraps something that is not a rebuilt tensor" : "unsupported rebuild function " + c.callee;
  } else if (n < 4) {
    c.problem = c.callee + " called with " + std::to_string(n) + " arguments";
  } else if (a[0].kind != VK::kPersistent || a[0].ref == 0) {
    c.problem = "storage argument is not a ('storage', ...) persistent id";
  } else if (a[1].kind != VK::kInt) {
    c.problem = "storage_offset is not an int";
  } else if (!int_tuple(a[2], &c.size) || !int_tuple(a[3], &c.stride)) {
    c.problem = "size or stride is not a tuple of ints";
  } else if (c.size.size() != c.stride.size()) {
    c.problem = "size and stride differ in length";
  } else {
    c.supported = true;
    c.storage = static_cast<std::int32_t>(a[0].ref - 1);
    c.storage_offset = a[1].i;
  }
  r->rebuilds.push_back(std::move(c));
  r->tensor_of_object.emplace(object, static_cast<std::uint32_t>(r->rebuilds.size() - 1));
}

void Machine::TorchItems(const Val& target, const Val* items, std::size_t n, bool pairs) {
  TorchNode parent = NodeOf(target);
  if (parent == kTorchNoNode) return;
  TorchRecords* r = opts_.torch;
  std::uint64_t index = target.kind == VK::kList ? containers_[target.ref].total : 0;
  std::size_t step = pairs ? 2 : 1;
  for (std::size_t k = 0; k + step <= n; k += step) {
    const Val& value = items[k + step - 1];
    TorchNode child = NodeOf(value);
    bool list_str = !pairs && value.kind == VK::kStr;
    if (child == kTorchNoNode && !list_str) continue;
    if (!TorchEdgeRoom()) return;
    TorchEdge e;
    e.parent = parent;
    e.child = child;
    if (!pairs) {
      e.key = std::to_string(index + k);
      if (list_str) e.str_value = std::string(Text(value));
    } else if (items[k].kind == VK::kStr) {
      e.key = std::string(Text(items[k]));
    } else if (items[k].kind == VK::kInt) {
      e.key = std::to_string(items[k].i);
    } else {
      e.key = "<" + Describe(items[k]) + ">";
    }
    r->edges.push_back(std::move(e));
  }
}

void Machine::TorchBuild(const Val& inst, const Val& state) {
  TorchNode parent = NodeOf(inst), child = NodeOf(state);
  if (parent == kTorchNoNode || child == kTorchNoNode || !TorchEdgeRoom()) return;
  TorchEdge e;
  e.parent = parent;
  e.child = child;
  e.build_state = true;
  opts_.torch->edges.push_back(std::move(e));
}

void Machine::TorchStop(const Val& result) { opts_.torch->root = NodeOf(result); }

}  // namespace modelgate::pickle::internal
