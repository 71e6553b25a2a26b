// AnalyzeTensorflow: turns what the TensorFlow reader saw into findings.
//
// Severity policy (docs/formats/tensorflow.md, "Findings"). A SavedModel or
// GraphDef is a program: whatever ops it holds run when the model is called
// (and the saver's restore ops when it is loaded). Stock TensorFlow has ops
// that touch the file system, the network and the Python interpreter, and
// published attacks use exactly those (ReadFile/WriteFile graphs, PrintV2 to
// file://, debug ops streaming tensors to grpc://). So:
// - an op that writes a file at a path written into the model (a Const) is
//   critical, as are debug ops sending tensors to grpc:// / file:// URLs and
//   PrintV2 writing to file://;
// - any other file reading/writing, Python-calling (PyFunc: runs Python
//   registered in the loading process) or network op is high: no inference
//   graph needs one;
// - an op TensorFlow does not register is medium: it cannot run until the
//   user loads a custom op library (tf.load_op_library, opt-in), but then it
//   is native code shipped with the model;
// - a file that cannot be fully read is medium (TensorFlow cannot read it
//   either) and high when a scanner limit stopped the walk.
// keras_metadata.pb (and old SavedModels' user-object metadata) holds Keras
// layer configs as JSON: each is queued with role "keras-config" for the
// Keras analyzer, which judges Lambda layers and custom objects.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/tensorflow/tensorflow.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

using Evidence = std::vector<std::pair<std::string, std::string>>;

bool In(std::string_view op, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), op) != set.end();
}

// Ops that read files (or list them) at a path given as an input.
bool IsFileReadOp(std::string_view op) {
  return In(op, {"ReadFile", "MatchingFiles", "MatchingFilesDataset", "ExperimentalMatchingFilesDataset",
                 "ImmutableConst", "TextLineDataset", "TFRecordDataset", "TFRecordDatasetV2",
                 "FixedLengthRecordDataset", "FixedLengthRecordDatasetV2", "CSVDataset", "CSVDatasetV2",
                 "ExperimentalCSVDataset", "SqlDataset", "ExperimentalSqlDataset", "LMDBDataset",
                 "ExperimentalLMDBDataset", "LMDBReader", "TextLineReader", "TextLineReaderV2", "TFRecordReader",
                 "TFRecordReaderV2", "WholeFileReader", "WholeFileReaderV2", "FixedLengthRecordReader",
                 "FixedLengthRecordReaderV2", "LoadAndRemapMatrix", "GenerateVocabRemapping", "LoadDataset"});
}

bool IsFileWriteOp(std::string_view op) {
  return In(op, {"WriteFile", "SaveDataset", "SaveDatasetV2", "DatasetToTFRecord", "ExperimentalDatasetToTFRecord",
                 "SnapshotDataset", "SnapshotDatasetV2", "CreateSummaryFileWriter", "CreateSummaryDbWriter"});
}

bool IsCheckpointWriteOp(std::string_view op) { return In(op, {"Save", "SaveV2", "SaveSlices", "MergeV2Checkpoints"}); }
bool IsCheckpointReadOp(std::string_view op) { return In(op, {"Restore", "RestoreV2", "RestoreSlice"}); }
bool IsPythonOp(std::string_view op) { return In(op, {"PyFunc", "PyFuncStateless", "EagerPyFunc"}); }
bool IsRpcOp(std::string_view op) {
  return In(op, {"RpcClient", "RpcCall", "RpcServer", "RpcServerStart", "RpcServerRegister", "Rpc", "TryRpc"});
}
bool IsTransferOp(std::string_view op) {
  return In(op, {"_Send", "_Recv", "_HostSend", "_HostRecv", "Send", "Recv"});
}
bool IsCollectiveOp(std::string_view op) {
  return op.rfind("Collective", 0) == 0 || op.rfind("Nccl", 0) == 0 || op == "RemoteCall";
}
bool IsDebugOp(std::string_view op) { return op.rfind("Debug", 0) == 0; }

// "^ctrl" is a control input (no data), "node:1" and "node:output:0" name an
// output of `node`.
std::string_view InputNode(std::string_view input) {
  if (!input.empty() && input[0] == '^') return {};
  return input.substr(0, input.find(':'));
}

