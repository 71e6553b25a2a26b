// joblib's inline array data. joblib's NumpyUnpickler.load_build reads a
// NumpyArrayWrapper's array straight from the file after the BUILD that
// completes it (joblib/numpy_pickle.py, NumpyArrayWrapper.read_array): an
// optional alignment-padding byte and padding, then count x itemsize raw
// bytes, or for object dtypes a whole inline pickle. The machine computes the
// size from the wrapper's symbolic shape and dtype and skips exactly that.
#include <charconv>
#include <string>

#include "formats/pickle/machine_internal.h"

namespace modelgate::pickle::internal {

bool Machine::MaybeReadJoblibArray(const Val& inst) {
  if (!opts_.joblib_arrays || inst.kind != VK::kObject) return true;
  const ObjectRec& o = objects_[inst.ref];
  if (o.callee.kind != VK::kGlobal) return true;
  const GlobalRef& g = t_.globals[o.callee.ref];
  if (g.name != "NumpyArrayWrapper" ||
      (g.module != "joblib.numpy_pickle" && g.module != "sklearn.externals.joblib.numpy_pickle")) {
    return true;
  }
  if (o.state.kind != VK::kDict) {
    return Fail(ErrorKind::kBadArgument, "joblib NumpyArrayWrapper state is not a dict");
  }
  const Container& state = containers_[o.state.ref];
  const Val* shape = nullptr;
  const Val* dtype = nullptr;
  const Val* align = nullptr;
  for (std::size_t k = 0; k + 1 < state.items.size(); k += 2) {
    const Val& key = state.items[k];
    if (key.kind != VK::kStr) continue;
    std::string_view name = Text(key);
    if (name == "shape") shape = &state.items[k + 1];
    if (name == "dtype") dtype = &state.items[k + 1];
    if (name == "numpy_array_alignment_bytes") align = &state.items[k + 1];
  }
  if (shape == nullptr || dtype == nullptr || shape->kind != VK::kTuple || dtype->kind != VK::kObject) {
    return Fail(ErrorKind::kBadArgument, "joblib NumpyArrayWrapper without a readable shape and dtype");
  }
  std::uint64_t count = 1;
  if (static_cast<std::size_t>(shape->i) > kTupleKeep) {
    return Fail(ErrorKind::kBadArgument, "joblib array shape has too many dimensions");
  }
  for (std::int64_t k = 0; k < shape->i; ++k) {
    const Val& d = tuple_items_[shape->ref + static_cast<std::size_t>(k)];
    if (d.kind != VK::kInt || d.i < 0 || __builtin_mul_overflow(count, static_cast<std::uint64_t>(d.i), &count)) {
      return Fail(ErrorKind::kBadArgument, "joblib array shape is not a tuple of small non-negative ints");
    }
  }
  // dtype: numpy.dtype(typestr, False, True) with BUILD state
  // (version, endian, subdescr, names, fields, elsize, alignment, flags[, metadata]).
  const ObjectRec& d = objects_[dtype->ref];
  std::string_view typestr;
  if (d.args.kind == VK::kTuple && d.args.i >= 1 && tuple_items_[d.args.ref].kind == VK::kStr) {
    typestr = Text(tuple_items_[d.args.ref]);
  }
  std::int64_t elsize = -1, flags = 0;
  if (d.state.kind == VK::kTuple && d.state.i >= 8) {
    const Val& e = tuple_items_[d.state.ref + 5];
    const Val& f = tuple_items_[d.state.ref + 7];
    if (e.kind == VK::kInt) elsize = e.i;
    if (f.kind == VK::kInt) flags = f.i;
  }
  bool has_object = (flags & 1) != 0 || (!typestr.empty() && typestr[0] == 'O');
  std::uint64_t itemsize = 0;
  if (elsize > 0) {
    itemsize = static_cast<std::uint64_t>(elsize);
  } else if (typestr.size() >= 2) {
    std::size_t p = 0;
    while (p < typestr.size() && !(typestr[p] >= '0' && typestr[p] <= '9')) ++p;
    auto res = std::from_chars(typestr.data() + p, typestr.data() + typestr.size(), itemsize);
    if (res.ec != std::errc()) itemsize = 0;
  }
  // joblib commits the pickle frame before writing the array, so BUILD ends
  // its frame. Opcodes left in the frame after it would be read by the
  // unpickler from its frame buffer while joblib reads the array from the
  // file after the frame: two readers, two streams.
  if (in_frame_ && r_.pos() < frame_end_) {
    t_.frame_anomalies.push_back({op_off_, "opcodes follow a joblib array wrapper inside its FRAME (joblib reads the "
                                           "array after the frame, the unpickler reads those opcodes first)"});
  }
  in_frame_ = false;
  JoblibArray arr;
  arr.offset = r_.pos();
  arr.object_dtype = has_object;
  if (has_object) {
    // pickle.load(file_handle): a plain unpickler, so no joblib behaviour.
    MachineOptions inner = opts_;
    inner.joblib_arrays = false;
    StreamTrace sub = RunStream(data_, r_.pos(), limits_, inner);
    bool ok = sub.stopped;
    std::uint64_t end = sub.end;
    ErrorKind kind = sub.error;
    std::string msg = sub.error_message;
    t_.opcodes += sub.opcodes;
    arr.data_bytes = end - arr.offset;
    t_.inline_streams.push_back(std::move(sub));
    t_.joblib_arrays.push_back(arr);
    if (!ok) return Fail(kind, "joblib object array pickle: " + msg);
    (void)r_.Seek(end);
  } else {
    if (itemsize == 0) return Fail(ErrorKind::kBadArgument, "joblib array dtype size unknown");
    if (align != nullptr && align->kind != VK::kNone) {
      std::uint8_t pad;
      if (!r_.ReadU8(&pad) || !r_.Skip(pad)) return Fail(ErrorKind::kTruncated, "joblib array padding truncated");
    }
    std::uint64_t bytes;
    if (__builtin_mul_overflow(count, itemsize, &bytes) || !r_.Skip(bytes)) {
      return Fail(ErrorKind::kTruncated, "joblib array data (" + std::to_string(count) + " x " +
                                             std::to_string(itemsize) + " bytes) runs past the end");
    }
    arr.data_bytes = r_.pos() - arr.offset;
    t_.joblib_arrays.push_back(arr);
  }
  stack_.back() = Val{VK::kJoblibArray, 0, 0, 0};
  return true;
}

}  // namespace modelgate::pickle::internal
