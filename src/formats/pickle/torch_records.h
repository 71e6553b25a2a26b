// Tensor metadata of a PyTorch checkpoint, recovered from its pickle by the
// symbolic pickle machine (nothing is imported or executed).
//
// A torch.save pickle describes every tensor as a call
//   torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
//                                   requires_grad, backward_hooks[, metadata])
// (older files: _rebuild_tensor(storage, storage_offset, size, stride)),
// possibly wrapped by _rebuild_parameter(tensor, requires_grad, hooks), where
// `storage` is a persistent id
//   ('storage', torch.FloatStorage, key, location, numel[, view_metadata])
// that the loader resolves to the zip member `<prefix>/data/<key>` or to the
// key's raw block after a legacy file's pickles.
//
// Two layers:
//   * TorchRecords is the raw sink the machine fills when
//     MachineOptions::torch is set: storage records, rebuild calls, and the
//     dict/list/BUILD edges whose values are containers, objects or strings.
//     The machine's ordinary scan keeps only the first kContainerKeep items
//     of a container; edges are recorded for every item (bounded by
//     Limits::max_pickle_opcodes, since each item is at least one opcode).
//   * ExtractTorchTensors runs the machine over one pickle and turns the
//     records into named tensors: names are the path of dict keys from the
//     object STOP returns ("model.layer.weight"); a pickled nn.Module's
//     `_parameters` / `_buffers` / `_modules` levels are left out of the path,
//     so a module gives the same names as its state_dict(). Names are computed
//     with an explicit stack (no recursion over attacker-controlled nesting).
//
// Thread-safety: all functions are pure. Lifetime: nothing borrows the input.
#ifndef MODELGATE_FORMATS_PICKLE_TORCH_RECORDS_H_
#define MODELGATE_FORMATS_PICKLE_TORCH_RECORDS_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/pickle/pickle_machine.h"
#include "modelgate/byte_reader.h"
#include "modelgate/limits.h"

namespace modelgate::pickle {

// --- Raw records (filled by the machine) ------------------------------------

// A persistent id of the shape ('storage', <global>, key, location, numel
// [, view_metadata]). Persistent ids of any other shape are counted in
// TorchRecords::other_persistent_ids and resolve to no storage.
struct TorchStorageRecord {
  std::string storage_type;  // "torch.FloatStorage", "torch.storage.UntypedStorage", ...
  std::string key;           // member name under data/, or the legacy storage key
  std::string location;      // "cpu", "cuda:0"
  std::int64_t numel = -1;   // elements of storage_type (-1 when not an int)
  bool has_view = false;     // view_metadata present and not None (legacy storage views)
};

// A graph node: a dict/list of the machine (container index) or an object
// (the result of a call). Encoded as (kind << 32) | index.
using TorchNode = std::uint64_t;
constexpr TorchNode kTorchNoNode = ~0ull;

// One rebuild call (_rebuild_tensor_v2 / _rebuild_tensor), or any other
// torch._utils._rebuild_* call, which is recorded with `supported` false.
struct TorchRebuildCall {
  std::string callee;            // "torch._utils._rebuild_tensor_v2"
  bool supported = false;        // callee known and arguments of the expected shape
  std::string problem;           // why not, when !supported
  std::int32_t storage = -1;     // index into TorchRecords::storages
  std::int64_t storage_offset = 0;          // in elements
  std::vector<std::int64_t> size, stride;   // in elements
};

// A container item or BUILD state: `child` is reachable from `parent` under
// `key` (a str key, an int key in decimal, a list index, or empty for BUILD).
struct TorchEdge {
  TorchNode parent = kTorchNoNode;
  TorchNode child = kTorchNoNode;  // a container or object node; kTorchNoNode for a str value
  std::string key;
  std::string str_value;  // the value when it is a str (legacy storage-key list)
  bool build_state = false;  // child is the state BUILD gave to parent
};

struct TorchRecords {
  std::vector<TorchStorageRecord> storages;
  std::vector<TorchRebuildCall> rebuilds;
  // Object node -> rebuild index (the rebuild's own result, and the results
  // of _rebuild_parameter* calls wrapping it).
  std::unordered_map<std::uint32_t, std::uint32_t> tensor_of_object;
  std::vector<TorchEdge> edges;
  std::uint64_t other_persistent_ids = 0;
  TorchNode root = kTorchNoNode;  // what STOP returned, when a container or object
  // Set when a Limits bound (max_torch_storages, max_model_tensors) cut the
  // records; the stream itself was still decoded.
  std::string overflow;
};

// --- Extraction -------------------------------------------------------------

// One tensor as the checkpoint describes it. Element counts and offsets are
// in elements of the storage's dtype, as PyTorch states them.
struct TorchTensorRecord {
  std::string name;          // dict-key path, "" when unreachable from the root
  std::string storage_type;  // "torch.FloatStorage"
  std::string storage_key;
  std::int64_t storage_numel = -1;
  std::int64_t storage_offset = 0;
  std::vector<std::int64_t> size, stride;
  // Empty when the record is complete; otherwise why the tensor cannot be
  // read (unknown rebuild function, not a storage, storage view ...).
  std::string problem;
};

struct TorchPickleContents {
  StreamTrace trace;  // the machine's trace (error, globals ...)
  std::vector<TorchTensorRecord> tensors;  // in order of first reachability, then unnamed ones
  std::vector<std::string> problems;       // whole-pickle problems (error, overflow, ...)
  std::vector<TorchStorageRecord> storages;  // every storage persistent id, in stream order
  // When STOP returned a list: its str items, all of them (legacy storage-key list).
  std::vector<std::string> root_strings;
};

// Decodes the pickle starting at `start` in `data` and returns its tensors.
// Never fails: a pickle error, a cut by a limit or an unresolved record is a
// problem in the result. At most limits.max_model_tensors tensors and
// limits.max_torch_storages storages are recorded.
TorchPickleContents ExtractTorchTensors(ByteView data, std::uint64_t start, const Limits& limits);

// Bytes per element of a storage class ("torch.FloatStorage" -> 4), 0 when
// unknown (complex, quantised and untyped storages).
std::uint32_t TorchStorageElementSize(const std::string& storage_type);

}  // namespace modelgate::pickle

#endif  // MODELGATE_FORMATS_PICKLE_TORCH_RECORDS_H_
