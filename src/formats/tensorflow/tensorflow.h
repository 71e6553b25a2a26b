// TensorFlow reader: SavedModel (saved_model.pb), frozen GraphDef (.pb) and
// Keras's keras_metadata.pb, all protobuf messages without a magic number.
//
// What TensorFlow does with them (docs/formats/tensorflow.md): the loader
// parses the whole message with protobuf (recursion limit 100, 2 GiB - 1
// total), imports every MetaGraphDef's GraphDef and its function library,
// restores variables by running the saver's RestoreV2 op, and runs whatever
// nodes the caller asks for (signatures, tf.function calls). Keras's
// tf.keras.models.load_model additionally reads keras_metadata.pb, whose
// SavedObject.metadata strings are JSON layer configs (Lambda layers carry
// marshalled Python bytecode there).
//
// ReadTensorflow walks the container messages in place with explicit loops
// (one node at a time, never recursing on input nesting), parses attribute
// values with the generated protobuf classes through a CodedInputStream whose
// recursion limit and size come from Limits, and records every node's name,
// op, inputs, device and string-valued attributes. It decides nothing about
// danger: the analyzer (src/scan/tensorflow_analyzer.cc) does.
#ifndef MODELGATE_FORMATS_TENSORFLOW_TENSORFLOW_H_
#define MODELGATE_FORMATS_TENSORFLOW_TENSORFLOW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"
#include "modelgate/status.h"

namespace modelgate {

enum class TfFileKind {
  kSavedModel,     // tensorflow.SavedModel
  kGraphDef,       // tensorflow.GraphDef (frozen graph, tf.io.write_graph)
  kKerasMetadata,  // keras SavedMetadata (keras_metadata.pb)
};

std::string_view TfFileKindName(TfFileKind k);

// Decides from the protobuf wire structure whether `bytes` is one of the
// three kinds, looking at a bounded number of fields (cheap enough for
// content routing). Strict: the first fields must have exactly the types and
// nesting of the TensorFlow message, so ONNX models (field 1 ir_version,
// field 2 producer_name), pickles, text, ZIPs and tensor data are refused. A
// file cut short is still recognised from what is present. Thread-safe.
std::optional<TfFileKind> SniffTensorflow(ByteView bytes);

// One attribute of a node, as far as the scanner needs it.
struct TfAttr {
  std::string key;
  std::vector<std::string> strings;  // s, list.s, func names, tensor string_val (bounded)
  int tensor_dtype = 0;              // DataType of a tensor value, 0 otherwise
  std::uint64_t value_bytes = 0;     // encoded size of the AttrValue
  bool decoded = false;              // false: larger than max_tf_attr_bytes or unparsable
  bool invalid = false;              // protobuf refused it (recursion limit, bad wire data)
  // String values that are themselves TensorFlow protobufs (SniffTensorflow),
  // unclipped: a serialized GraphDef fed to DatasetFromGraph runs as a graph.
  std::vector<std::string> embedded_protos;
};

inline constexpr std::size_t kMaxEmbeddedProtosPerAttr = 4;

struct TfNode {
  std::string name;
  std::string op;
  std::string device;
  std::vector<std::string> inputs;  // at most kMaxStoredInputs, in order
  std::uint64_t input_count = 0;    // all inputs, stored or not
  std::vector<TfAttr> attrs;
  std::uint64_t offset = 0;  // of the NodeDef payload in the file

  const TfAttr* FindAttr(std::string_view key) const;
};

inline constexpr std::size_t kMaxStoredInputs = 64;
inline constexpr std::size_t kMaxStoredAttrStrings = 64;
inline constexpr std::size_t kMaxStoredStringChars = 4096;

struct TfGraph {
  std::string location;       // "meta_graphs[0].graph_def", "graph_def.library.function[f]" ...
  std::string function_name;  // for a FunctionDef, its signature name
  std::vector<TfNode> nodes;
};

// A JSON string that Keras reads as a layer config, found in place.
struct TfKerasMetadata {
  std::string where;  // "<node_path>" for keras_metadata.pb, "object_graph_def.nodes[i]" in a SavedModel
  std::string identifier;
  std::int64_t node_id = 0;
  ByteView json;              // borrowed from the input
  std::uint64_t offset = 0;   // of the JSON in the file
};

struct TfMetaGraph {
  std::vector<std::string> tags;
  std::string tensorflow_version;
  std::string saver_filename_tensor;  // SaverDef.filename_tensor_name
  std::vector<std::string> asset_filenames;
};

enum class TfAnomalyKind {
  kTruncated,        // a length runs past the end: TensorFlow fails to parse the file
  kMalformed,        // invalid wire data: TensorFlow fails to parse the file
  kTooLarge,         // larger than max_protobuf_bytes (TensorFlow refuses > 2 GiB - 1)
  kNodeLimit,        // more nodes / objects than max_tf_nodes: the rest was not walked
  kFunctionLimit,    // more functions than max_tf_functions
  kRecursionLimit,   // nesting deeper than max_protobuf_depth
  kAttrNotDecoded,   // an attribute value larger than max_tf_attr_bytes on a node whose op reads it
  kNodeWithoutOp,    // a NodeDef with an empty op (TensorFlow rejects the graph)
  kSchemaVersion,    // SavedModel schema version other than 1
};

struct TfAnomaly {
  TfAnomalyKind kind;
  std::uint64_t offset = 0;
  std::string detail;
};

struct TfFile {
  TfFileKind kind = TfFileKind::kGraphDef;
  std::int64_t schema_version = 0;  // SavedModel only
  std::vector<TfMetaGraph> meta_graphs;
  std::vector<TfGraph> graphs;  // main graphs and every library function
  std::vector<std::string> function_names;  // all FunctionDef names seen
  std::vector<TfKerasMetadata> keras_metadata;
  std::uint64_t nodes_walked = 0;
  std::uint64_t functions_walked = 0;
  std::uint64_t keras_objects = 0;
  std::vector<TfAnomaly> anomalies;

  bool Has(TfAnomalyKind k) const;
};

// Reads a TensorFlow protobuf file from memory.
// Returns kCorruption when SniffTensorflow does not recognise the bytes;
// otherwise every problem is an anomaly in the result and what could be read
// is returned. Strings are copied into the result; TfKerasMetadata::json
// borrows from `bytes`, which must outlive the result. Thread-safe.
Result<TfFile> ReadTensorflow(ByteView bytes, const Limits& limits);

// True when `op` is an op a stock TensorFlow build registers
// (data/tensorflow/core_ops.txt). Thread-safe.
bool IsRegisteredTfOp(std::string_view op);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_TENSORFLOW_TENSORFLOW_H_
