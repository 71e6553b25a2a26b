// Tests for the TensorFlow reader, content sniffing and analyzer. Inputs are
// built with the generated protobuf classes (the same schema TensorFlow uses)
// or byte by byte where the protobuf library would refuse to write them.
#include "formats/tensorflow/tensorflow.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/routing/content_type.h"
#include "formats/tensorflow/tf_graph.pb.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

namespace pb = modelgate::tf;

ByteView View(const std::string& s) { return AsBytes(s); }

std::string Ld(int field, const std::string& payload) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  std::size_t n = payload.size();
  do {
    char c = static_cast<char>(n & 0x7f);
    n >>= 7;
    out += static_cast<char>(c | (n ? 0x80 : 0));
  } while (n);
  return out + payload;
}

pb::NodeDef* AddNode(pb::GraphDef* g, const std::string& name, const std::string& op,
                     std::vector<std::string> inputs = {}) {
  pb::NodeDef* n = g->add_node();
  n->set_name(name);
  n->set_op(op);
  for (auto& i : inputs) n->add_input(i);
  return n;
}

void SetStringConst(pb::NodeDef* n, const std::string& value) {
  (*n->mutable_attr())["dtype"].set_type(pb::DT_STRING);
  pb::TensorProto* t = (*n->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(pb::DT_STRING);
  t->add_string_val(value);
}

pb::GraphDef SmallGraph() {
  pb::GraphDef g;
  AddNode(&g, "x", "Placeholder");
  AddNode(&g, "w", "Const");
  AddNode(&g, "y", "MatMul", {"x", "w"});
  g.mutable_versions()->set_producer(1395);
  return g;
}

std::string Serialize(const google::protobuf::MessageLite& m) { return m.SerializeAsString(); }

struct Scan {
  std::vector<Finding> findings;
  std::vector<Blob> children;
  bool Has(const std::string& id, Severity at_least = Severity::kInfo) const {
    for (const Finding& f : findings) {
      if (f.id == id && f.severity >= at_least) return true;
    }
    return false;
  }
  Severity Max(const std::string& id) const {
    Severity s = Severity::kInfo;
    for (const Finding& f : findings) {
      if (f.id == id && f.severity > s) s = f.severity;
    }
    return s;
  }
};

Scan Analyze(const std::string& bytes, const Limits& limits = Limits()) {
  ScanContext ctx("t.pb", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = View(bytes);
  AnalyzeTensorflow(blob, ctx);
  Scan s;
  while (ctx.HasPending()) s.children.push_back(ctx.PopPending());
  s.findings = ctx.TakeFindings();
  return s;
}

// ------------------------------------------------------------------ sniffing

TEST(TensorflowSniff, RecognisesTheThreeKinds) {
  pb::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  pb::MetaGraphDef* mg = sm.add_meta_graphs();
  mg->mutable_meta_info_def()->add_tags("serve");
  *mg->mutable_graph_def() = SmallGraph();
  EXPECT_EQ(SniffTensorflow(View(Serialize(sm))), TfFileKind::kSavedModel);
  EXPECT_EQ(DetectContentType(View(Serialize(sm))), ContentType::kTensorflow);

  EXPECT_EQ(SniffTensorflow(View(Serialize(SmallGraph()))), TfFileKind::kGraphDef);

  pb::GraphDef lib_only;
  lib_only.mutable_library()->add_function()->mutable_signature()->set_name("__inference_f_1");
  EXPECT_EQ(SniffTensorflow(View(Serialize(lib_only))), TfFileKind::kGraphDef);

  pb::SavedMetadata md;
  pb::KerasSavedObject* o = md.add_nodes();
  o->set_node_path("root");
  o->set_identifier("_tf_keras_sequential");
  o->set_metadata("{\"class_name\": \"Sequential\"}");
  EXPECT_EQ(SniffTensorflow(View(Serialize(md))), TfFileKind::kKerasMetadata);

  // Early Keras wrote a VersionDef as field 1 of each SavedObject.
  pb::SavedMetadata legacy;
  pb::KerasSavedObject* l = legacy.add_nodes();
  l->mutable_legacy_version()->set_producer(1);
  l->set_node_id(0);
  l->set_node_path("root");
  EXPECT_EQ(SniffTensorflow(View(Serialize(legacy))), TfFileKind::kKerasMetadata);
}

TEST(TensorflowSniff, FieldOrderTensorflowAcceptsCannotHideAFile) {
  // No schema version (the loader does not check it).
  pb::SavedModel sm;
  *sm.add_meta_graphs()->mutable_graph_def() = SmallGraph();
  EXPECT_EQ(SniffTensorflow(View(Serialize(sm))), TfFileKind::kSavedModel);
  Result<TfFile> r = ReadTensorflow(View(Serialize(sm)), Limits());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().Has(TfAnomalyKind::kSchemaVersion));
  // Versions before the nodes; op before name.
  std::string versions = Ld(4, std::string("\x08\x05", 2));
  std::string node = Ld(2, "ReadFile") + Ld(1, "r") + Ld(3, "p");
  EXPECT_EQ(SniffTensorflow(View(versions + Ld(1, node))), TfFileKind::kGraphDef);
  EXPECT_EQ(SniffTensorflow(View(Ld(1, node) + Ld(1, node))), TfFileKind::kGraphDef);
}

TEST(TensorflowSniff, RecognisesATruncatedFile) {
  pb::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  *sm.add_meta_graphs()->mutable_graph_def() = SmallGraph();
  std::string b = Serialize(sm);
  EXPECT_EQ(SniffTensorflow(View(b.substr(0, b.size() / 2))), TfFileKind::kSavedModel);
}

TEST(TensorflowSniff, RefusesOnnxPicklesTextZipsAndTensorData) {
  // ONNX ModelProto: ir_version (1), producer_name (2), producer_version (3), graph (7), opset_import (8).
  std::string onnx = std::string("\x08\x08", 2) + Ld(2, "pytorch") + Ld(3, "2.0.1") +
                     Ld(7, Ld(1, Ld(1, "x") + Ld(2, "y") + Ld(4, "Relu")) + Ld(2, "g")) + Ld(8, std::string("\x10\x11", 2));
  EXPECT_FALSE(SniffTensorflow(View(onnx)));
  std::string onnx_v1("\x08\x01\x12\x04onnx\x3a\x02\x12\x00", 12);  // ir_version 1
  EXPECT_FALSE(SniffTensorflow(View(onnx_v1)));
  // An ONNX GraphProto on its own: NodeProto{input, output, name, op_type}.
  std::string onnx_graph("\x0a\x0f\x0a\x01x\x12\x01y\x1a\x01n\x22\x04Relu", 17);
  EXPECT_FALSE(SniffTensorflow(View(onnx_graph)));
  EXPECT_FALSE(SniffTensorflow(View(std::string("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.", 14))));
  EXPECT_FALSE(SniffTensorflow(View(std::string("\n\nhello world, this is text\n"))));
  EXPECT_FALSE(SniffTensorflow(View(std::string("PK\x03\x04\x14\x00\x00\x00", 8))));
  EXPECT_FALSE(SniffTensorflow(View(std::string("\x08\x01", 2))));
  EXPECT_FALSE(SniffTensorflow(View(std::string("\x08\x01\x12\x00", 4))));
  std::vector<std::uint8_t> floats;
  std::uint32_t state = 12345;
  for (int i = 0; i < 4096; ++i) {
    state = state * 1103515245u + 12345u;
    floats.push_back(static_cast<std::uint8_t>(state >> 16));
  }
  for (std::size_t at = 0; at + 64 < floats.size(); at += 61) {
    EXPECT_FALSE(SniffTensorflow(ByteView(floats).subspan(at))) << at;
  }
}

TEST(TensorflowSniff, NoOtherFixtureIsClaimed) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(MODELGATE_SOURCE_DIR) / "tests/fixtures";
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::string p = e.path().string();
    bool tf = p.find("/formats/tensorflow/") != std::string::npos;
    std::ifstream in(e.path(), std::ios::binary);
    std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)), {});
    bool claimed = SniffTensorflow(ByteView(b)).has_value();
    if (!tf) {
      EXPECT_FALSE(claimed) << p;
      ++checked;
    } else if (e.path().extension() == ".pb") {
      EXPECT_TRUE(claimed) << p;
    }
  }
  EXPECT_GT(checked, 100);
}

