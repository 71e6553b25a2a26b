// OnnxReader: reads an ONNX ModelProto (protobuf, onnx-ml.proto from
// Debian's libonnx-dev) and summarises what a runtime would act on: the
// operators it must resolve (domain, op_type), tensors whose bytes live in
// external files, the opsets and IR version it declares, and local
// functions. Graphs nested in node attributes (If/Loop/Scan bodies),
// training graphs and function bodies are walked with an explicit stack.
//
// Parsing goes through google::protobuf::io::CodedInputStream with the
// recursion limit Limits::max_protobuf_depth (protobuf's and onnxruntime's
// default is 100) and refuses inputs over Limits::max_protobuf_bytes (protobuf
// itself caps a message at 2 GiB). Before parsing, a wire-format walk along
// the graph path (ModelProto.graph -> node -> attribute -> g/graphs -> ...)
// measures message nesting without recursion so a depth bomb is named as
// such.
//
// The reader never decides severity and never touches the file system:
// external data locations are returned as written.
#ifndef MODELGATE_FORMATS_ONNX_ONNX_H_
#define MODELGATE_FORMATS_ONNX_ONNX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

enum class OnnxAnomalyKind {
  kTooLarge,        // input over Limits::max_protobuf_bytes: not parsed
  kNestingTooDeep,  // message nesting beyond Limits::max_protobuf_depth: protobuf refuses it
  kParseError,      // not a valid ModelProto (truncated, bad wire format, invalid UTF-8 ...)
  kGraphTooDeep,    // subgraphs nested beyond Limits::max_onnx_graph_depth: deeper ones not walked
  kTooManyNodes,    // more than Limits::max_onnx_nodes nodes: the rest not walked
};

struct OnnxAnomaly {
  OnnxAnomalyKind kind;
  std::uint64_t offset = 0;  // byte offset when known (parse errors), else 0
  std::string detail;
};

// One (domain, op_type) pair used by nodes, with how often and where first.
struct OnnxOpUse {
  std::string domain;  // "ai.onnx" is normalised to ""
  std::string op_type;
  std::uint64_t count = 0;
  std::string first_where;  // "graph/If_0:then_branch/node 3 (name)"
  bool local_function = false;  // resolves to a FunctionProto in the model
};

// A node named PyOp (onnxruntime's language-interop operator), with the
// attributes that name the Python code it runs.
struct OnnxPyOp {
  std::string where;
  std::string domain;
  std::string module;
  std::string class_name;
  std::string compute;
};

// A tensor whose data is stored outside the model (data_location EXTERNAL or
// external_data entries present).
struct OnnxExternalRef {
  std::string tensor;
  std::string where;
  bool has_location = false;
  std::string location;               // as written (may hold any bytes)
  std::optional<std::string> offset;  // raw "offset" value
  std::optional<std::string> length;  // raw "length" value
  std::vector<std::string> other_keys;
};

struct OnnxOpset {
  std::string domain;
  std::int64_t version = 0;
};

// A graph input or output of the main graph (not an initializer).
struct OnnxValueInfo {
  std::string name;
  std::string elem_type;             // "FLOAT", "INT64" ... ("" when not a tensor type)
  std::vector<std::string> shape;    // dim_value as digits, dim_param as written, "?" when unknown
  bool has_shape = false;
};

struct OnnxModel {
  bool parsed = false;
  bool has_ir_version = false;
  std::int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  std::int64_t model_version = 0;
  std::vector<OnnxOpset> opsets;
  std::vector<std::string> functions;  // "domain:name" of local functions
  std::vector<OnnxOpUse> ops;          // first-use order
  std::vector<OnnxPyOp> pyops;
  std::vector<OnnxExternalRef> external;
  std::uint64_t nodes = 0;
  std::uint64_t graphs = 0;            // main + nested + training graphs
  std::uint32_t max_graph_depth = 0;   // 0 = main graph only
  std::uint32_t message_depth = 0;     // measured along the graph path (wire walk)
  // Initializers of the main graph (dense and sparse values): the model's
  // weights. initializer_elements is nullopt when a dimension is negative or
  // the sum overflows; element types by TensorProto name ("FLOAT" ...),
  // sorted and unique.
  std::uint64_t initializers = 0;
  std::optional<std::uint64_t> initializer_elements = 0;
  std::vector<std::string> initializer_types;
  // Inputs of the main graph that are not initializers, and its outputs
  // (first 64 of each).
  std::vector<OnnxValueInfo> inputs;
  std::vector<OnnxValueInfo> outputs;
  std::vector<OnnxAnomaly> anomalies;

  bool Has(OnnxAnomalyKind k) const;
};

// Parses `bytes` as a ModelProto and walks it. Returns a model with
// parsed == false and an anomaly when it cannot be parsed; the Result is an
// error only for empty input. The result owns its strings; `bytes` is not
// retained. Thread-safe.
Result<OnnxModel> ReadOnnx(ByteView bytes, const Limits& limits);

// Standard ONNX domains: "", "ai.onnx", "ai.onnx.ml", "ai.onnx.training",
// "ai.onnx.preview.training".
bool IsStandardOnnxDomain(std::string_view domain);
// True when a standard domain defines `op` (onnx_ops.cc).
bool IsKnownOnnxOp(std::string_view domain, std::string_view op);

// Newest opset / IR version this reader knows to exist; larger values are
// reported (they do not load in any released runtime).
inline constexpr std::int64_t kMaxKnownOnnxOpset = 25;
inline constexpr std::int64_t kMaxKnownOnnxMlOpset = 6;
inline constexpr std::int64_t kMaxKnownIrVersion = 12;

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_ONNX_ONNX_H_
