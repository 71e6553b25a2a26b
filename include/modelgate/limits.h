// Limits: every bound modelgate applies to hostile input, in one place.
//
// Parsers take a `const Limits&` and stop with a kLimitExceeded status (which
// the scanner turns into a finding, never into "clean") when a bound is hit.
// Fuzz builds use Limits::ForFuzzing(), which lowers the bounds so each input
// runs quickly.
#ifndef MODELGATE_LIMITS_H_
#define MODELGATE_LIMITS_H_

#include <cstdint>

namespace modelgate {

struct Limits {
  // Containers.
  std::uint32_t max_nesting_depth = 8;         // archive in archive in ...
  std::uint64_t max_decompressed_bytes = 4ull << 30;  // per top-level file, all members together
  std::uint64_t max_expansion_ratio = 200;     // decompressed / compressed, per member (beyond 1 MiB)
  std::uint64_t max_member_bytes = 2ull << 30; // one extracted member
  std::uint32_t max_archive_entries = 200000;

  // Pickle machine.
  std::uint64_t max_pickle_opcodes = 50'000'000;
  std::uint32_t max_pickle_streams = 64;       // stacked pickles in one member
  std::uint32_t max_pickle_stack_depth = 100000;  // MARK nesting and stack size
  std::uint32_t max_pickle_memo_entries = 10'000'000;
  std::uint32_t max_pickle_string_bytes = 64u << 20;  // longest text kept for analysis
  std::uint32_t max_nested_pickles = 16;       // pickles found inside pickle bytes

  // Text headers (npy dict, JSON headers).
  std::uint32_t max_header_bytes = 1u << 20;

  // safetensors: the JSON header is read in place with a SAX parser, so the
  // default is the reference crate's own cap (100,000,000 bytes).
  std::uint64_t max_safetensors_header_bytes = 100'000'000;
  std::uint32_t max_safetensors_tensors = 1'000'000;  // entries checked; a 100 MB header holds ~1M
  std::uint32_t max_safetensors_unowned_regions = 256;  // gaps queued for analysis; the rest are counted

  // ONNX (protobuf). Protobuf itself refuses messages over 2 GiB.
  std::uint64_t max_onnx_bytes = (2ull << 30) - 1;  // larger models keep weights as external data
  std::uint32_t max_protobuf_depth = 100;      // CodedInputStream recursion limit (protobuf's default)
  std::uint32_t max_onnx_graph_depth = 64;     // subgraphs (If/Loop/Scan bodies) inside subgraphs
  std::uint32_t max_onnx_nodes = 2'000'000;    // nodes over all graphs and functions

  // Reporting.
  std::uint32_t max_findings_per_file = 200;   // same-id findings beyond this are counted

  // Wall-clock budget for one top-level file, in milliseconds (0 = none).
  std::uint32_t max_millis_per_file = 60'000;

  static Limits Default() { return Limits(); }
  static Limits ForFuzzing() {
    Limits l;
    l.max_decompressed_bytes = 64u << 20;
    l.max_member_bytes = 16u << 20;
    l.max_archive_entries = 4096;
    l.max_pickle_opcodes = 200000;
    l.max_pickle_memo_entries = 100000;
    l.max_pickle_stack_depth = 10000;
    l.max_millis_per_file = 0;
    l.max_safetensors_header_bytes = 1u << 20;
    l.max_safetensors_tensors = 10000;
    l.max_onnx_bytes = 16u << 20;
    l.max_onnx_nodes = 100000;
    return l;
  }
};

}  // namespace modelgate

#endif  // MODELGATE_LIMITS_H_
