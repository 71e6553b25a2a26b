#include "formats/onnx/onnx.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "formats/routing/content_type.h"
#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

onnx::ModelProto BaseModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("test");
  m.set_producer_version("1.0");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(17);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("main");
  onnx::NodeProto* n = g->add_node();
  n->set_op_type("Add");
  n->add_input("x");
  n->add_input("y");
  n->add_output("z");
  return m;
}

std::string Bytes(const onnx::ModelProto& m) {
  std::string s;
  EXPECT_TRUE(m.SerializeToString(&s));
  return s;
}

OnnxModel Read(const std::string& s, const Limits& limits = Limits()) {
  Result<OnnxModel> r = ReadOnnx(AsBytes(s), limits);
  EXPECT_TRUE(r.ok());
  return r.ok() ? r.value() : OnnxModel();
}

std::vector<Finding> Analyze(const std::string& s) {
  Limits limits;
  ScanContext ctx("", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = AsBytes(s);
  blob.member = "model.onnx";  // not a file on disk: no path resolution
  AnalyzeOnnx(blob, ctx);
  return ctx.TakeFindings();
}

const Finding* FindId(const std::vector<Finding>& fs, const std::string& id) {
  for (const Finding& f : fs) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

// Wraps `body` in `levels` nested If nodes (then_branch).
onnx::ModelProto Nested(int levels) {
  onnx::ModelProto m = BaseModel();
  onnx::GraphProto* g = m.mutable_graph();
  for (int i = 0; i < levels; ++i) {
    onnx::NodeProto* n = g->add_node();
    n->set_op_type("If");
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name("then_branch");
    a->set_type(onnx::AttributeProto_AttributeType_GRAPH);
    g = a->mutable_g();
    g->add_node()->set_op_type("Identity");
  }
  return m;
}

TEST(Onnx, ReadsABasicModel) {
  OnnxModel m = Read(Bytes(BaseModel()));
  ASSERT_TRUE(m.parsed);
  EXPECT_EQ(m.ir_version, 8);
  EXPECT_EQ(m.producer_name, "test");
  ASSERT_EQ(m.opsets.size(), 1u);
  EXPECT_EQ(m.opsets[0].version, 17);
  ASSERT_EQ(m.ops.size(), 1u);
  EXPECT_EQ(m.ops[0].op_type, "Add");
  EXPECT_EQ(m.nodes, 1u);
  EXPECT_TRUE(m.anomalies.empty());
  auto fs = Analyze(Bytes(BaseModel()));
  ASSERT_NE(FindId(fs, "ONNX-MODEL-INFO"), nullptr);
  for (const Finding& f : fs) EXPECT_LT(f.severity, Severity::kLow) << f.id;
}

TEST(Onnx, WalksSubgraphsAndFunctions) {
  onnx::ModelProto m = Nested(3);
  onnx::FunctionProto* f = m.add_functions();
  f->set_name("MyFn");
  f->set_domain("local");
  f->add_node()->set_op_type("Relu");
  onnx::NodeProto* call = m.mutable_graph()->add_node();
  call->set_op_type("MyFn");
  call->set_domain("local");
  OnnxModel r = Read(Bytes(m));
  EXPECT_EQ(r.graphs, 4u);
  EXPECT_EQ(r.max_graph_depth, 3u);
  EXPECT_EQ(r.nodes, 1u + 3 + 3 + 1 + 1);
  bool found = false;
  for (const OnnxOpUse& u : r.ops) found |= u.op_type == "MyFn" && u.local_function;
  EXPECT_TRUE(found);
  auto fs = Analyze(Bytes(m));
  EXPECT_EQ(FindId(fs, "ONNX-CUSTOM-OP"), nullptr);
}

TEST(Onnx, DepthAndNodeLimits) {
  OnnxModel bomb = Read(Bytes(Nested(60)));
  EXPECT_TRUE(bomb.Has(OnnxAnomalyKind::kNestingTooDeep));
  EXPECT_FALSE(bomb.parsed);
  Limits l;
  l.max_onnx_graph_depth = 2;
  OnnxModel deep = Read(Bytes(Nested(5)), l);
  EXPECT_TRUE(deep.Has(OnnxAnomalyKind::kGraphTooDeep));
  l.max_onnx_nodes = 3;
  EXPECT_TRUE(Read(Bytes(Nested(5)), l).Has(OnnxAnomalyKind::kTooManyNodes));
  auto fs = Analyze(Bytes(Nested(60)));
  ASSERT_NE(FindId(fs, "ONNX-GRAPH-TOO-DEEP"), nullptr);
  EXPECT_EQ(FindId(fs, "ONNX-GRAPH-TOO-DEEP")->severity, Severity::kHigh);
}

TEST(Onnx, TruncatedModelIsAParseError) {
  std::string s = Bytes(Nested(2));
  OnnxModel r = Read(s.substr(0, s.size() - 5));
  EXPECT_FALSE(r.parsed);
  EXPECT_TRUE(r.Has(OnnxAnomalyKind::kParseError));
  auto fs = Analyze(s.substr(0, s.size() - 5));
  ASSERT_NE(FindId(fs, "ONNX-PARSE-ERROR"), nullptr);
}

void AddExternal(onnx::ModelProto* m, const std::string& location, const std::string& offset = "0") {
  onnx::TensorProto* t = m->mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  t->set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value(location);
  e = t->add_external_data();
  e->set_key("offset");
  e->set_value(offset);
}

TEST(Onnx, ExternalDataPaths) {
  for (const char* bad : {"../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "a/../../b", "..\\x.bin"}) {
    onnx::ModelProto m = BaseModel();
    AddExternal(&m, bad);
    OnnxModel r = Read(Bytes(m));
    ASSERT_EQ(r.external.size(), 1u);
    EXPECT_EQ(r.external[0].location, bad);
    auto fs = Analyze(Bytes(m));
    const Finding* f = FindId(fs, "ONNX-EXTERNAL-DATA-PATH-TRAVERSAL");
    ASSERT_NE(f, nullptr) << bad;
    EXPECT_EQ(f->severity, Severity::kCritical);
  }
  onnx::ModelProto ok = BaseModel();
  AddExternal(&ok, "weights.bin", "4096");
  auto fs = Analyze(Bytes(ok));
  EXPECT_NE(FindId(fs, "ONNX-EXTERNAL-DATA"), nullptr);
  for (const Finding& f : fs) EXPECT_LT(f.severity, Severity::kLow) << f.id;
  onnx::ModelProto neg = BaseModel();
  AddExternal(&neg, "weights.bin", "-5");
  EXPECT_NE(FindId(Analyze(Bytes(neg)), "ONNX-EXTERNAL-DATA-BAD-RANGE"), nullptr);
  onnx::ModelProto odd = BaseModel();
  AddExternal(&odd, "sub\\w.bin");
  EXPECT_NE(FindId(Analyze(Bytes(odd)), "ONNX-EXTERNAL-DATA-ODD-PATH"), nullptr);
}

TEST(Onnx, OperatorDomains) {
  onnx::ModelProto m = BaseModel();
  auto add = [&](const char* domain, const char* op) {
    onnx::NodeProto* n = m.mutable_graph()->add_node();
    n->set_domain(domain);
    n->set_op_type(op);
    return n;
  };
  add("com.microsoft", "FusedMatMul");
  add("evil.ops", "Backdoor");
  add("", "NotAnOnnxOp");
  add("ai.onnx.ml", "TreeEnsembleClassifier");
  onnx::NodeProto* py = add("", "PyOp");
  for (auto [k, v] : {std::pair{"module", "os"}, std::pair{"class_name", "X"}, std::pair{"compute", "system"}}) {
    onnx::AttributeProto* a = py->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto_AttributeType_STRING);
    a->set_s(v);
  }
  auto fs = Analyze(Bytes(m));
  ASSERT_NE(FindId(fs, "ONNX-CONTRIB-OP"), nullptr);
  EXPECT_EQ(FindId(fs, "ONNX-CONTRIB-OP")->severity, Severity::kLow);
  ASSERT_NE(FindId(fs, "ONNX-CUSTOM-OP"), nullptr);
  EXPECT_EQ(FindId(fs, "ONNX-CUSTOM-OP")->severity, Severity::kMedium);
  ASSERT_NE(FindId(fs, "ONNX-UNKNOWN-OP"), nullptr);
  EXPECT_NE(FindId(fs, "ONNX-UNKNOWN-OP")->detail.find("NotAnOnnxOp"), std::string::npos);
  ASSERT_NE(FindId(fs, "ONNX-PYOP"), nullptr);
  EXPECT_EQ(FindId(fs, "ONNX-PYOP")->severity, Severity::kHigh);
  int unknown = 0;
  for (const Finding& f : fs) unknown += f.id == "ONNX-UNKNOWN-OP";
  EXPECT_EQ(unknown, 1);  // TreeEnsembleClassifier and PyOp are not "unknown"
}

TEST(Onnx, VersionRanges) {
  onnx::ModelProto m = BaseModel();
  m.set_ir_version(99);
  m.mutable_opset_import(0)->set_version(900);
  auto fs = Analyze(Bytes(m));
  int n = 0;
  for (const Finding& f : fs) n += f.id == "ONNX-VERSION-RANGE";
  EXPECT_EQ(n, 2);
}

TEST(OnnxRouting, DetectsModelsAndNothingElse) {
  std::string model = Bytes(Nested(1));
  EXPECT_EQ(DetectContentType(AsBytes(model)), ContentType::kOnnx);
  EXPECT_EQ(DetectContentType(AsBytes(model), Probe::kMember), ContentType::kOnnx);
  // A truncated model still routes to the ONNX analyzer.
  EXPECT_EQ(DetectContentType(AsBytes(model.substr(0, 30)), Probe::kMember), ContentType::kOnnx);
  // SavedModel: field 1 varint, then a binary MetaGraphDef in field 2.
  std::string saved_model("\x08\x01\x12\x06\x0a\x04\x0a\x02\x08\x01", 10);
  EXPECT_NE(DetectContentType(AsBytes(saved_model), Probe::kMember), ContentType::kOnnx);
  std::string pickle("\x80\x02K\x01.", 5);
  EXPECT_EQ(DetectContentType(AsBytes(pickle), Probe::kMember), ContentType::kPickle);
  EXPECT_NE(DetectContentType(AsBytes(std::string("hello world\n"))), ContentType::kOnnx);
  std::string floats("\x08\x05\x07\x3f\x00\x00\x80\x3f\x00\x00\x00\x40", 12);
  EXPECT_NE(DetectContentType(AsBytes(floats), Probe::kMember), ContentType::kOnnx);
  std::string zip("PK\x03\x04\x14\x00", 6);
  EXPECT_EQ(DetectContentType(AsBytes(zip)), ContentType::kZip);
}

}  // namespace
}  // namespace modelgate
