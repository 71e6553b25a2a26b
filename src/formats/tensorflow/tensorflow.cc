// ReadTensorflow: walks SavedModel / GraphDef / keras SavedMetadata messages
// in place. Container messages are walked with ProtoWireReader in explicit,
// fixed-depth loops (the schema's nesting is fixed: SavedModel > MetaGraphDef
// > GraphDef > FunctionDefLibrary > FunctionDef > NodeDef > attr), so input
// nesting never drives recursion here. Attribute values, the one place where
// the schema itself recurses (AttrValue > ListValue > NameAttrList >
// AttrValue ..., TensorProto > VariantTensorDataProto > TensorProto ...), are
// parsed by protobuf through a CodedInputStream with the recursion limit left
// over at that depth, as TensorFlow's own parse would have it.
#include "formats/tensorflow/tensorflow.h"

#include <algorithm>
#include <string>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>

#include "formats/protobuf/proto_wire.h"
#include "formats/tensorflow/tf_graph.pb.h"

namespace modelgate {

std::string_view TfFileKindName(TfFileKind k) {
  switch (k) {
    case TfFileKind::kSavedModel: return "SavedModel";
    case TfFileKind::kGraphDef: return "GraphDef";
    case TfFileKind::kKerasMetadata: return "keras SavedMetadata";
  }
  return "unknown";
}

const TfAttr* TfNode::FindAttr(std::string_view key) const {
  // Map semantics: a repeated key keeps its last value, as protobuf does.
  for (auto it = attrs.rbegin(); it != attrs.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

bool TfFile::Has(TfAnomalyKind k) const {
  return std::any_of(anomalies.begin(), anomalies.end(), [k](const TfAnomaly& a) { return a.kind == k; });
}

namespace {

using proto_wire::ProtoWireReader;
using proto_wire::WireField;
using proto_wire::WireStep;

constexpr std::size_t kMaxAnomaliesPerKind = 3;

std::string Clip(std::string_view s) { return std::string(s.substr(0, kMaxStoredStringChars)); }

class Walker {
 public:
  Walker(ByteView file, const Limits& limits, TfFile& out) : file_(file), limits_(limits), out_(out) {}

  void SavedModel(ByteView b);
  void GraphDef(ByteView b, const std::string& location, std::uint32_t depth);
  void KerasMetadata(ByteView b);

 private:
  std::uint64_t Off(ByteView v) const {
    return v.data() >= file_.data() ? static_cast<std::uint64_t>(v.data() - file_.data()) : 0;
  }
  void Anomaly(TfAnomalyKind kind, std::uint64_t offset, std::string detail) {
    std::size_t n = 0;
    for (const TfAnomaly& a : out_.anomalies) n += a.kind == kind;
    if (n < kMaxAnomaliesPerKind) out_.anomalies.push_back({kind, offset, std::move(detail)});
  }
  // Reads the next field of `r` (walking `msg`); false at the end or on
  // damage, which is recorded. A truncated length-delimited field is handed
  // out (with the bytes present) once, then the walk ends.
  bool NextField(ProtoWireReader& r, ByteView msg, const char* what, WireField* f, bool* truncated) {
    *truncated = false;
    WireStep s = r.Next(f);
    if (s == WireStep::kField) return true;
    if (s == WireStep::kEnd) return false;
    std::uint64_t at = Off(msg) + r.pos();
    if (s == WireStep::kMalformed) {
      Anomaly(TfAnomalyKind::kMalformed, at, std::string("invalid protobuf wire data in ") + what);
      return false;
    }
    // Every enclosing message is cut short too: report the innermost once.
    if (!out_.Has(TfAnomalyKind::kTruncated)) {
      Anomaly(TfAnomalyKind::kTruncated, at, std::string(what) + " runs past the end of the file");
    }
    if (f->type == proto_wire::kLen && f->number != 0) {
      *truncated = true;
      return true;
    }
    return false;
  }
  bool TakeNode(ByteView at) {
    if (out_.nodes_walked >= limits_.max_tf_nodes) {
      if (!node_limit_reported_) {
        Anomaly(TfAnomalyKind::kNodeLimit, Off(at),
                "more than " + std::to_string(limits_.max_tf_nodes) + " nodes/objects; the rest was not examined");
        node_limit_reported_ = true;
      }
      return false;
    }
    ++out_.nodes_walked;
    return true;
  }

  void MetaGraph(ByteView b, std::size_t index);
  void ObjectGraph(ByteView b, std::size_t meta_index);
  void Library(ByteView b, const std::string& location, std::uint32_t depth);
  void Function(ByteView b, const std::string& location, std::uint32_t depth);
  void Node(ByteView b, std::uint32_t depth, TfNode* node);
  void Attr(ByteView entry, std::uint32_t depth, TfNode* node);
  void DecodeAttrValue(ByteView value, std::uint32_t depth, TfAttr* attr);
  template <class Message>
  bool ParseLeaf(ByteView b, std::uint32_t depth, Message* m);

  ByteView file_;
  const Limits& limits_;
  TfFile& out_;
  bool node_limit_reported_ = false;
  bool function_limit_reported_ = false;
  tf::AttrValue attr_scratch_;  // reused: one allocation pattern for all attributes
};

// protobuf logs parse failures (invalid UTF-8 in a proto3 string, ...) to
// stderr; hostile files would flood a scan's output, and every failure is
// reported as a finding instead.
void SilenceProtobufLogging() {
  static const bool silenced = [] {
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string&) {});
    return true;
  }();
  (void)silenced;
}

template <class Message>
bool Walker::ParseLeaf(ByteView b, std::uint32_t depth, Message* m) {
  SilenceProtobufLogging();
  m->Clear();
  google::protobuf::io::CodedInputStream in(b.data(), static_cast<int>(b.size()));
  std::uint32_t limit = limits_.max_protobuf_depth;
  in.SetRecursionLimit(depth >= limit ? 0 : static_cast<int>(limit - depth));
  in.SetTotalBytesLimit(static_cast<int>(std::min<std::uint64_t>(limits_.max_protobuf_bytes, 0x7fffffff)));
  return m->ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
}

void Walker::SavedModel(ByteView b) {
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  std::size_t meta_index = 0;
  bool have_version = false;
  while (NextField(r, b, "SavedModel", &f, &truncated)) {
    if (f.number == 1 && f.type == proto_wire::kVarint) {
      out_.schema_version = static_cast<std::int64_t>(f.varint);
      if (f.varint != 1) {
        Anomaly(TfAnomalyKind::kSchemaVersion, Off(b) + f.offset,
                "saved_model_schema_version " + std::to_string(f.varint));
      }
    } else if (f.number == 2 && f.type == proto_wire::kLen) {
      MetaGraph(f.bytes, meta_index++);
    }
    if (f.number == 1) have_version = true;
    if (truncated) break;
  }
  if (!have_version) Anomaly(TfAnomalyKind::kSchemaVersion, Off(b), "no saved_model_schema_version");
}

void Walker::MetaGraph(ByteView b, std::size_t index) {
  out_.meta_graphs.emplace_back();
  std::string where = "meta_graphs[" + std::to_string(index) + "]";
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  while (NextField(r, b, "MetaGraphDef", &f, &truncated)) {
    if (f.type != proto_wire::kLen) continue;
    switch (f.number) {
      case 1: {  // meta_info_def: tags (4) and tensorflow_version (5), read in place
        ProtoWireReader mi(f.bytes, limits_.max_protobuf_depth);
        WireField g;
        bool t2 = false;
        while (NextField(mi, f.bytes, "MetaInfoDef", &g, &t2)) {
          if (g.type != proto_wire::kLen) continue;
          auto& mg = out_.meta_graphs.back();
          if (g.number == 4 && mg.tags.size() < kMaxStoredAttrStrings) mg.tags.push_back(Clip(AsStringView(g.bytes)));
          if (g.number == 5) mg.tensorflow_version = Clip(AsStringView(g.bytes));
          if (t2) break;
        }
        break;
      }
      case 2: GraphDef(f.bytes, where + ".graph_def", 2); break;
      case 3: {
        tf::SaverDef saver;
        if (f.bytes.size() <= limits_.max_tf_attr_bytes && ParseLeaf(f.bytes, 2, &saver)) {
          out_.meta_graphs.back().saver_filename_tensor = Clip(saver.filename_tensor_name());
        }
        break;
      }
      case 6: {
        tf::AssetFileDef asset;
        if (f.bytes.size() <= limits_.max_tf_attr_bytes && ParseLeaf(f.bytes, 2, &asset)) {
          auto& assets = out_.meta_graphs.back().asset_filenames;
          if (assets.size() < kMaxStoredAttrStrings) assets.push_back(Clip(asset.filename()));
        }
        break;
      }
      case 7: ObjectGraph(f.bytes, index); break;
      default: break;
    }
    if (truncated) break;
  }
}

// SavedObjectGraph.nodes[i].user_object.metadata: the JSON older Keras
// versions stored for each layer (before keras_metadata.pb).
void Walker::ObjectGraph(ByteView b, std::size_t meta_index) {
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  std::size_t i = 0;
  while (NextField(r, b, "SavedObjectGraph", &f, &truncated)) {
    if (f.number != 1 || f.type != proto_wire::kLen) continue;
    std::size_t node_index = i++;
    if (!TakeNode(f.bytes)) return;
    ProtoWireReader obj(f.bytes, limits_.max_protobuf_depth);
    WireField g;
    bool t2 = false;
    while (NextField(obj, f.bytes, "SavedObject", &g, &t2)) {
      if (g.number != 4 || g.type != proto_wire::kLen) continue;  // user_object
      ProtoWireReader user(g.bytes, limits_.max_protobuf_depth);
      WireField h;
      bool t3 = false;
      std::string identifier;
      ByteView metadata;
      while (NextField(user, g.bytes, "SavedUserObject", &h, &t3)) {
        if (h.type != proto_wire::kLen) continue;
        if (h.number == 1) identifier = Clip(AsStringView(h.bytes));
        if (h.number == 3) metadata = h.bytes;  // last occurrence wins, as in protobuf
        if (t3) break;
      }
      if (!metadata.empty()) {
        TfKerasMetadata k;
        k.where = "meta_graphs[" + std::to_string(meta_index) + "].object_graph_def.nodes[" +
                  std::to_string(node_index) + "]";
        k.identifier = identifier;
        k.node_id = static_cast<std::int64_t>(node_index);
        k.json = metadata;
        k.offset = Off(metadata);
        out_.keras_metadata.push_back(std::move(k));
      }
      if (t2) break;
    }
    if (truncated) break;
  }
}

void Walker::GraphDef(ByteView b, const std::string& location, std::uint32_t depth) {
  out_.graphs.push_back(TfGraph{location, "", {}});
  std::size_t graph_index = out_.graphs.size() - 1;
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  std::vector<ByteView> libraries;
  while (NextField(r, b, "GraphDef", &f, &truncated)) {
    if (f.type == proto_wire::kLen && f.number == 1) {
      if (!TakeNode(f.bytes)) {
        if (truncated) break;
        continue;  // keep walking for the library; nodes beyond the limit are counted only
      }
      TfNode node;
      Node(f.bytes, depth + 1, &node);
      out_.graphs[graph_index].nodes.push_back(std::move(node));
    } else if (f.type == proto_wire::kLen && f.number == 2) {
      libraries.push_back(f.bytes);
    }
    if (truncated) break;
  }
  // Functions after the main graph: they become separate TfGraphs.
  for (ByteView lib : libraries) Library(lib, location + ".library", depth + 1);
}

void Walker::Library(ByteView b, const std::string& location, std::uint32_t depth) {
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  while (NextField(r, b, "FunctionDefLibrary", &f, &truncated)) {
    if (f.number == 1 && f.type == proto_wire::kLen) {
      if (out_.functions_walked >= limits_.max_tf_functions) {
        if (!function_limit_reported_) {
          Anomaly(TfAnomalyKind::kFunctionLimit, Off(f.bytes),
                  "more than " + std::to_string(limits_.max_tf_functions) +
                      " functions; the rest was not examined");
          function_limit_reported_ = true;
        }
        return;
      }
      ++out_.functions_walked;
      Function(f.bytes, location, depth + 1);
    }
    if (truncated) break;
  }
}

void Walker::Function(ByteView b, const std::string& location, std::uint32_t depth) {
  // First pass: the signature's name (field order is not guaranteed).
  std::string name;
  {
    ProtoWireReader r(b, limits_.max_protobuf_depth);
    WireField f;
    while (r.Next(&f) == WireStep::kField) {
      if (f.number != 1 || f.type != proto_wire::kLen) continue;
      ProtoWireReader sig(f.bytes, limits_.max_protobuf_depth);
      WireField g;
      while (sig.Next(&g) == WireStep::kField) {
        if (g.number == 1 && g.type == proto_wire::kLen) name = Clip(AsStringView(g.bytes));
      }
    }
  }
  if (out_.function_names.size() < limits_.max_tf_functions) out_.function_names.push_back(name);
  out_.graphs.push_back(TfGraph{location + ".function[" + name + "]", name, {}});
  std::size_t graph_index = out_.graphs.size() - 1;
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  while (NextField(r, b, "FunctionDef", &f, &truncated)) {
    if (f.number == 3 && f.type == proto_wire::kLen) {  // node_def
      if (!TakeNode(f.bytes)) return;
      TfNode node;
      Node(f.bytes, depth + 1, &node);
      out_.graphs[graph_index].nodes.push_back(std::move(node));
    }
    if (truncated) break;
  }
}

void Walker::Node(ByteView b, std::uint32_t depth, TfNode* node) {
  node->offset = Off(b);
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  while (NextField(r, b, "NodeDef", &f, &truncated)) {
    if (f.type != proto_wire::kLen) continue;
    switch (f.number) {
      case 1: node->name = Clip(AsStringView(f.bytes)); break;  // singular: the last one wins
      case 2: node->op = Clip(AsStringView(f.bytes)); break;
      case 3:
        ++node->input_count;
        if (node->inputs.size() < kMaxStoredInputs) node->inputs.push_back(Clip(AsStringView(f.bytes)));
        break;
      case 4: node->device = Clip(AsStringView(f.bytes)); break;
      case 5: Attr(f.bytes, depth + 1, node); break;
      default: break;
    }
    if (truncated) break;
  }
  if (node->op.empty() && !truncated) {
    Anomaly(TfAnomalyKind::kNodeWithoutOp, node->offset, "NodeDef '" + node->name.substr(0, 200) + "' has no op");
  }
}

void Walker::Attr(ByteView entry, std::uint32_t depth, TfNode* node) {
  // map<string, AttrValue> entry: key = 1, value = 2.
  ProtoWireReader r(entry, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  TfAttr attr;
  ByteView value;
  bool have_value = false;
  while (NextField(r, entry, "NodeDef.attr", &f, &truncated)) {
    if (f.type != proto_wire::kLen) continue;
    if (f.number == 1) attr.key = Clip(AsStringView(f.bytes));
    if (f.number == 2) {
      value = f.bytes;
      have_value = !truncated;  // a value cut short is not decoded (the truncation is reported)
    }
    if (truncated) break;
  }
  if (have_value) DecodeAttrValue(value, depth + 1, &attr);
  if (node->attrs.size() < 256) node->attrs.push_back(std::move(attr));
}

void Walker::DecodeAttrValue(ByteView value, std::uint32_t depth, TfAttr* attr) {
  attr->value_bytes = value.size();
  if (value.size() > limits_.max_tf_attr_bytes) return;  // weights; decoded only when needed (never)
  if (!ParseLeaf(value, depth, &attr_scratch_)) {
    attr->invalid = true;
    Anomaly(TfAnomalyKind::kRecursionLimit, Off(value),
            "attribute '" + attr->key.substr(0, 200) + "' could not be parsed: nested deeper than " +
                std::to_string(limits_.max_protobuf_depth) + " messages, or invalid");
    return;
  }
  attr->decoded = true;
  auto add = [attr](const std::string& s) {
    if (attr->strings.size() < kMaxStoredAttrStrings) attr->strings.push_back(Clip(s));
    if (attr->embedded_protos.size() < kMaxEmbeddedProtosPerAttr && SniffTensorflow(AsBytes(s))) {
      attr->embedded_protos.push_back(s);
    }
  };
  const tf::AttrValue& v = attr_scratch_;
  switch (v.value_case()) {
    case tf::AttrValue::kS: add(v.s()); break;
    case tf::AttrValue::kPlaceholder: add(v.placeholder()); break;
    case tf::AttrValue::kFunc: add(v.func().name()); break;
    case tf::AttrValue::kList:
      for (const std::string& s : v.list().s()) add(s);
      for (const tf::NameAttrList& fn : v.list().func()) add(fn.name());
      break;
    case tf::AttrValue::kTensor:
      attr->tensor_dtype = v.tensor().dtype();
      for (const std::string& s : v.tensor().string_val()) add(s);  // add() bounds what is kept
      break;
    default: break;
  }
}

void Walker::KerasMetadata(ByteView b) {
  ProtoWireReader r(b, limits_.max_protobuf_depth);
  WireField f;
  bool truncated = false;
  while (NextField(r, b, "SavedMetadata", &f, &truncated)) {
    if (f.number != 1 || f.type != proto_wire::kLen) continue;
    if (!TakeNode(f.bytes)) return;
    ++out_.keras_objects;
    TfKerasMetadata k;
    ProtoWireReader obj(f.bytes, limits_.max_protobuf_depth);
    WireField g;
    bool t2 = false;
    ByteView metadata;
    while (NextField(obj, f.bytes, "keras SavedObject", &g, &t2)) {
      if (g.number == 2 && g.type == proto_wire::kVarint) k.node_id = static_cast<std::int32_t>(g.varint);
      if (g.type != proto_wire::kLen) continue;
      if (g.number == 3) k.where = Clip(AsStringView(g.bytes));
      if (g.number == 4) k.identifier = Clip(AsStringView(g.bytes));
      if (g.number == 5) metadata = g.bytes;
      if (t2) break;
    }
    if (k.where.empty()) k.where = "node " + std::to_string(k.node_id);
    if (!metadata.empty()) {
      k.json = metadata;
      k.offset = Off(metadata);
      out_.keras_metadata.push_back(std::move(k));
    }
    if (truncated) break;
  }
}

}  // namespace

Result<TfFile> ReadTensorflow(ByteView bytes, const Limits& limits) {
  std::optional<TfFileKind> kind = SniffTensorflow(bytes);
  if (!kind) return Status::Corruption("not a TensorFlow SavedModel, GraphDef or keras_metadata.pb");
  TfFile out;
  out.kind = *kind;
  ByteView b = bytes;
  if (b.size() > limits.max_protobuf_bytes) {
    out.anomalies.push_back({TfAnomalyKind::kTooLarge, limits.max_protobuf_bytes,
                             std::to_string(bytes.size()) + " bytes; protobuf (and TensorFlow) refuse messages over " +
                                 std::to_string(limits.max_protobuf_bytes) + " bytes"});
    b = b.first(static_cast<std::size_t>(limits.max_protobuf_bytes));
  }
  Walker w(bytes, limits, out);
  switch (*kind) {
    case TfFileKind::kSavedModel: w.SavedModel(b); break;
    case TfFileKind::kGraphDef: w.GraphDef(b, "graph_def", 0); break;
    case TfFileKind::kKerasMetadata: w.KerasMetadata(b); break;
  }
  return out;
}

}  // namespace modelgate
