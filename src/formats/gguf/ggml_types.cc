// Block sizes and block byte sizes from ggml's type_traits (ggml.c) and the
// block structs in ggml-common.h (QK_K = 256).
#include "formats/gguf/ggml_types.h"

#include <array>

namespace modelgate {
namespace {

constexpr std::array<GgmlTypeInfo, 40> kTypes = {{
    {"F32", 1, 4, false},        // 0
    {"F16", 1, 2, false},        // 1
    {"Q4_0", 32, 18, false},     // 2: f16 d + 16 nibble bytes
    {"Q4_1", 32, 20, false},     // 3: f16 d, m + 16
    {"Q4_2", 16, 10, true},      // 4: removed in 2023 (f16 d + 8 bytes)
    {"Q4_3", 16, 12, true},      // 5: removed in 2023
    {"Q5_0", 32, 22, false},     // 6: f16 d + u32 qh + 16
    {"Q5_1", 32, 24, false},     // 7
    {"Q8_0", 32, 34, false},     // 8: f16 d + 32 int8
    {"Q8_1", 32, 36, false},     // 9: f16 d, s + 32
    {"Q2_K", 256, 84, false},    // 10
    {"Q3_K", 256, 110, false},   // 11
    {"Q4_K", 256, 144, false},   // 12
    {"Q5_K", 256, 176, false},   // 13
    {"Q6_K", 256, 210, false},   // 14
    {"Q8_K", 256, 292, false},   // 15: f32 d + 256 int8 + 16 int16
    {"IQ2_XXS", 256, 66, false}, // 16
    {"IQ2_XS", 256, 74, false},  // 17
    {"IQ3_XXS", 256, 98, false}, // 18
    {"IQ1_S", 256, 50, false},   // 19
    {"IQ4_NL", 32, 18, false},   // 20
    {"IQ3_S", 256, 110, false},  // 21
    {"IQ2_S", 256, 82, false},   // 22
    {"IQ4_XS", 256, 136, false}, // 23
    {"I8", 1, 1, false},         // 24
    {"I16", 1, 2, false},        // 25
    {"I32", 1, 4, false},        // 26
    {"I64", 1, 8, false},        // 27
    {"F64", 1, 8, false},        // 28
    {"IQ1_M", 256, 56, false},   // 29
    {"BF16", 1, 2, false},       // 30
    {"Q4_0_4_4", 32, 18, true},  // 31: removed (repacked at load time now)
    {"Q4_0_4_8", 32, 18, true},  // 32
    {"Q4_0_8_8", 32, 18, true},  // 33
    {"TQ1_0", 256, 54, false},   // 34
    {"TQ2_0", 256, 66, false},   // 35
    {"IQ4_NL_4_4", 32, 18, true},  // 36
    {"IQ4_NL_4_8", 32, 18, true},  // 37
    {"IQ4_NL_8_8", 32, 18, true},  // 38
    {"MXFP4", 32, 17, false},    // 39: e8m0 scale + 16 nibble bytes
}};

}  // namespace

const GgmlTypeInfo* FindGgmlType(std::uint32_t type) {
  if (type >= kTypes.size()) return nullptr;
  return &kTypes[type];
}

}  // namespace modelgate
