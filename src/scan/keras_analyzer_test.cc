// Tests for the Keras config walker (AnalyzeKerasConfig) on JSON built here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "modelgate/policy.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

struct Outcome {
  std::vector<Finding> findings;
  std::vector<Blob> children;
  bool Has(const std::string& id, Severity min = Severity::kInfo) const {
    for (const Finding& f : findings) {
      if (f.id == id && f.severity >= min) return true;
    }
    return false;
  }
  const Finding* Get(const std::string& id) const {
    for (const Finding& f : findings) {
      if (f.id == id) return &f;
    }
    return nullptr;
  }
};

Outcome Scan(const std::string& json, Limits limits = Limits()) {
  ScanContext ctx("t", limits, Policy::Builtin());
  Blob blob;
  blob.bytes = AsBytes(json);
  blob.role = "keras-config";
  AnalyzeKerasConfig(blob, ctx);
  Outcome o;
  while (ctx.HasPending()) o.children.push_back(ctx.PopPending());
  o.findings = ctx.TakeFindings();
  return o;
}

// base64 of marshal.dumps((lambda x: __import__('os').system('true')).__code__), Python 3.11.
const char kOsSystemLambda[] =
    "4wEAAAAAAAAAAAAAAAMAAAADAAAA80YAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACg\\n"
    "AQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAFMAKQNO2gJvc9oEdHJ1ZSkC2gpf\\n"
    "X2ltcG9ydF9f2gZzeXN0ZW0pAdoBeHMBAAAAIPoJPHBheWxvYWQ++gg8bGFtYmRhPnIIAAAAAQAA\\n"
    "AHMcAAAAgACNKpBU0Qoa1Aoa1woh0gohoCbRCinUCimAAPMAAAAA\\n";
// base64 of marshal.dumps((lambda x: x * 2 + 1).__code__), Python 3.11.
const char kBenignLambda[] =
    "4wEAAAAAAAAAAAAAAAIAAAADAAAA8xIAAACXAHwAZAF6BQAAZAJ6AAAAUwApA07pAgAAAOkBAAAAqQAp"
    "AdoBeHMBAAAAIPoHPHN0ZGluPvoIPGxhbWJkYT5yBwAAAAEAAABzDgAAAIAAiCGIYYklkCGJKYAA8wAAAAA=";

TEST(KerasConfig, BenignSequentialIsClean) {
  Outcome o = Scan(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"module": "keras.layers", "class_name": "Dense", "config": {"units": 4, "activation": "relu",
       "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {},
       "registered_name": null}}, "registered_name": null}]}})");
  for (const Finding& f : o.findings) EXPECT_LT(f.severity, Severity::kMedium) << f.id << " " << f.detail;
}

TEST(KerasConfig, Keras2LambdaWithOsSystemIsCritical) {
  Outcome o = Scan(std::string(R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda",
      "config": {"name": "l", "function": [")") + kOsSystemLambda + R"(", null, null],
      "function_type": "lambda", "module": "__main__"}}]}})");
  ASSERT_TRUE(o.Has("KERAS-LAMBDA-DANGEROUS", Severity::kCritical));
  const Finding* f = o.Get("KERAS-LAMBDA-DANGEROUS");
  bool named = false;
  for (const auto& [k, v] : f->evidence) named |= k == "dangerous" && v.find("system") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(KerasConfig, BenignLambdaIsHighNotCritical) {
  Outcome o = Scan(std::string(R"({"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__",
      "config": {"code": ")") + kBenignLambda + R"(", "defaults": null, "closure": null}}}})");
  EXPECT_TRUE(o.Has("KERAS-LAMBDA", Severity::kHigh));
  EXPECT_FALSE(o.Has("KERAS-LAMBDA-DANGEROUS"));
}

TEST(KerasConfig, Keras3LambdaValueFormAndNestedModels) {
  // __lambda__ with {"value": [code, defaults, closure]} inside a
  // TimeDistributed inside a nested Functional.
  Outcome o = Scan(std::string(R"({"class_name": "Functional", "config": {"layers": [{"class_name": "Sequential",
      "config": {"layers": [{"class_name": "TimeDistributed", "config": {"layer": {"class_name": "Lambda",
      "config": {"function": {"class_name": "__lambda__", "config": {"value": [")") +
                   kOsSystemLambda + R"(", null, null]}}}}}}]}}]}})");
  EXPECT_TRUE(o.Has("KERAS-LAMBDA-DANGEROUS", Severity::kCritical));
}

TEST(KerasConfig, UndecodableLambdaIsHigh) {
  Outcome o = Scan(R"({"class_name": "Lambda", "config": {"function": ["!!notbase64", null, null],
      "function_type": "lambda"}})");
  EXPECT_TRUE(o.Has("KERAS-LAMBDA", Severity::kHigh));
  Outcome o2 = Scan(R"({"class_name": "Lambda", "config": {"function": ["AAAAAAAAAAAA", null, null],
      "function_type": "lambda"}})");
  EXPECT_TRUE(o2.Has("KERAS-LAMBDA", Severity::kHigh));
}