// A remote device: a /job: other than localhost.
bool IsRemoteDevice(std::string_view device) {
  std::size_t at = device.find("/job:");
  if (at == std::string_view::npos) return false;
  std::string_view job = device.substr(at + 5);
  job = job.substr(0, job.find('/'));
  return !job.empty() && job != "localhost";
}

class GraphAnalyzer {
 public:
  GraphAnalyzer(const Blob& blob, ScanContext& ctx, const TfFile& file) : blob_(blob), ctx_(ctx), file_(file) {
    functions_.insert(file.function_names.begin(), file.function_names.end());
  }

  void Run() {
    for (const TfGraph& g : file_.graphs) Graph(g);
  }
  const std::map<std::string, std::uint64_t>& op_counts() const { return op_counts_; }

 private:
  struct Literal {
    bool is_const = false;
    std::string value;  // the first string of the Const, "" when not decoded
  };

  // Follows Identity chains to a Const, as the runtime would feed it.
  Literal ResolveLiteral(const TfGraph& g, const std::unordered_map<std::string_view, std::size_t>& by_name,
                         std::string_view input) const {
    for (int hops = 0; hops < 8; ++hops) {
      std::string_view name = InputNode(input);
      if (name.empty()) return {};
      auto it = by_name.find(name);
      if (it == by_name.end()) return {};  // a function argument or a placeholder fed at run time
      const TfNode& n = g.nodes[it->second];
      if (n.op == "Const" || n.op == "HostConst") {
        Literal lit{true, ""};
        const TfAttr* v = n.FindAttr("value");
        if (v && !v->strings.empty()) lit.value = v->strings[0];
        else if (v && !v->decoded) lit.value = "<" + std::to_string(v->value_bytes) + "-byte value not decoded>";
        return lit;
      }
      if ((n.op != "Identity" && n.op != "Snapshot" && n.op != "IdentityN") || n.inputs.empty()) return {};
      input = n.inputs[0];
    }
    return {};
  }

  Evidence Base(const TfGraph& g, const TfNode& n) const {
    return {{"graph", g.location}, {"node", n.name}, {"op", n.op}};
  }

  void Report(const char* id, Severity sev, std::string title, const TfGraph& g, const TfNode& n, std::string detail,
              Evidence extra = {}) {
    Evidence ev = Base(g, n);
    for (auto& e : extra) ev.push_back(std::move(e));
    ctx_.Report(id, sev, std::move(title), blob_.member, n.offset, std::move(detail), std::move(ev));
  }

  void Graph(const TfGraph& g) {
    std::unordered_map<std::string_view, std::size_t> by_name;
    by_name.reserve(g.nodes.size());
    for (std::size_t i = 0; i < g.nodes.size(); ++i) by_name.emplace(g.nodes[i].name, i);
    for (const TfNode& n : g.nodes) {
      if (ctx_.OutOfTime()) return;
      ++op_counts_[n.op];
      Node(g, by_name, n);
    }
  }

  // A TensorFlow protobuf inside a string value (DatasetFromGraph's
  // graph_def input, a GraphDef in an attribute): queued so the graph it
  // holds is analysed like the file's own, under this node's member name.
  void EmbeddedProtos(const TfGraph& g, const TfNode& n) {
    for (const TfAttr& a : n.attrs) {
      for (const std::string& embedded : a.embedded_protos) {
        auto owner = std::make_shared<std::vector<std::uint8_t>>(embedded.begin(), embedded.end());
        std::string name = g.location + "/" + n.name + ":" + a.key;
        Report("TF-EMBEDDED-GRAPH", Severity::kMedium, "TensorFlow graph carries another serialized graph", g, n,
               "Attribute '" + a.key + "' of node '" + n.name + "' holds " + std::to_string(embedded.size()) +
                   " bytes that are a TensorFlow protobuf (ops such as DatasetFromGraph run such a graph). No "
                   "exporter stores graphs this way in an inference model, and scanners that only read the top-level "
                   "graph miss what it does; it was queued and analysed as member '" + name + "'.",
               {{"attr", a.key}, {"bytes", std::to_string(embedded.size())}});
        ctx_.EnqueueChild(blob_, name, ByteView(owner->data(), owner->size()), owner);
      }
    }
  }