// -------------------------------------------------------------------- reader



TEST(TensorflowReader, WalksMetaGraphsFunctionsAndObjectGraph) {
  pb::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  for (int i = 0; i < 2; ++i) {
    pb::MetaGraphDef* mg = sm.add_meta_graphs();
    mg->mutable_meta_info_def()->add_tags(i == 0 ? "serve" : "train");
    mg->mutable_meta_info_def()->set_tensorflow_version("2.12.0");
    *mg->mutable_graph_def() = SmallGraph();
    pb::FunctionDef* f = mg->mutable_graph_def()->mutable_library()->add_function();
    f->mutable_signature()->set_name("__inference_call_7");
    pb::NodeDef* n = f->add_node_def();
    n->set_name("r");
    n->set_op("Relu");
    mg->mutable_saver_def()->set_filename_tensor_name("saver_filename:0");
    mg->add_asset_file_def()->set_filename("vocab.txt");
    pb::SavedObject* obj = mg->mutable_object_graph_def()->add_nodes();
    obj->mutable_user_object()->set_identifier("_tf_keras_layer");
    obj->mutable_user_object()->set_metadata("{\"class_name\": \"Dense\"}");
  }
  std::string b = Serialize(sm);
  Result<TfFile> r = ReadTensorflow(View(b), Limits());
  ASSERT_TRUE(r.ok());
  const TfFile& f = r.value();
  EXPECT_EQ(f.kind, TfFileKind::kSavedModel);
  EXPECT_EQ(f.schema_version, 1);
  ASSERT_EQ(f.meta_graphs.size(), 2u);
  EXPECT_EQ(f.meta_graphs[1].tags, std::vector<std::string>{"train"});
  EXPECT_EQ(f.meta_graphs[0].saver_filename_tensor, "saver_filename:0");
  EXPECT_EQ(f.meta_graphs[0].asset_filenames, std::vector<std::string>{"vocab.txt"});
  ASSERT_EQ(f.graphs.size(), 4u);
  EXPECT_EQ(f.graphs[1].location, "meta_graphs[0].graph_def.library.function[__inference_call_7]");
  EXPECT_EQ(f.graphs[1].nodes.at(0).op, "Relu");
  EXPECT_EQ(f.functions_walked, 2u);
  EXPECT_EQ(f.nodes_walked, 2u * (3 + 1 + 1));  // nodes, function nodes, object graph nodes
  ASSERT_EQ(f.keras_metadata.size(), 2u);
  EXPECT_EQ(AsStringView(f.keras_metadata[0].json), "{\"class_name\": \"Dense\"}");
  EXPECT_TRUE(f.anomalies.empty());
}

