// ggml tensor types: block size and bytes per block, as ggml's
// type_traits table (ggml.c) defines them. A tensor of `n` elements per row
// stores n / block_size blocks of type_size bytes each.
#ifndef MODELGATE_FORMATS_GGUF_GGML_TYPES_H_
#define MODELGATE_FORMATS_GGUF_GGML_TYPES_H_

#include <cstdint>
#include <string_view>

namespace modelgate {

struct GgmlTypeInfo {
  std::string_view name;    // "Q4_K", ...
  std::uint32_t block_size;  // elements per block
  std::uint32_t type_size;   // bytes per block
  bool removed;              // retired by ggml (Q4_2, Q4_3, Q4_0_4_4 ...): current llama.cpp refuses it
};

// The table entry for ggml type id `type`, or nullptr when ggml defines no
// such type. Thread-safe (static table).
const GgmlTypeInfo* FindGgmlType(std::uint32_t type);

// Ids used by the tests and the dequantiser.
enum GgmlType : std::uint32_t {
  kGgmlF32 = 0,
  kGgmlF16 = 1,
  kGgmlQ4_0 = 2,
  kGgmlQ4_1 = 3,
  kGgmlQ5_0 = 6,
  kGgmlQ5_1 = 7,
  kGgmlQ8_0 = 8,
  kGgmlQ8_1 = 9,
  kGgmlQ2_K = 10,
  kGgmlQ3_K = 11,
  kGgmlQ4_K = 12,
  kGgmlQ5_K = 13,
  kGgmlQ6_K = 14,
  kGgmlQ8_K = 15,
  kGgmlBF16 = 30,
};

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_GGUF_GGML_TYPES_H_
