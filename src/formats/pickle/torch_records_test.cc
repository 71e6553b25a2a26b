// Tests for ExtractTorchTensors on hand-assembled pickles: each test states
// the bytes and the tensor metadata they describe.
#include "formats/pickle/torch_records.h"

#include <gtest/gtest.h>

#include <string>

#include "formats/pickle/opcodes.h"
#include "formats/pickle/pickle_builder_for_test.h"

namespace modelgate::pickle {
namespace {

// Pushes ('storage', torch.<type>, key, 'cpu', numel) as a persistent id.
void Storage(PickleBuilder& b, std::string_view type, std::string_view key, std::uint8_t numel) {
  b.Mark().Sbu("storage").Global("torch", type).Sbu(key).Sbu("cpu").Int1(numel).Op(kTuple).Op(kBinPersId);
}

// Pushes _rebuild_tensor_v2(storage, offset, (rows, cols), (cols, 1), False, OrderedDict()).
void Tensor(PickleBuilder& b, std::string_view key, std::uint8_t offset, std::uint8_t rows, std::uint8_t cols) {
  b.Global("torch._utils", "_rebuild_tensor_v2").Mark();
  Storage(b, "FloatStorage", key, static_cast<std::uint8_t>(offset + rows * cols));
  b.Int1(offset).Int1(rows).Int1(cols).Op(kTuple2).Int1(cols).Int1(1).Op(kTuple2).Op(kNewFalse);
  b.Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).Op(kTuple).Op(kReduce);
}

// {name: <rows x cols tensor at `offset` of storage `key`>}.
PickleBuilder OneTensorDict(std::string_view name, std::string_view key, std::uint8_t offset, std::uint8_t rows,
                            std::uint8_t cols) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyDict).Sbu(name);
  Tensor(b, key, offset, rows, cols);
  b.Op(kSetItem).Stop();
  return b;
}

// {'t0': <1x1 tensor on storage '0'>, 't1': ..., ...} in one SETITEMS.
PickleBuilder DictOfTensors(int n) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyDict).Mark();
  for (int i = 0; i < n; ++i) {
    b.Sbu("t" + std::to_string(i));
    Tensor(b, std::to_string(i), 0, 1, 1);
  }
  b.Op(kSetItems).Stop();
  return b;
}

TEST(TorchRecords, PlainDictOfOneTensor) {
  PickleBuilder b = OneTensorDict("layer.weight", "7", 2, 3, 4);
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_TRUE(c.trace.stopped);
  ASSERT_EQ(c.tensors.size(), 1u);
  const TorchTensorRecord& t = c.tensors[0];
  EXPECT_EQ(t.name, "layer.weight");
  EXPECT_EQ(t.storage_type, "torch.FloatStorage");
  EXPECT_EQ(t.storage_key, "7");
  EXPECT_EQ(t.storage_numel, 14);
  EXPECT_EQ(t.storage_offset, 2);
  EXPECT_EQ(t.size, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(t.stride, (std::vector<std::int64_t>{4, 1}));
  EXPECT_TRUE(t.problem.empty()) << t.problem;
  EXPECT_TRUE(c.problems.empty());
}

TEST(TorchRecords, OrderedDictNestedInDictWithIntKeysAndParameters) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyDict).Sbu("model");
  b.Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).Mark();
  b.Sbu("w");
  b.Global("torch._utils", "_rebuild_parameter").Mark();
  Tensor(b, "0", 0, 1, 2);
  b.Op(kNewTrue).Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce).Op(kTuple).Op(kReduce);
  b.Op(kSetItems).Op(kSetItem);
  b.Sbu("state").Op(kEmptyDict).Int1(3);
  Tensor(b, "1", 0, 2, 1);
  b.Op(kSetItem).Op(kSetItem).Stop();
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_EQ(c.tensors.size(), 2u);
  EXPECT_EQ(c.tensors[0].name, "model.w");
  EXPECT_EQ(c.tensors[1].name, "state.3");
}

TEST(TorchRecords, MoreTensorsThanTheScannerKeepsPerContainer) {
  PickleBuilder b = DictOfTensors(150);
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_EQ(c.tensors.size(), 150u);
  EXPECT_EQ(c.tensors[149].name, "t149");
  EXPECT_EQ(c.tensors[149].storage_key, "149");
}