TEST(TensorflowReader, LastNameWinsAndAttributesAreDecoded) {
  // Protobuf keeps the last occurrence of a singular field: so must we.
  pb::AttrValue v;
  v.mutable_list()->add_s("grpc://x:1");
  std::string node = Ld(1, "a") + Ld(2, "NoOp") + Ld(2, "ReadFile") + Ld(5, Ld(1, "debug_urls") + Ld(2, Serialize(v)));
  std::string graph = Ld(1, node);
  Result<TfFile> r = ReadTensorflow(View(graph), Limits());
  ASSERT_TRUE(r.ok());
  const TfNode& n = r.value().graphs.at(0).nodes.at(0);
  EXPECT_EQ(n.op, "ReadFile");
  const TfAttr* a = n.FindAttr("debug_urls");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->decoded);
  EXPECT_EQ(a->strings, std::vector<std::string>{"grpc://x:1"});
}

std::string DeepAttrGraph(int levels) {
  std::string value;
  for (int i = 0; i < levels; ++i) value = Ld(10, Ld(1, "f") + Ld(2, Ld(1, "a") + Ld(2, value)));
  return Ld(1, Ld(1, "deep") + Ld(2, "Identity") + Ld(5, Ld(1, "_a") + Ld(2, value)));
}

TEST(TensorflowReader, DeepAttributeNestingHitsTheRecursionLimit) {
  Result<TfFile> shallow = ReadTensorflow(View(DeepAttrGraph(20)), Limits());
  ASSERT_TRUE(shallow.ok());
  EXPECT_FALSE(shallow.value().Has(TfAnomalyKind::kRecursionLimit));
  Result<TfFile> deep = ReadTensorflow(View(DeepAttrGraph(5000)), Limits());
  ASSERT_TRUE(deep.ok());
  EXPECT_TRUE(deep.value().Has(TfAnomalyKind::kRecursionLimit));
  EXPECT_TRUE(Analyze(DeepAttrGraph(5000)).Has("TF-PROTO-LIMIT", Severity::kHigh));
}