  void Node(const TfGraph& g, const std::unordered_map<std::string_view, std::size_t>& by_name, const TfNode& n) {
    const std::string& op = n.op;
    EmbeddedProtos(g, n);
    auto path_of = [&](std::size_t input) {
      return input < n.inputs.size() ? ResolveLiteral(g, by_name, n.inputs[input]) : Literal{};
    };
    if (op == "WriteFile") {
      Literal path = path_of(0);
      Literal contents = path_of(1);
      Evidence ev = {{"path", path.is_const ? path.value : "<computed at run time>"}};
      if (contents.is_const) ev.emplace_back("contents", contents.value.substr(0, 200));
      Report("TF-FILE-WRITE-OP", path.is_const ? Severity::kCritical : Severity::kHigh,
             path.is_const ? "TensorFlow graph writes a file at a path stored in the model"
                           : "TensorFlow graph writes files",
             g, n,
             "Op WriteFile writes its contents input to the path it is given when the node runs (any call of "
             "the signature or function that contains it). " +
                 std::string(path.is_const ? "The path is a constant in the model: '" + path.value +
                                                 "'. This overwrites files such as shell start-up scripts."
                                           : "No inference model needs to write files."),
             std::move(ev));
      return;
    }
    if (IsFileWriteOp(op)) {
      Report("TF-FILE-WRITE-OP", Severity::kHigh, "TensorFlow graph writes files", g, n,
             "Op " + op + " writes files (datasets, snapshots, summaries) when it runs. No inference model needs it.",
             {{"path", LiteralText(path_of(op == "CreateSummaryFileWriter" ? 1 : 0))}});
      return;
    }
    if (op == "DecodeProtoV2") {
      // descriptor_source "local://" (the default) and "bytes://..." read no file; anything else is a path.
      const TfAttr* src = n.FindAttr("descriptor_source");
      std::string path = src && !src->strings.empty() ? src->strings[0] : "";
      if (!path.empty() && path.rfind("local://", 0) != 0 && path.rfind("bytes://", 0) != 0) {
        Report("TF-FILE-READ-OP", Severity::kHigh, "TensorFlow graph reads a descriptor file", g, n,
               "DecodeProtoV2 loads protobuf descriptors from the file '" + path + "' named in descriptor_source.",
               {{"path", path}});
      }
      return;
    }
    if (IsFileReadOp(op)) {
      std::string detail = "Op " + op + " reads (or lists) files on the machine that runs the model";
      if (op == "ImmutableConst") {
        const TfAttr* region = n.FindAttr("memory_region_name");
        std::string name = region && !region->strings.empty() ? region->strings[0] : "";
        Report("TF-FILE-READ-OP", Severity::kHigh, "TensorFlow graph memory-maps a file", g, n,
               "ImmutableConst memory-maps the file named by its memory_region_name attribute into a tensor.",
               {{"path", name}});
        return;
      }
      Report("TF-FILE-READ-OP", Severity::kHigh, "TensorFlow graph reads files", g, n,
             detail + "; its contents can flow into the model's outputs (exfiltration). Inference graphs do not "
                      "read files.",
             {{"path", LiteralText(path_of(0))}});
      return;
    }
    if (IsCheckpointWriteOp(op) || IsCheckpointReadOp(op)) {
      Literal path = path_of(0);
      if (!path.is_const) return;  // the saver's filename placeholder: the normal case
      bool write = IsCheckpointWriteOp(op);
      Report("TF-CHECKPOINT-LITERAL-PATH", write ? Severity::kCritical : Severity::kHigh,
             write ? "Checkpoint op writes to a path stored in the model"
                   : "Checkpoint op reads from a path stored in the model",
             g, n,
             "Op " + op + " takes its file name from a constant ('" + path.value +
                 "') instead of the saver's filename placeholder that tf.train.Saver and tf.saved_model write. " +
                 (write ? "Running it writes checkpoint files at that path."
                        : "Running it reads that file into tensors the graph can return."),
             {{"path", path.value}});
      return;
    }
    if (IsPythonOp(op)) {
      const TfAttr* token = n.FindAttr("token");
      Report("TF-PYTHON-OP", Severity::kHigh, "TensorFlow graph calls Python", g, n,
             "Op " + op + " calls a Python function registered under its token in the process that runs the "
             "graph (tf.py_function / tf.numpy_function). Such graphs are not portable and whatever Python "
             "the loading program registered under that token runs.",
             {{"token", token && !token->strings.empty() ? token->strings[0] : ""}});
      return;
    }
    if (IsDebugOp(op)) {
      DebugOp(g, n);
      return;
    }
    if (op.rfind("Print", 0) == 0) {
      const TfAttr* stream = n.FindAttr("output_stream");
      std::string target = stream && !stream->strings.empty() ? stream->strings[0] : "";
      if (target.rfind("file://", 0) == 0) {
        Report("TF-PRINT-TO-FILE", Severity::kCritical, "TensorFlow print op appends to a file", g, n,
               "PrintV2 with output_stream '" + target +
                   "' appends its (model-controlled) text to that file every time it runs.",
               {{"output_stream", target}});
      }
      return;
    }
    if (IsRpcOp(op)) {
      Report("TF-NETWORK-OP", Severity::kHigh, "TensorFlow graph opens network connections", g, n,
             "Op " + op + " is tf.distribute's RPC client/server: it connects to or listens on a network address "
             "when it runs.",
             {{"address", LiteralText(path_of(0))}});
      return;
    }
    if (IsTransferOp(op)) {
      for (const char* key : {"send_device", "recv_device"}) {
        const TfAttr* a = n.FindAttr(key);
        if (a && !a->strings.empty() && IsRemoteDevice(a->strings[0])) {
          Report("TF-NETWORK-OP", Severity::kHigh, "TensorFlow graph sends tensors to a remote task", g, n,
                 "Op " + op + " transfers tensors to or from '" + a->strings[0] +
                     "', another task of a distributed cluster; a standalone model has no reason to.",
                 {{key, a->strings[0]}});
          return;
        }
      }
    }
    if (op == "DatasetFromGraph") {
      // Its graph_def input is a serialized GraphDef, run when the dataset is
      // iterated. A decoded constant was queued by EmbeddedProtos; one too
      // large to decode was not examined.
      const TfNode* source = nullptr;
      std::string_view name = n.inputs.empty() ? std::string_view() : InputNode(n.inputs[0]);
      if (auto it = by_name.find(name); it != by_name.end()) source = &g.nodes[it->second];
      const TfAttr* value = source && source->op == "Const" ? source->FindAttr("value") : nullptr;
      if (value && !value->decoded) {
        Report("TF-EMBEDDED-GRAPH", Severity::kHigh, "Serialized graph too large to examine", g, n,
               "DatasetFromGraph runs the GraphDef held in constant '" + source->name + "' (" +
                   std::to_string(value->value_bytes) + " bytes, beyond max_tf_attr_bytes); it was not analysed.",
               {{"source", source->name}, {"bytes", std::to_string(value->value_bytes)}});
      }
    }
    if (IsCollectiveOp(op)) {
      Report("TF-COLLECTIVE-OP", Severity::kMedium, "TensorFlow graph uses cross-device communication", g, n,
             "Op " + op + " exchanges tensors with other devices or workers; in a cluster it talks to other "
             "tasks over the network. Unusual in a saved inference model.");
    }
    if (op == "InitializeTableFromTextFile" || op == "InitializeTableFromTextFileV2") {
      Literal path = path_of(1);
      bool outside = path.is_const && (path.value.rfind("/", 0) == 0 || path.value.find("..") != std::string::npos);
      Report("TF-VOCAB-FILE-OP", outside ? Severity::kHigh : Severity::kMedium,
             "TensorFlow graph reads a vocabulary file", g, n,
             "Op " + op + " reads a text file into a lookup table. Normally the file is one of the SavedModel's "
             "assets; " + (outside ? "here the path is a constant outside the model folder." : "check the path."),
             {{"path", LiteralText(path)}});
    }
    if (op == "CacheDataset" || op == "CacheDatasetV2") {
      Literal path = path_of(1);
      if (path.is_const && !path.value.empty()) {
        Report("TF-FILE-WRITE-OP", Severity::kHigh, "TensorFlow dataset caches to a file", g, n,
               "CacheDataset with a file name writes cache files at '" + path.value + "'.", {{"path", path.value}});
      }
    }
    if (!n.device.empty() && IsRemoteDevice(n.device)) {
      Report("TF-REMOTE-DEVICE", Severity::kMedium, "Node is placed on a remote task", g, n,
             "The node's device '" + n.device + "' names a cluster job; tf.saved_model.save clears devices, so "
             "this graph was made for (or edited towards) a distributed runtime.",
             {{"device", n.device}});
    }
    if (!op.empty() && !IsRegisteredTfOp(op) && functions_.count(op) == 0) {
      Report("TF-CUSTOM-OP", Severity::kMedium, "Op not registered by TensorFlow", g, n,
             "Op '" + op + "' is neither a stock TensorFlow op nor a function of the model's library. It only "
             "runs after a custom op library is loaded (tf.load_op_library), i.e. native code the model needs "
             "you to load; review where that library comes from.");
    }
  }

