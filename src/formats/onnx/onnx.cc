// ONNX reader: protobuf parse with bounded recursion, then an explicit-stack
// walk over every graph and function body.
#include "formats/onnx/onnx.h"

#include "formats/protobuf/proto_wire.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/onnx_pb.h>  // defines ONNX_API, then includes onnx-ml.pb.h

#include "formats/protobuf/proto_wire.h"

namespace modelgate {
namespace {

// ---- Wire-format walk along the graph path (no recursion) ----

using proto_wire::ReadVarint;

enum class Msg { kModel, kTraining, kGraph, kFunction, kNode, kAttr, kOther };

// The message type of field `field` of `parent`, for fields on the graph path.
Msg ChildOf(Msg parent, std::uint64_t field) {
  switch (parent) {
    case Msg::kModel:
      return field == 7 ? Msg::kGraph : field == 25 ? Msg::kFunction : field == 20 ? Msg::kTraining : Msg::kOther;
    case Msg::kTraining:
      return field == 1 || field == 2 ? Msg::kGraph : Msg::kOther;
    case Msg::kGraph:
      return field == 1 ? Msg::kNode : Msg::kOther;
    case Msg::kFunction:
      return field == 7 ? Msg::kNode : Msg::kOther;
    case Msg::kNode:
      return field == 5 ? Msg::kAttr : Msg::kOther;
    case Msg::kAttr:
      return field == 6 || field == 11 ? Msg::kGraph : Msg::kOther;
    case Msg::kOther:
      break;
  }
  return Msg::kOther;
}

struct WireWalk {
  std::uint32_t max_depth = 0;
  bool depth_exceeded = false;
  std::optional<std::uint64_t> top_level_error;  // offset where the ModelProto's own fields break
};

WireWalk WalkWire(ByteView b, std::uint32_t depth_limit) {
  struct Frame {
    std::size_t begin, end;
    Msg msg;
    std::uint32_t depth;
  };
  WireWalk w;
  std::vector<Frame> stack = {{0, b.size(), Msg::kModel, 0}};
  while (!stack.empty()) {
    Frame fr = stack.back();
    stack.pop_back();
    w.max_depth = std::max(w.max_depth, fr.depth);
    std::size_t pos = fr.begin;
    ByteView view = b.first(fr.end);
    while (pos < fr.end) {
      std::size_t field_at = pos;
      std::uint64_t tag = 0, len = 0, skip = 0;
      bool ok = ReadVarint(view, &pos, &tag) && (tag >> 3) != 0;
      if (ok) {
        switch (tag & 7) {
          case 0: ok = ReadVarint(view, &pos, &skip); break;
          case 1:
          case 5: {
            std::size_t width = (tag & 7) == 1 ? 8 : 4;
            ok = fr.end - pos >= width;
            if (ok) pos += width;
            break;
          }
          case 2:
            ok = ReadVarint(view, &pos, &len) && len <= fr.end - pos;
            if (ok) {
              Msg child = ChildOf(fr.msg, tag >> 3);
              if (child != Msg::kOther) {
                if (fr.depth + 1 > depth_limit) {
                  w.depth_exceeded = true;
                  w.max_depth = std::max(w.max_depth, fr.depth + 1);
                } else {
                  stack.push_back({pos, pos + static_cast<std::size_t>(len), child, fr.depth + 1});
                }
              }
              pos += static_cast<std::size_t>(len);
            }
            break;
          default: ok = false;  // groups (3, 4) and invalid wire types
        }
      }
      if (!ok) {
        if (fr.msg == Msg::kModel) w.top_level_error = field_at;
        break;
      }
    }
    if (w.depth_exceeded) break;
  }
  return w;
}

// ---- Walk of the parsed model ----

std::string Tail(std::string s) {
  constexpr std::size_t kMax = 300;
  if (s.size() > kMax) s = "..." + s.substr(s.size() - kMax);
  return s;
}

class ModelWalker {
 public:
  ModelWalker(OnnxModel* out, const Limits& limits) : out_(out), limits_(limits) {}