TEST(TensorflowReader, NodeAndFunctionCountsAreBounded) {
  Limits l;
  l.max_tf_nodes = 10;
  l.max_tf_functions = 3;
  pb::GraphDef g = SmallGraph();
  for (int i = 0; i < 50; ++i) AddNode(&g, "n" + std::to_string(i), "Relu");
  for (int i = 0; i < 20; ++i) g.mutable_library()->add_function()->mutable_signature()->set_name("f" + std::to_string(i));
  Result<TfFile> r = ReadTensorflow(View(Serialize(g)), l);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().nodes_walked, 10u);
  EXPECT_EQ(r.value().functions_walked, 3u);
  EXPECT_TRUE(r.value().Has(TfAnomalyKind::kNodeLimit));
  EXPECT_TRUE(r.value().Has(TfAnomalyKind::kFunctionLimit));
  EXPECT_TRUE(Analyze(Serialize(g), l).Has("TF-LIMIT", Severity::kHigh));
}

TEST(TensorflowReader, TruncatedMalformedAndOversizedFilesAreAnomalies) {
  std::string b = Serialize(SmallGraph());
  Result<TfFile> t = ReadTensorflow(View(b.substr(0, b.size() - 3)), Limits());
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t.value().Has(TfAnomalyKind::kTruncated));
  EXPECT_TRUE(Analyze(b.substr(0, b.size() - 3)).Has("TF-TRUNCATED", Severity::kMedium));

  std::string bad = b + std::string("\x0f", 1);  // wire type 7
  Result<TfFile> m = ReadTensorflow(View(bad), Limits());
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m.value().Has(TfAnomalyKind::kMalformed));

  Limits small;
  small.max_protobuf_bytes = 16;
  Result<TfFile> big = ReadTensorflow(View(b), small);
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big.value().Has(TfAnomalyKind::kTooLarge));

  EXPECT_FALSE(ReadTensorflow(View(std::string("not a protobuf")), Limits()).ok());
}

// ------------------------------------------------------------------ analyzer

TEST(TensorflowAnalyzer, WriteFileSeverityDependsOnALiteralPath) {
  pb::GraphDef g;
  SetStringConst(AddNode(&g, "p", "Const"), "/home/user/.bashrc");
  AddNode(&g, "p2", "Identity", {"p"});
  SetStringConst(AddNode(&g, "c", "Const"), "true");
  AddNode(&g, "w", "WriteFile", {"p2", "c"});
  Scan s = Analyze(Serialize(g));
  EXPECT_EQ(s.Max("TF-FILE-WRITE-OP"), Severity::kCritical);

  pb::GraphDef fed;
  AddNode(&fed, "p", "Placeholder");
  AddNode(&fed, "c", "Placeholder");
  AddNode(&fed, "w", "WriteFile", {"p:0", "c"});
  EXPECT_EQ(Analyze(Serialize(fed)).Max("TF-FILE-WRITE-OP"), Severity::kHigh);
}

