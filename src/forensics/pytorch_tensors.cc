// Placeholder until the PyTorch loader lands (issue 5, tensor access).
#include "forensics/tensor_source.h"

namespace modelgate::forensics {

Status AddPytorchFile(const std::string& path, const Limits&, TensorSource*) {
  return Status::NotSupported(path + ": PyTorch checkpoints are not read yet");
}

}  // namespace modelgate::forensics