  void Run(const onnx::ModelProto& m);

 private:
  struct Pending {
    const onnx::GraphProto* graph;
    const onnx::FunctionProto* function;
    std::uint32_t depth;
    std::string where;
  };

  void Tensor(const onnx::TensorProto& t, const std::string& where);
  void Node(const onnx::NodeProto& n, const std::string& where, std::uint32_t depth);
  void PushGraph(const onnx::GraphProto& g, std::uint32_t depth, std::string where);

  OnnxModel* out_;
  const Limits& limits_;
  std::vector<Pending> stack_;
  std::unordered_map<std::string, std::size_t> op_index_;
  bool stop_ = false;
  bool depth_reported_ = false;
};

void ModelWalker::Tensor(const onnx::TensorProto& t, const std::string& where) {
  if (t.data_location() != onnx::TensorProto_DataLocation_EXTERNAL && t.external_data_size() == 0) return;
  OnnxExternalRef r;
  r.tensor = t.name();
  r.where = Tail(where);
  for (const onnx::StringStringEntryProto& e : t.external_data()) {
    if (e.key() == "location") {
      r.has_location = true;
      r.location = e.value();
    } else if (e.key() == "offset") {
      r.offset = e.value();
    } else if (e.key() == "length") {
      r.length = e.value();
    } else if (r.other_keys.size() < 16) {
      r.other_keys.push_back(e.key().substr(0, 100));
    }
  }
  out_->external.push_back(std::move(r));
}

void ModelWalker::PushGraph(const onnx::GraphProto& g, std::uint32_t depth, std::string where) {
  if (depth > limits_.max_onnx_graph_depth) {
    if (!depth_reported_) {
      depth_reported_ = true;
      out_->anomalies.push_back({OnnxAnomalyKind::kGraphTooDeep, 0,
                                 "subgraphs nested deeper than " + std::to_string(limits_.max_onnx_graph_depth) +
                                     " levels were not examined (at " + Tail(where) + ")"});
    }
    return;
  }
  stack_.push_back({&g, nullptr, depth, Tail(std::move(where))});
}

void ModelWalker::Node(const onnx::NodeProto& n, const std::string& where, std::uint32_t depth) {
  std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
  std::string key = domain + '\0' + n.op_type();
  auto it = op_index_.find(key);
  if (it == op_index_.end()) {
    op_index_.emplace(key, out_->ops.size());
    out_->ops.push_back({domain, n.op_type(), 1, where, false});
  } else {
    ++out_->ops[it->second].count;
  }
  if (n.op_type() == "PyOp") {
    OnnxPyOp p;
    p.where = where;
    p.domain = n.domain();
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (a.name() == "module") p.module = a.s().substr(0, 200);
      if (a.name() == "class_name") p.class_name = a.s().substr(0, 200);
      if (a.name() == "compute") p.compute = a.s().substr(0, 200);
    }
    out_->pyops.push_back(std::move(p));
  }
  for (const onnx::AttributeProto& a : n.attribute()) {
    std::string at = where + ":" + a.name();
    if (a.has_t()) Tensor(a.t(), at);
    for (const onnx::TensorProto& t : a.tensors()) Tensor(t, at);
    if (a.has_sparse_tensor()) {
      Tensor(a.sparse_tensor().values(), at);
      Tensor(a.sparse_tensor().indices(), at);
    }
    for (const onnx::SparseTensorProto& s : a.sparse_tensors()) {
      Tensor(s.values(), at);
      Tensor(s.indices(), at);
    }
    if (a.has_g()) PushGraph(a.g(), depth + 1, at);
    for (int i = 0; i < a.graphs_size(); ++i) PushGraph(a.graphs(i), depth + 1, at + "[" + std::to_string(i) + "]");
  }
}

void ModelWalker::Run(const onnx::ModelProto& m) {
  if (m.has_graph()) PushGraph(m.graph(), 0, "graph");
  for (int i = 0; i < m.training_info_size(); ++i) {
    const onnx::TrainingInfoProto& ti = m.training_info(i);
    std::string w = "training_info[" + std::to_string(i) + "]";
    if (ti.has_initialization()) PushGraph(ti.initialization(), 0, w + ".initialization");
    if (ti.has_algorithm()) PushGraph(ti.algorithm(), 0, w + ".algorithm");
  }
  for (const onnx::FunctionProto& f : m.functions()) {
    out_->functions.push_back(f.domain() + ":" + f.name());
    stack_.push_back({nullptr, &f, 0, Tail("function " + f.domain() + ":" + f.name())});
  }
  while (!stack_.empty() && !stop_) {
    Pending p = std::move(stack_.back());
    stack_.pop_back();
    out_->max_graph_depth = std::max(out_->max_graph_depth, p.depth);
    const google::protobuf::RepeatedPtrField<onnx::NodeProto>* nodes;
    if (p.graph != nullptr) {
      ++out_->graphs;
      for (const onnx::TensorProto& t : p.graph->initializer()) Tensor(t, p.where + "/initializer");
      for (const onnx::SparseTensorProto& s : p.graph->sparse_initializer()) {
        Tensor(s.values(), p.where + "/sparse_initializer");
        Tensor(s.indices(), p.where + "/sparse_initializer");
      }
      nodes = &p.graph->node();
    } else {
      nodes = &p.function->node();
    }
    for (int i = 0; i < nodes->size(); ++i) {
      if (out_->nodes >= limits_.max_onnx_nodes) {
        out_->anomalies.push_back({OnnxAnomalyKind::kTooManyNodes, 0,
                                   "more than " + std::to_string(limits_.max_onnx_nodes) +
                                       " nodes; the rest were not examined"});
        stop_ = true;
        break;
      }
      ++out_->nodes;
      const onnx::NodeProto& n = nodes->Get(i);
      std::string where = p.where + "/node " + std::to_string(i);
      if (!n.name().empty()) where += " (" + n.name().substr(0, 80) + ")";
      Node(n, where, p.depth);
    }
  }
  std::unordered_set<std::string> fns;
  for (const onnx::FunctionProto& f : m.functions()) fns.insert((f.domain() == "ai.onnx" ? "" : f.domain()) + '\0' + f.name());
  for (OnnxOpUse& u : out_->ops) u.local_function = fns.count(u.domain + '\0' + u.op_type) > 0;
}

// Element count of a tensor's dims, or nullopt for a negative dimension or
// an overflow.
std::optional<std::uint64_t> ElementCount(const google::protobuf::RepeatedField<std::int64_t>& dims) {
  std::uint64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0) return std::nullopt;
    if (d != 0 && n > UINT64_MAX / static_cast<std::uint64_t>(d)) return std::nullopt;
    n *= static_cast<std::uint64_t>(d);
  }
  return n;
}