TEST(TensorflowAnalyzer, SaverFedByPlaceholderIsCleanButALiteralPathIsNot) {
  pb::GraphDef g;
  AddNode(&g, "saver_filename", "Placeholder");
  AddNode(&g, "names", "Const");
  AddNode(&g, "SaveV2", "SaveV2", {"saver_filename", "names", "names"});
  AddNode(&g, "RestoreV2", "RestoreV2", {"saver_filename", "names", "names"});
  Scan clean = Analyze(Serialize(g));
  EXPECT_FALSE(clean.Has("TF-CHECKPOINT-LITERAL-PATH"));
  for (const Finding& f : clean.findings) EXPECT_LT(f.severity, Severity::kMedium) << f.id;

  pb::GraphDef bad;
  SetStringConst(AddNode(&bad, "prefix", "Const"), "/tmp/x");
  AddNode(&bad, "SaveV2", "SaveV2", {"prefix:0", "prefix", "prefix"});
  AddNode(&bad, "RestoreV2", "RestoreV2", {"prefix", "prefix", "prefix"});
  Scan s = Analyze(Serialize(bad));
  EXPECT_EQ(s.Max("TF-CHECKPOINT-LITERAL-PATH"), Severity::kCritical);
}

TEST(TensorflowAnalyzer, FlagsDangerousOpsInsideFunctions) {
  pb::GraphDef g = SmallGraph();
  pb::FunctionDef* f = g.mutable_library()->add_function();
  f->mutable_signature()->set_name("__inference_f_9");
  pb::NodeDef* c = f->add_node_def();
  c->set_name("path");
  c->set_op("Const");
  SetStringConst(c, "/etc/passwd");
  pb::NodeDef* r = f->add_node_def();
  r->set_name("ReadFile");
  r->set_op("ReadFile");
  r->add_input("path:output:0");
  pb::NodeDef* py = f->add_node_def();
  py->set_name("py");
  py->set_op("EagerPyFunc");
  // A call of a library function by name is not a custom op.
  AddNode(&g, "call", "__inference_f_9", {"x"});
  Scan s = Analyze(Serialize(g));
  EXPECT_TRUE(s.Has("TF-FILE-READ-OP", Severity::kHigh));
  EXPECT_TRUE(s.Has("TF-PYTHON-OP", Severity::kHigh));
  EXPECT_FALSE(s.Has("TF-CUSTOM-OP"));
}

TEST(TensorflowAnalyzer, DebugPrintNetworkAndCustomOps) {
  pb::GraphDef g;
  pb::NodeDef* d = AddNode(&g, "d", "DebugIdentityV2", {"x"});
  (*d->mutable_attr())["dump_root"].set_s("/tmp/dumps");
  pb::NodeDef* quiet = AddNode(&g, "q", "DebugIdentity", {"x"});
  (void)quiet;  // no URLs: nothing leaves the process
  pb::NodeDef* p = AddNode(&g, "p", "PrintV2", {"x"});
  (*p->mutable_attr())["output_stream"].set_s("file:///tmp/log");
  pb::NodeDef* p2 = AddNode(&g, "p2", "PrintV2", {"x"});
  (*p2->mutable_attr())["output_stream"].set_s("stderr");
  pb::NodeDef* send = AddNode(&g, "s", "_Send", {"x"});
  (*send->mutable_attr())["recv_device"].set_s("/job:evil/replica:0/task:0/device:CPU:0");
  pb::NodeDef* local = AddNode(&g, "s2", "_Send", {"x"});
  (*local->mutable_attr())["recv_device"].set_s("/job:localhost/replica:0/task:0/device:CPU:0");
  AddNode(&g, "c", "ZeroOut", {"x"});
  AddNode(&g, "r", "RpcClient", {"x"});
  Scan s = Analyze(Serialize(g));
  EXPECT_EQ(s.Max("TF-DEBUG-URL"), Severity::kCritical);
  EXPECT_EQ(s.Max("TF-PRINT-TO-FILE"), Severity::kCritical);
  int prints = 0, sends = 0;
  for (const Finding& f : s.findings) {
    prints += f.id == "TF-PRINT-TO-FILE";
    sends += f.id == "TF-NETWORK-OP" && f.title.find("remote task") != std::string::npos;
  }
  EXPECT_EQ(prints, 1);
  EXPECT_EQ(sends, 1);
  EXPECT_TRUE(s.Has("TF-NETWORK-OP", Severity::kHigh));
  EXPECT_EQ(s.Max("TF-CUSTOM-OP"), Severity::kMedium);
}