  void DebugOp(const TfGraph& g, const TfNode& n) {
    std::vector<std::string> urls;
    for (const char* key : {"debug_urls", "dump_root"}) {
      const TfAttr* a = n.FindAttr(key);
      if (!a) continue;
      for (const std::string& s : a->strings) {
        if (!s.empty()) urls.push_back(std::string(key) == "dump_root" ? "file://" + s : s);
      }
    }
    if (urls.empty()) return;
    bool remote = false;
    std::string list;
    for (const std::string& u : urls) {
      remote |= u.rfind("grpc://", 0) == 0 || u.rfind("file://", 0) == 0;
      list += (list.empty() ? "" : ", ") + u;
    }
    Report("TF-DEBUG-URL", remote ? Severity::kCritical : Severity::kHigh,
           "TensorFlow debug op streams tensors to a URL", g, n,
           "Op " + n.op + " (tfdbg) sends the tensor it watches to " + list +
               " every time it runs: grpc:// connects to that server, file:// writes dump files there.",
           {{"debug_urls", list}});
  }

  static std::string LiteralText(const Literal& l) { return l.is_const ? l.value : "<computed at run time>"; }

  const Blob& blob_;
  ScanContext& ctx_;
  const TfFile& file_;
  std::set<std::string> functions_;
  std::map<std::string, std::uint64_t> op_counts_;
};