std::string ElemTypeName(std::int32_t t) {
  if (!onnx::TensorProto_DataType_IsValid(t)) return "type " + std::to_string(t);
  return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t));
}

OnnxValueInfo ValueInfo(const onnx::ValueInfoProto& v) {
  OnnxValueInfo out;
  out.name = v.name().substr(0, 200);
  if (!v.has_type() || !v.type().has_tensor_type()) return out;
  const onnx::TypeProto_Tensor& t = v.type().tensor_type();
  out.elem_type = ElemTypeName(t.elem_type());
  out.has_shape = t.has_shape();
  for (const onnx::TensorShapeProto_Dimension& d : t.shape().dim()) {
    if (out.shape.size() >= 16) break;
    if (d.has_dim_value()) {
      out.shape.push_back(std::to_string(d.dim_value()));
    } else if (d.has_dim_param() && !d.dim_param().empty()) {
      out.shape.push_back(d.dim_param().substr(0, 64));
    } else {
      out.shape.push_back("?");
    }
  }
  return out;
}

// Weights and interface of the main graph: what a bill of materials reports.
void SummariseMainGraph(const onnx::GraphProto& g, OnnxModel* out) {
  constexpr std::size_t kMaxValueInfos = 64;
  std::set<std::string> types;
  std::unordered_set<std::string> initializer_names;
  auto add = [&](const onnx::TensorProto& t) {
    ++out->initializers;
    types.insert(ElemTypeName(t.data_type()));
    initializer_names.insert(t.name());
    std::optional<std::uint64_t> n = ElementCount(t.dims());
    if (!n || !out->initializer_elements || *out->initializer_elements > UINT64_MAX - *n) {
      out->initializer_elements.reset();
    } else {
      *out->initializer_elements += *n;
    }
  };
  for (const onnx::TensorProto& t : g.initializer()) add(t);
  for (const onnx::SparseTensorProto& s : g.sparse_initializer()) {
    // A sparse tensor's logical size is its dense shape, not its stored values.
    onnx::TensorProto dense;
    dense.set_name(s.values().name());
    dense.set_data_type(s.values().data_type());
    *dense.mutable_dims() = s.dims();
    add(dense);
  }
  out->initializer_types.assign(types.begin(), types.end());
  for (const onnx::ValueInfoProto& v : g.input()) {
    if (out->inputs.size() >= kMaxValueInfos) break;
    if (initializer_names.count(v.name()) == 0) out->inputs.push_back(ValueInfo(v));
  }
  for (const onnx::ValueInfoProto& v : g.output()) {
    if (out->outputs.size() >= kMaxValueInfos) break;
    out->outputs.push_back(ValueInfo(v));
  }
}

}  // namespace

