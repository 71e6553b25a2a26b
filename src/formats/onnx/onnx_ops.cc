// The operators each standard ONNX domain defines: every schema in ONNX
// 1.12's registry (onnx.defs.get_all_schemas_with_history(), all opset
// versions), plus the operators added in opsets 18-24 and the experimental
// operators ONNX removed in 1.5 (Affine, Crop, ImageScaler ...), which old
// models and onnxruntime still use. Embedded rather than linking libonnx's
// OpSchemaRegistry: a sorted table is cheaper and needs no exceptions.
// Regenerate the 1.12 part with the snippet in docs/formats/onnx.md.
#include <algorithm>
#include <array>
#include <string_view>

#include "formats/onnx/onnx.h"

namespace modelgate {
namespace {

constexpr std::array<std::string_view, 208> kDefaultDomainOps = {
    "Abs", "Acos", "Acosh", "Add", "Affine", "AffineGrid", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan",
    "Atanh", "Attention", "AveragePool", "BatchNormalization", "Bernoulli", "BitCast", "BitShift", "BitwiseAnd",
    "BitwiseNot", "BitwiseOr", "BitwiseXor", "BlackmanWindow", "Cast", "CastLike", "Ceil", "Celu",
    "CenterCropPad", "Clip", "Col2Im", "Compress", "Concat", "ConcatFromSequence", "Constant",
    "ConstantOfShape", "Conv", "ConvInteger", "ConvTranspose", "Cos", "Cosh", "Crop", "CumSum", "DFT",
    "DeformConv", "DepthToSpace", "DequantizeLinear", "Det", "Div", "Dropout", "DynamicQuantizeLinear",
    "DynamicSlice", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "EyeLike", "Flatten", "Floor", "GRU",
    "GRUUnit", "Gather", "GatherElements", "GatherND", "Gelu", "Gemm", "GivenTensorFill", "GlobalAveragePool",
    "GlobalLpPool", "GlobalMaxPool", "Greater", "GreaterOrEqual", "GridSample", "GroupNormalization",
    "HammingWindow", "HannWindow", "HardSigmoid", "HardSwish", "Hardmax", "Identity", "If", "ImageDecoder",
    "ImageScaler", "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LSTM", "LayerNormalization", "LeakyRelu",
    "Less", "LessOrEqual", "Log", "LogSoftmax", "Loop", "LpNormalization", "LpPool", "MatMul", "MatMulInteger",
    "Max", "MaxPool", "MaxRoiPool", "MaxUnpool", "Mean", "MeanVarianceNormalization", "MelWeightMatrix", "Min",
    "Mish", "Mod", "Mul", "Multinomial", "Neg", "NegativeLogLikelihoodLoss", "NonMaxSuppression", "NonZero",
    "Not", "OneHot", "Optional", "OptionalGetElement", "OptionalHasElement", "Or", "PRelu", "Pad",
    "ParametricSoftplus", "Pow", "QLinearConv", "QLinearMatMul", "QuantizeLinear", "RMSNormalization", "RNN",
    "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Range", "Reciprocal", "ReduceL1",
    "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
    "ReduceSum", "ReduceSumSquare", "RegexFullMatch", "Relu", "Reshape", "Resize", "ReverseSequence",
    "RoiAlign", "RotaryEmbedding", "Round", "STFT", "Scale", "ScaledTanh", "Scan", "Scatter", "ScatterElements",
    "ScatterND", "Selu", "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert",
    "SequenceLength", "SequenceMap", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Slice",
    "Softmax", "SoftmaxCrossEntropyLoss", "Softplus", "Softsign", "SpaceToDepth", "Split", "SplitToSequence",
    "Sqrt", "Squeeze", "StringConcat", "StringNormalizer", "StringSplit", "Sub", "Sum", "Swish", "Tan", "Tanh",
    "TensorScatter", "TfIdfVectorizer", "ThresholdedRelu", "Tile", "TopK", "Transpose", "Trilu", "Unique",
    "Unsqueeze", "Upsample", "Where", "Xor",
};

constexpr std::array<std::string_view, 19> kMlDomainOps = {
    "ArrayFeatureExtractor", "Binarizer", "CastMap", "CategoryMapper", "DictVectorizer", "FeatureVectorizer",
    "Imputer", "LabelEncoder", "LinearClassifier", "LinearRegressor", "Normalizer", "OneHotEncoder",
    "SVMClassifier", "SVMRegressor", "Scaler", "TreeEnsemble", "TreeEnsembleClassifier",
    "TreeEnsembleRegressor", "ZipMap",
};

constexpr std::array<std::string_view, 4> kTrainingDomainOps = {
    "Adagrad", "Adam", "Gradient", "Momentum",
};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& sorted, std::string_view op) {
  return std::binary_search(sorted.begin(), sorted.end(), op);
}

}  // namespace

bool IsStandardOnnxDomain(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx" || domain == "ai.onnx.ml" || domain == "ai.onnx.training" ||
         domain == "ai.onnx.preview.training";
}

bool IsKnownOnnxOp(std::string_view domain, std::string_view op) {
  if (domain.empty() || domain == "ai.onnx") return Contains(kDefaultDomainOps, op);
  if (domain == "ai.onnx.ml") return Contains(kMlDomainOps, op);
  if (domain == "ai.onnx.preview.training" || domain == "ai.onnx.training") return Contains(kTrainingDomainOps, op);
  return false;
}

}  // namespace modelgate
