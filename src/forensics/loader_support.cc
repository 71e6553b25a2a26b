#include "forensics/loader_support.h"

namespace modelgate::forensics {

Status MapIntoSource(const std::string& path, TensorSource* out, ByteView* bytes) {
  Result<std::unique_ptr<MappedFile>> mapped = MappedFile::Open(path);
  if (!mapped.ok()) return Fail(out, path, mapped.status());
  *bytes = out->Adopt(std::move(mapped).value());
  return Status::Ok();
}

std::string CheckShape(const std::vector<std::uint64_t>& shape, const Limits& limits, std::uint64_t* elements) {
  if (shape.size() > limits.max_tensor_rank) {
    return "rank " + std::to_string(shape.size()) + " exceeds the limit of " + std::to_string(limits.max_tensor_rank);
  }
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) return "element count overflows 64 bits";
  }
  *elements = n;
  return "";
}

Status AddBounded(TensorInfo t, const Limits& limits, TensorSource* out) {
  if (out->tensors().size() >= limits.max_model_tensors) {
    return Fail(out, t.file,
                Status::LimitExceeded("more than " + std::to_string(limits.max_model_tensors) +
                                      " tensors in the model (Limits::max_model_tensors); the rest are not read"));
  }
  out->Add(std::move(t));
  return Status::Ok();
}

Status Fail(TensorSource* out, const std::string& file, Status status) {
  out->AddProblem({file, "", status.ToString()});
  return status;
}

std::string BaseName(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace modelgate::forensics