using AnomalySpec = FindingSpec;

AnomalySpec SpecFor(TfAnomalyKind k) {
  switch (k) {
    case TfAnomalyKind::kTruncated:
      return {"TF-TRUNCATED", Severity::kMedium, "TensorFlow file is cut short",
              "A length runs past the end of the file; TensorFlow fails to parse it. What was present was "
              "scanned."};
    case TfAnomalyKind::kMalformed:
      return {"TF-MALFORMED", Severity::kMedium, "TensorFlow file has invalid protobuf data",
              "TensorFlow's protobuf parse fails on this file; it is damaged or hand-made."};
    case TfAnomalyKind::kTooLarge:
      return {"TF-TOO-LARGE", Severity::kMedium, "TensorFlow file exceeds protobuf's 2 GiB limit",
              "TensorFlow cannot parse protobufs this large; only the first 2 GiB were scanned."};
    case TfAnomalyKind::kNodeLimit:
    case TfAnomalyKind::kFunctionLimit:
      return {"TF-LIMIT", Severity::kHigh, "TensorFlow graph exceeds the scanner's limits",
              "TensorFlow would load the nodes the scanner did not examine (raise max_tf_nodes / "
              "max_tf_functions to scan them)."};
    case TfAnomalyKind::kRecursionLimit:
      return {"TF-PROTO-LIMIT", Severity::kHigh, "TensorFlow attribute nested beyond the protobuf recursion limit",
              "Nesting this deep is a protobuf bomb: no TensorFlow writer produces it, and the scanner did not read "
              "the value."};
    case TfAnomalyKind::kNodeWithoutOp:
      return {"TF-NODE-INVALID", Severity::kMedium, "TensorFlow node without an op",
              "TensorFlow rejects graphs with such nodes; the file is damaged or hand-made."};
    case TfAnomalyKind::kSchemaVersion:
      return {"TF-SCHEMA-VERSION", Severity::kLow, "Unexpected SavedModel schema version",
              "TensorFlow writes version 1."};
    case TfAnomalyKind::kAttrNotDecoded:
      break;
  }
  return {"TF-MALFORMED", Severity::kMedium, "TensorFlow file could not be fully read", ""};
}

