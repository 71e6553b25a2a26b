// Content routing: what a run of bytes is, decided from the bytes alone.
//
// Names and extensions are never consulted: a pickle named .txt, a zip named
// .bin and a checkpoint with no extension are all routed by content. ZIP is
// found by its end-of-central-directory record, so bytes prepended to an
// archive do not hide it.
#ifndef MODELGATE_FORMATS_ROUTING_CONTENT_TYPE_H_
#define MODELGATE_FORMATS_ROUTING_CONTENT_TYPE_H_

#include <string_view>

#include "modelgate/byte_reader.h"

namespace modelgate {

enum class ContentType {
  kUnknown,
  kEmpty,
  kPickle,       // a pickle stream (any protocol), incl. legacy torch stacked pickles, joblib
  kZip,          // any ZIP: PyTorch, TorchScript, .npz, Keras 3 ...
  kNpy,          // numpy .npy
  kTar,          // POSIX/GNU tar (legacy torch tar format among them)
  kGzip,
  kBzip2,
  kXz,
  kLzmaAlone,    // .lzma (joblib's "lzma" compressor)
  kZlib,         // raw zlib stream (joblib's default compressor)
  kZstd,
  kSevenZip,
  kSafetensors,
  kGguf,
  kHdf5,         // HDF5 (Keras .h5), superblock at 0 or after a user block
  kOnnx,         // ONNX ModelProto (protobuf; recognised by its structure)
  kTensorflow,   // TensorFlow SavedModel, frozen GraphDef or keras_metadata.pb (protobuf)
  kLfsPointer,   // a Git LFS pointer file: the weights themselves are not here
  kText,         // printable text that is not a pickle
};

std::string_view ContentTypeName(ContentType t);

// How much DetectContentType may look at.
enum class Probe {
  kFile,    // a file on disk: everything, including a ZIP found only by its
            // end record (junk prepended) and plain text
  kMember,  // a member of a container: magic numbers and pickle decoding
            // only. Members are routed by the thousand (every tensor record of
            // a checkpoint), and no loader opens a member as a ZIP it finds
            // from the end or cares whether it is text.
};

// Classifies `bytes`. Cheap: looks at a bounded prefix and, for kFile, the
// last 64 KiB. Thread-safe.
ContentType DetectContentType(ByteView bytes, Probe probe = Probe::kFile);

// True when an end-of-central-directory record sits where ZIP readers that
// search from the end (miniz, Python's zipfile) find one. A file can be a
// pickle to torch.load (which checks the first four bytes) and a ZIP to those
// readers at once; the scanner analyses both views.
bool HasZipEndRecord(ByteView bytes);

}  // namespace modelgate

#endif  // MODELGATE_FORMATS_ROUTING_CONTENT_TYPE_H_