TEST(KerasConfig, DangerousCallablesByModuleAndName) {
  for (const char* fn : {R"({"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization", "registered_name": "enable_unsafe_deserialization"})",
                         R"({"module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": null})",
                         R"({"module": "os", "class_name": "function", "config": "system", "registered_name": "system"})",
                         R"({"module": "builtins", "class_name": "function", "config": "exec", "registered_name": null})",
                         R"({"module": "subprocess", "class_name": "Popen", "config": {}, "registered_name": null})"}) {
    Outcome o = Scan(std::string(R"({"class_name": "Dense", "config": {"activation": )") + fn + "}}");
    EXPECT_TRUE(o.Has("KERAS-DANGEROUS-CALLABLE", Severity::kCritical)) << fn;
  }
  Outcome k2 = Scan(R"({"class_name": "Lambda", "config": {"function": "system", "function_type": "function",
      "module": "os"}})");
  EXPECT_TRUE(k2.Has("KERAS-DANGEROUS-CALLABLE", Severity::kCritical));
}

TEST(KerasConfig, ForeignModulesAndRegisteredNames) {
  Outcome f = Scan(R"({"module": "mypkg.acts", "class_name": "function", "config": "swish2", "registered_name": "swish2"})");
  EXPECT_TRUE(f.Has("KERAS-FOREIGN-FUNCTION", Severity::kHigh));
  Outcome rf = Scan(R"({"module": "mypkg.acts", "class_name": "function", "config": "swish2", "registered_name": "mypkg>swish2"})");
  EXPECT_FALSE(rf.Has("KERAS-FOREIGN-FUNCTION"));
  EXPECT_TRUE(rf.Has("KERAS-CUSTOM-OBJECT", Severity::kMedium));
  Outcome c = Scan(R"({"module": "mypkg.layers", "class_name": "MyLayer", "config": {}, "registered_name": "mypkg>MyLayer"})");
  EXPECT_TRUE(c.Has("KERAS-CUSTOM-OBJECT", Severity::kMedium));
  EXPECT_FALSE(c.Has("KERAS-REGISTERED-NAME-MISMATCH"));
  Outcome m = Scan(R"({"module": "keras.layers", "class_name": "Dense", "config": {}, "registered_name": "evil>Other"})");
  EXPECT_TRUE(m.Has("KERAS-REGISTERED-NAME-MISMATCH", Severity::kHigh));
  Outcome k = Scan(R"({"module": "keras.layers", "class_name": "Dense", "config": {}, "registered_name": "keras>Dense"})");
  EXPECT_FALSE(k.Has("KERAS-REGISTERED-NAME-MISMATCH"));
}

TEST(KerasConfig, SafeModeOffKey) {
  Outcome o = Scan(R"({"class_name": "Model", "config": {"safe_mode": false}})");
  EXPECT_TRUE(o.Has("KERAS-SAFE-MODE-OFF", Severity::kHigh));
}

TEST(KerasConfig, TorchModuleWrapperQueuesThePickle) {
  // base64 of \x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.
  Outcome o = Scan(R"({"module": "keras.layers", "class_name": "TorchModuleWrapper",
      "config": {"module": "gAJjb3MKc3lzdGVtClgEAAAAdHJ1ZYVSLg=="}, "registered_name": "TorchModuleWrapper"})");
  EXPECT_TRUE(o.Has("KERAS-TORCH-MODULE-WRAPPER", Severity::kHigh));
  ASSERT_EQ(o.children.size(), 1u);
  EXPECT_EQ(o.children[0].role, "nested-pickle");
  EXPECT_EQ(o.children[0].bytes.size(), 25u);
  EXPECT_EQ(o.children[0].bytes[0], 0x80);
}

TEST(KerasConfig, TorchModuleWrapperBytesObjectForm) {
  Outcome o = Scan(R"({"module": "keras.layers", "class_name": "TorchModuleWrapper",
      "config": {"module": {"class_name": "__bytes__", "config": {"value": "gAJjb3MKc3lzdGVtClgEAAAAdHJ1ZYVSLg=="}}}})");
  EXPECT_TRUE(o.Has("KERAS-TORCH-MODULE-WRAPPER", Severity::kHigh));
  ASSERT_EQ(o.children.size(), 1u);  // queued once, not again as an embedded payload
  EXPECT_EQ(o.children[0].role, "nested-pickle");
  EXPECT_FALSE(o.Has("KERAS-EMBEDDED-PAYLOAD"));
}

TEST(KerasConfig, OtherBase64PicklesAreQueued) {
  Outcome o = Scan(R"({"class_name": "Dense", "config": {"note": "gAJjb3MKc3lzdGVtClgEAAAAdHJ1ZYVSLg=="}})");
  EXPECT_TRUE(o.Has("KERAS-EMBEDDED-PAYLOAD", Severity::kMedium));
  ASSERT_EQ(o.children.size(), 1u);
}

TEST(KerasConfig, MetadataReportsVersion) {
  Outcome o = Scan(R"({"keras_version": "3.3.3", "date_saved": "2024-05-01@12:00:00"})");
  EXPECT_TRUE(o.Has("KERAS-VERSION"));
}

TEST(KerasConfig, TooDeepAndInvalidJson) {
  std::string deep(100000, '[');
  Outcome d = Scan(deep);
  EXPECT_TRUE(d.Has("KERAS-CONFIG-TOO-DEEP", Severity::kHigh));
  Outcome bad = Scan(R"({"class_name": "Dense", "config": {"x": NaN}})");
  EXPECT_TRUE(bad.Has("KERAS-CONFIG-INVALID", Severity::kHigh));
}

}  // namespace
}  // namespace modelgate