std::string OpSummary(const std::map<std::string, std::uint64_t>& counts) {
  std::vector<std::pair<std::string, std::uint64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  std::size_t shown = 0;
  for (const auto& [op, n] : v) {
    if (shown++ == 100) {
      out += ", ... (" + std::to_string(v.size() - 100) + " more op types)";
      break;
    }
    out += (out.empty() ? "" : ", ") + (op.empty() ? std::string("<none>") : op) + "=" + std::to_string(n);
  }
  return out;
}

}  // namespace

void AnalyzeTensorflow(const Blob& blob, ScanContext& ctx) {
  Result<TfFile> r = ReadTensorflow(blob.bytes, ctx.limits());
  if (!r.ok()) {
    ctx.Report("TF-MALFORMED", Severity::kMedium, "Not a readable TensorFlow protobuf", blob.member, 0,
               r.status().message());
    return;
  }
  const TfFile& f = r.value();
  for (const TfAnomaly& a : f.anomalies) {
    AnomalySpec s = SpecFor(a.kind);
    ctx.Report(s.id, s.severity, s.title, blob.member, a.offset, a.detail + ". " + s.why,
               {{"kind", std::string(TfFileKindName(f.kind))}, {"problem", a.detail}});
  }
  GraphAnalyzer g(blob, ctx, f);
  g.Run();
  for (std::size_t i = 0; i < f.meta_graphs.size(); ++i) {
    for (const std::string& name : f.meta_graphs[i].asset_filenames) {
      if (name.rfind("/", 0) == 0 || name.find("..") != std::string::npos) {
        ctx.Report("TF-ASSET-PATH", Severity::kHigh, "SavedModel asset path leaves the assets folder", blob.member,
                   std::nullopt,
                   "AssetFileDef.filename '" + name + "' is joined to the model's assets/ folder when loading "
                   "(os.path.join keeps an absolute path as is), so the graph reads a file outside the model.",
                   {{"meta_graph", std::to_string(i)}, {"filename", name}});
      }
    }
  }
  for (const TfKerasMetadata& k : f.keras_metadata) {
    ctx.EnqueueChild(blob, k.where + ":metadata", k.json, blob.owner, "keras-config");
  }
  Evidence ev = {{"kind", std::string(TfFileKindName(f.kind))},
                 {"nodes", std::to_string(f.nodes_walked)},
                 {"functions", std::to_string(f.functions_walked)}};
  if (f.kind == TfFileKind::kKerasMetadata) {
    ev.emplace_back("keras_objects", std::to_string(f.keras_objects));
  } else {
    ev.emplace_back("ops", OpSummary(g.op_counts()));
  }
  if (!f.keras_metadata.empty()) ev.emplace_back("keras_configs_queued", std::to_string(f.keras_metadata.size()));
  std::string tags;
  for (const TfMetaGraph& m : f.meta_graphs) {
    std::string t;
    for (const std::string& s : m.tags) t += (t.empty() ? "" : "+") + s;
    tags += (tags.empty() ? "" : ", ") + (t.empty() ? "<no tags>" : t);
    if (!m.tensorflow_version.empty()) ev.emplace_back("tensorflow_version", m.tensorflow_version);
  }
  if (!f.meta_graphs.empty()) ev.emplace_back("meta_graph_tags", tags);
  ctx.Report("TF-GRAPH-SUMMARY", Severity::kInfo, std::string("TensorFlow ") + std::string(TfFileKindName(f.kind)),
             blob.member, std::nullopt,
             f.kind == TfFileKind::kKerasMetadata
                 ? "Keras SavedModel metadata; every layer's JSON config was queued for the Keras analyzer."
                 : "Op types and how often each occurs, over the main graph(s) and every library function.",
             std::move(ev));
}

}  // namespace modelgate