TEST(TorchRecords, ModuleStateLevelsAreLeftOutOfNames) {
  // Linear.__new__ + BUILD({'_parameters': OrderedDict(weight=...), 'training': True})
  PickleBuilder b;
  b.Proto(2).Global("torch.nn.modules.linear", "Linear").Op(kEmptyTuple).Op(kNewObj);
  b.Op(kEmptyDict).Sbu("_parameters").Global("collections", "OrderedDict").Op(kEmptyTuple).Op(kReduce);
  b.Sbu("weight");
  Tensor(b, "0", 0, 2, 2);
  b.Op(kSetItem).Op(kSetItem).Sbu("training").Op(kNewTrue).Op(kSetItem).Op(kBuild).Stop();
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_EQ(c.tensors.size(), 1u);
  EXPECT_EQ(c.tensors[0].name, "weight");
}

TEST(TorchRecords, UnknownRebuildFunctionIsAProblem) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyDict).Sbu("q").Global("torch._utils", "_rebuild_qtensor").Op(kEmptyTuple).Op(kReduce);
  b.Op(kSetItem).Stop();
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_EQ(c.tensors.size(), 1u);
  EXPECT_EQ(c.tensors[0].name, "q");
  EXPECT_NE(c.tensors[0].problem.find("_rebuild_qtensor"), std::string::npos);
}

TEST(TorchRecords, PersistentIdOfAnotherShapeIsAProblem) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyDict).Sbu("w").Global("torch._utils", "_rebuild_tensor_v2").Mark();
  b.Sbu("blob").Sbu("0").Op(kTuple2).Op(kBinPersId);
  b.Int1(0).Int1(1).Op(kTuple1).Int1(1).Op(kTuple1).Op(kNewFalse).None().Op(kTuple).Op(kReduce);
  b.Op(kSetItem).Stop();
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_EQ(c.tensors.size(), 1u);
  EXPECT_NE(c.tensors[0].problem.find("persistent id"), std::string::npos);
}

TEST(TorchRecords, TruncatedPickleIsAProblemAndKeepsWhatWasRead) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyDict).Sbu("w");
  Tensor(b, "0", 0, 1, 1);
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  EXPECT_FALSE(c.trace.stopped);
  ASSERT_FALSE(c.problems.empty());
  ASSERT_EQ(c.tensors.size(), 1u);  // rebuilt, but the dict never received it
  EXPECT_FALSE(c.tensors[0].problem.empty());
}

TEST(TorchRecords, DeepNestingIsCutWithoutRecursion) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyDict);
  for (int i = 0; i < 5000; ++i) b.Sbu("k").Op(kEmptyDict);
  Tensor(b.Sbu("w"), "0", 0, 1, 1);
  b.Op(kSetItem);
  for (int i = 0; i < 5000; ++i) b.Op(kSetItem);
  b.Stop();
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_TRUE(c.trace.stopped);
  ASSERT_EQ(c.tensors.size(), 1u);
  EXPECT_FALSE(c.problems.empty());
  EXPECT_FALSE(c.tensors[0].problem.empty());
}

TEST(TorchRecords, StorageKeyListIsReadInFull) {
  PickleBuilder b;
  b.Proto(2).Op(kEmptyList).Mark();
  for (int i = 0; i < 100; ++i) b.Sbu(std::to_string(1000 + i));
  b.Op(kAppends).Stop();
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  ASSERT_EQ(c.root_strings.size(), 100u);
  EXPECT_EQ(c.root_strings[99], "1099");
}

TEST(TorchRecords, StorageRecordLimitIsReported) {
  PickleBuilder b = DictOfTensors(5);
  Limits limits;
  limits.max_torch_storages = 3;
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, limits);
  ASSERT_FALSE(c.problems.empty());
  EXPECT_EQ(c.tensors.size(), 5u);
  EXPECT_FALSE(c.tensors[4].problem.empty());
}

TEST(TorchRecords, OrdinaryScanIsUnchanged) {
  PickleBuilder b = OneTensorDict("w", "0", 0, 1, 1);
  StreamTrace plain = RunStream(b.view(), 0, Limits{});
  TorchPickleContents c = ExtractTorchTensors(b.view(), 0, Limits{});
  EXPECT_EQ(plain.calls.size(), c.trace.calls.size());
  EXPECT_EQ(plain.persistent_ids, 1u);
  EXPECT_EQ(plain.end, c.trace.end);
}

TEST(TorchRecords, ElementSizes) {
  EXPECT_EQ(TorchStorageElementSize("torch.HalfStorage"), 2u);
  EXPECT_EQ(TorchStorageElementSize("torch.LongStorage"), 8u);
  EXPECT_EQ(TorchStorageElementSize("torch.BoolStorage"), 1u);
  EXPECT_EQ(TorchStorageElementSize("torch.ComplexFloatStorage"), 0u);
}

}  // namespace
}  // namespace modelgate::pickle