bool OnnxModel::Has(OnnxAnomalyKind k) const {
  for (const OnnxAnomaly& a : anomalies) {
    if (a.kind == k) return true;
  }
  return false;
}

Result<OnnxModel> ReadOnnx(ByteView bytes, const Limits& limits) {
  if (bytes.empty()) return Status::Corruption("empty input");
  OnnxModel out;
  std::uint64_t cap = std::min<std::uint64_t>(limits.max_protobuf_bytes, INT_MAX);
  if (bytes.size() > cap) {
    out.anomalies.push_back({OnnxAnomalyKind::kTooLarge, 0,
                             std::to_string(bytes.size()) + " bytes exceed the limit of " + std::to_string(cap) +
                                 " (protobuf refuses messages of 2 GiB or more)"});
    return out;
  }
  WireWalk w = WalkWire(bytes, limits.max_protobuf_depth);
  out.message_depth = w.max_depth;
  if (w.depth_exceeded) {
    out.anomalies.push_back({OnnxAnomalyKind::kNestingTooDeep, 0,
                             "graphs nest protobuf messages deeper than " + std::to_string(limits.max_protobuf_depth) +
                                 " levels (If/Loop/Scan bodies inside bodies)"});
    return out;
  }
  onnx::ModelProto model;
  google::protobuf::io::ArrayInputStream input(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&input);
  coded.SetRecursionLimit(static_cast<int>(limits.max_protobuf_depth));
  coded.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    std::string where = w.top_level_error ? " (wire format breaks at byte " + std::to_string(*w.top_level_error) + ")"
                                          : " (an inner message is invalid or nested too deeply)";
    out.anomalies.push_back({OnnxAnomalyKind::kParseError, w.top_level_error.value_or(0),
                             "protobuf cannot parse the ModelProto" + where});
    return out;
  }
  out.parsed = true;
  out.has_ir_version = model.has_ir_version();
  out.ir_version = model.ir_version();
  out.producer_name = model.producer_name().substr(0, 200);
  out.producer_version = model.producer_version().substr(0, 200);
  out.domain = model.domain().substr(0, 200);
  out.model_version = model.model_version();
  for (const onnx::OperatorSetIdProto& o : model.opset_import()) out.opsets.push_back({o.domain(), o.version()});
  if (model.has_graph()) SummariseMainGraph(model.graph(), &out);
  ModelWalker walker(&out, limits);
  walker.Run(model);
  return out;
}

}  // namespace modelgate