TEST(TensorflowAnalyzer, QueuesAGraphSerializedInsideAConstant) {
  pb::GraphDef inner;
  SetStringConst(AddNode(&inner, "p", "Const"), "/home/user/.bashrc");
  AddNode(&inner, "w", "WriteFile", {"p", "p"});
  pb::GraphDef outer;
  SetStringConst(AddNode(&outer, "graph_def", "Const"), Serialize(inner));
  AddNode(&outer, "ds", "DatasetFromGraph", {"graph_def"});
  const std::string bytes = Serialize(outer);
  Scan s = Analyze(bytes);
  EXPECT_EQ(s.Max("TF-EMBEDDED-GRAPH"), Severity::kMedium);
  ASSERT_EQ(s.children.size(), 1u);
  EXPECT_EQ(s.children[0].member, "graph_def/graph_def:value");
  EXPECT_EQ(AsStringView(s.children[0].bytes), Serialize(inner));
  EXPECT_EQ(DetectContentType(s.children[0].bytes, Probe::kMember), ContentType::kTensorflow);

  // Too large to decode: the graph it holds was not examined.
  Limits small;
  small.max_tf_attr_bytes = 16;
  EXPECT_EQ(Analyze(bytes, small).Max("TF-EMBEDDED-GRAPH"), Severity::kHigh);
}

TEST(TensorflowAnalyzer, DecodeProtoReadsAFileOnlyWhenItsDescriptorSourceIsOne) {
  pb::GraphDef g;
  pb::NodeDef* local = AddNode(&g, "d", "DecodeProtoV2", {"x"});
  (*local->mutable_attr())["descriptor_source"].set_s("local://");
  EXPECT_FALSE(Analyze(Serialize(g)).Has("TF-FILE-READ-OP"));
  pb::NodeDef* file = AddNode(&g, "d2", "DecodeProtoV2", {"x"});
  (*file->mutable_attr())["descriptor_source"].set_s("/etc/descriptor.bin");
  EXPECT_EQ(Analyze(Serialize(g)).Max("TF-FILE-READ-OP"), Severity::kHigh);
}

TEST(TensorflowAnalyzer, QueuesKerasMetadataAsKerasConfig) {
  pb::SavedMetadata md;
  for (int i = 0; i < 2; ++i) {
    pb::KerasSavedObject* o = md.add_nodes();
    o->set_node_id(i);
    o->set_node_path(i == 0 ? "root" : "root.layer-0");
    o->set_identifier(i == 0 ? "_tf_keras_model" : "_tf_keras_layer");
    o->set_metadata("{\"class_name\": \"Lambda\", \"n\": " + std::to_string(i) + "}");
  }
  const std::string bytes = Serialize(md);  // children borrow from it
  Scan s = Analyze(bytes);
  ASSERT_EQ(s.children.size(), 2u);
  EXPECT_EQ(s.children[1].role, "keras-config");
  EXPECT_EQ(s.children[1].member, "root.layer-0:metadata");
  EXPECT_EQ(AsStringView(s.children[1].bytes), "{\"class_name\": \"Lambda\", \"n\": 1}");
  EXPECT_TRUE(s.Has("TF-GRAPH-SUMMARY"));
}

TEST(TensorflowAnalyzer, AssetPathsOutsideTheModelAreHigh) {
  pb::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  pb::MetaGraphDef* mg = sm.add_meta_graphs();
  *mg->mutable_graph_def() = SmallGraph();
  mg->add_asset_file_def()->set_filename("vocab.txt");
  EXPECT_FALSE(Analyze(Serialize(sm)).Has("TF-ASSET-PATH"));
  mg->add_asset_file_def()->set_filename("/etc/passwd");
  EXPECT_TRUE(Analyze(Serialize(sm)).Has("TF-ASSET-PATH", Severity::kHigh));
}

TEST(TensorflowOps, KnowsStockOpsOnly) {
  EXPECT_TRUE(IsRegisteredTfOp("MatMul"));
  EXPECT_TRUE(IsRegisteredTfOp("StatefulPartitionedCall"));
  EXPECT_TRUE(IsRegisteredTfOp("VarHandleOp"));
  EXPECT_FALSE(IsRegisteredTfOp("ZeroOut"));
  EXPECT_FALSE(IsRegisteredTfOp(""));
  EXPECT_FALSE(IsRegisteredTfOp("# TensorFlow"));
}

}  // namespace
}  // namespace modelgate
