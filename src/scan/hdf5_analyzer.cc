// AnalyzeHdf5: turns what the HDF5 reader saw into findings and queues the
// parts a loader interprets.
//
// Severity policy (docs/formats/hdf5.md, "Findings"):
// - Keras 2 .h5 files carry the model as JSON in the root attributes
//   model_config and training_config: they are queued with role
//   "keras-config", so the Keras config analyzer reports Lambda layers and
//   foreign callables at their own severity. keras_version/backend are info.
// - Opaque data and variable-length byte sequences are where a pickle can hide
//   (h5py stores np.void as opaque): they are queued for content routing and
//   reported as medium (no Keras model needs them).
// - What the loader could read but the scanner did not (attributes in dense
//   storage on the root group, limits hit, group cycles) is high; damaged
//   structures libhdf5 would refuse are medium; user blocks, soft links,
//   shared objects and chunked numeric datasets are facts (info/low).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "formats/hdf5/hdf5.h"
#include "scan/analyzers.h"

namespace modelgate {
namespace {

using Spec = FindingSpec;

Spec SpecFor(const Hdf5Anomaly& a) {
  switch (a.kind) {
    case Hdf5AnomalyKind::kTruncated:
      return {"HDF5-TRUNCATED", Severity::kMedium, "HDF5 structure runs past the end of the file",
              "libhdf5 refuses or partly reads such a file; what lies beyond the end was not scanned."};
    case Hdf5AnomalyKind::kBadSignature:
    case Hdf5AnomalyKind::kBadValue:
      return {"HDF5-BAD-STRUCTURE", Severity::kMedium, "HDF5 structure is damaged",
              "A header, B-tree, heap or message does not follow the HDF5 format; libhdf5 fails on it, so the "
              "part behind it was neither loaded nor scanned."};
    case Hdf5AnomalyKind::kCycle:
      return {"HDF5-CYCLE", Severity::kHigh, "HDF5 group tree loops back on itself",
              "A group links to one of its ancestors (or a structure points back at itself). Tools that walk the "
              "tree naively never finish; no model file needs it. The loop was cut."};
    case Hdf5AnomalyKind::kSharedObject:
      return {"HDF5-SHARED-OBJECT", Severity::kLow, "One HDF5 object is linked under two names",
              "Hard links are legal HDF5; Keras never writes them. The object was read once."};
    case Hdf5AnomalyKind::kLimit:
      return {"HDF5-LIMIT", Severity::kHigh, "HDF5 file exceeds the scanner's limits",
              "Part of the file was not read, so the loader can see content the scanner did not. Keras models "
              "have a few thousand objects at most."};
    case Hdf5AnomalyKind::kUnsupported:
      return {"HDF5-UNSUPPORTED", Severity::kMedium, "HDF5 feature the scanner does not read",
              "Valid HDF5 that this reader does not decode; the content behind it was not scanned."};
    case Hdf5AnomalyKind::kExternalLink:
      return {"HDF5-EXTERNAL-LINK", Severity::kMedium, "HDF5 data refers to another file",
              "An external link or external storage makes libhdf5 open another file by name when the object is "
              "read; that file was not scanned, and the name can point anywhere on the loading machine."};
    case Hdf5AnomalyKind::kSoftLink:
      return {"HDF5-SOFT-LINK", Severity::kLow, "HDF5 soft link",
              "A link by path; its target is scanned where it lives in the tree."};
    case Hdf5AnomalyKind::kTrailingData:
      return {"HDF5-TRAILING-DATA", Severity::kMedium, "Bytes follow the end of the HDF5 data",
              "libhdf5 ignores bytes past the end-of-file address, so they can carry content another tool reads. "
              "They were queued for analysis."};
  }
  return {"HDF5-BAD-STRUCTURE", Severity::kMedium, "HDF5 structure is damaged", ""};
}

std::shared_ptr<const std::vector<std::uint8_t>> Own(const std::string& s) {
  return std::make_shared<const std::vector<std::uint8_t>>(s.begin(), s.end());
}

bool HidingType(const Hdf5Datatype& t) {
  return t.type_class == Hdf5TypeClass::kOpaque || t.vlen_bytes;
}

class Hdf5Scan {
 public:
  Hdf5Scan(const Blob& blob, ScanContext& ctx, const Hdf5File& f) : blob_(blob), ctx_(ctx), f_(f) {}

  void Run() {
    ReportAnomalies();
    QueueSideBytes();
    if (const Hdf5Object* root = f_.Root()) RootAttributes(*root);
    for (const Hdf5Object& o : f_.objects) {
      for (const Hdf5Attribute& a : o.attributes) {
        if (HidingType(a.type)) QueueAttribute(o, a);
        QueuePickleLikeStrings(o, a);
      }
      if (o.dataset) Dataset(o);
    }
  }

 private:
  void ReportAnomalies() {
    for (const Hdf5Anomaly& a : f_.anomalies) {
      Spec s = SpecFor(a);
      Severity sev = s.severity;
      if (a.kind == Hdf5AnomalyKind::kUnsupported && a.path == "/") sev = Severity::kHigh;
      std::string title = s.title;
      std::string why = s.why;
      if (a.kind == Hdf5AnomalyKind::kUnsupported && a.path == "/" &&
          a.detail.find("attributes") != std::string::npos) {
        title = "Root attributes of the HDF5 file were not read";
        why = "Keras reads model_config and training_config from the root attributes; they are stored where "
              "this scanner does not read (dense attribute storage), so the model configuration was not checked.";
      }
      ctx_.Report(s.id, sev, title, blob_.member, a.offset, a.detail + ". " + why,
                  {{"path", a.path}, {"problem", a.detail}});
    }
  }

  void QueueSideBytes() {
    const std::uint64_t size = blob_.bytes.size();
    if (f_.superblock_offset > 0) {
      ctx_.Report("HDF5-USER-BLOCK", Severity::kInfo, "HDF5 file starts with a user block", blob_.member, 0,
                  "The superblock is at offset " + std::to_string(f_.superblock_offset) +
                      "; libhdf5 skips the bytes before it. They were queued for analysis.",
                  {{"user_block_bytes", std::to_string(f_.superblock_offset)}});
      ctx_.EnqueueChild(blob_, "<user-block>", blob_.bytes.first(static_cast<std::size_t>(f_.superblock_offset)),
                        blob_.owner);
    }
    if (f_.eof_address < size && f_.eof_address > f_.superblock_offset) {
      ctx_.EnqueueChild(blob_, "<trailing>", blob_.bytes.subspan(static_cast<std::size_t>(f_.eof_address)),
                        blob_.owner);
    }
  }

  void RootAttributes(const Hdf5Object& root) {
    std::vector<std::pair<std::string, std::string>> facts;
    for (const char* name : {"keras_version", "backend"}) {
      const Hdf5Attribute* a = root.FindAttribute(name);
      if (a && !a->strings.empty()) facts.emplace_back(name, a->strings[0].substr(0, 100));
    }
    if (!facts.empty()) {
      ctx_.Report("HDF5-KERAS-VERSION", Severity::kInfo, "Keras model saved as HDF5", blob_.member, std::nullopt,
                  "The root attributes name the Keras version and backend that wrote the file.", facts);
    }
    for (const char* name : {"model_config", "training_config"}) {
      const Hdf5Attribute* a = root.FindAttribute(name);
      if (!a) continue;
      if (a->strings.size() != 1 || !a->values_complete) {
        // libhdf5 refuses a file shorter than its end-of-file address, so
        // then the loader cannot read the config either.
        const bool truncated = f_.eof_address != ~0ull && f_.eof_address > blob_.bytes.size();
        ctx_.Report("HDF5-KERAS-CONFIG-UNREADABLE", truncated ? Severity::kMedium : Severity::kHigh, "Keras config attribute could not be decoded",
                    blob_.member, a->offset,
                    std::string("The root attribute '") + name + "' is a " + a->type.Describe() +
                        " that did not decode to one string; Keras may still read it, but the scanner could not "
                        "check the model configuration.",
                    {{"attribute", name}, {"type", a->type.Describe()}});
        continue;
      }
      // The decoded string dies with the parsed file: queue an owned copy.
      auto owned = Own(a->strings[0]);
      ctx_.EnqueueChild(blob_, std::string("<attr:") + name + ">", ByteView(*owned), owned, "keras-config");
    }
  }

  void QueueAttribute(const Hdf5Object& o, const Hdf5Attribute& a) {
    const std::string where = "<attr:" + (o.path == "/" ? "" : o.path) + "/" + a.name + ">";
    ctx_.Report("HDF5-OPAQUE-DATA", Severity::kMedium, "HDF5 attribute holds opaque bytes", blob_.member, a.offset,
                "Attribute '" + a.name + "' of " + o.path + " is " + a.type.Describe() +
                    ": raw bytes no Keras model stores (h5py writes np.void this way, so a pickle can hide here). "
                    "The bytes were queued for analysis.",
                {{"path", o.path}, {"attribute", a.name}, {"type", a.type.Describe()}});
    if (a.type.vlen_bytes) {
      for (std::size_t i = 0; i < a.vlen_items.size() && i < 64; ++i) {
        if (!a.vlen_items[i].empty()) Queue(where + "[" + std::to_string(i) + "]", a.vlen_items[i], blob_.owner);
      }
    } else if (!a.raw.empty()) {
      Queue(where, a.raw, blob_.owner);
    }
  }

  // h5py 3 stores Python bytes as (variable-length) strings, so a pickle can
  // sit in a string attribute too: values that start like a pickle (PROTO
  // 2-5) are queued for routing. Nothing else is, so text stays cheap.
  void QueuePickleLikeStrings(const Hdf5Object& o, const Hdf5Attribute& a) {
    for (std::size_t i = 0; i < a.strings.size() && i < 64; ++i) {
      const std::string& v = a.strings[i];
      if (v.size() < 3 || static_cast<unsigned char>(v[0]) != 0x80 || v[1] < 2 || v[1] > 5) continue;
      auto owned = Own(v);
      Queue("<attr:" + (o.path == "/" ? "" : o.path) + "/" + a.name + "[" + std::to_string(i) + "]>", ByteView(*owned),
            owned);
    }
  }

  void Dataset(const Hdf5Object& o) {
    const Hdf5Dataset& d = *o.dataset;
    const bool hiding = HidingType(d.type);
    std::vector<std::pair<std::string, std::string>> ev = {{"path", o.path}, {"type", d.type.Describe()}};
    if (d.layout == Hdf5Layout::kChunked || d.layout == Hdf5Layout::kVirtual) {
      ctx_.Report("HDF5-CHUNKED-DATASET", hiding ? Severity::kMedium : Severity::kInfo,
                  "HDF5 dataset stored in chunks was not read", blob_.member, o.address,
                  "Dataset " + o.path + " (" + d.type.Describe() +
                      ") uses chunked or virtual storage; chunks are never decompressed by the scanner." +
                      (hiding ? " Its type is opaque/variable-length bytes, where a pickle can hide." : ""),
                  ev);
      return;
    }
    if (d.layout == Hdf5Layout::kContiguous && d.allocated && !d.in_bounds) {
      ctx_.Report("HDF5-DATA-OUT-OF-BOUNDS", Severity::kMedium, "HDF5 dataset lies outside the file", blob_.member,
                  o.address,
                  "Dataset " + o.path + " claims " + std::to_string(d.data_size) + " bytes at offset " +
                      std::to_string(d.data_offset) + ", beyond the file; libhdf5 fails reading it.",
                  ev);
      return;
    }
    if (!hiding || !d.allocated || !d.in_bounds || d.data_size == 0) return;
    ctx_.Report("HDF5-OPAQUE-DATA", Severity::kMedium, "HDF5 dataset holds opaque bytes", blob_.member,
                d.data_offset,
                "Dataset " + o.path + " is " + d.type.Describe() +
                    ": raw bytes no Keras model stores (h5py writes np.void this way, so a pickle can hide here). "
                    "The bytes were queued for analysis.",
                ev);
    Queue("<dataset:" + o.path + ">",
          blob_.bytes.subspan(static_cast<std::size_t>(d.data_offset), static_cast<std::size_t>(d.data_size)),
          blob_.owner);
  }

  // Every queued payload goes through here: a crafted file can hold a
  // million opaque attributes, so the count is capped (reported once).
  void Queue(const std::string& name, ByteView bytes, std::shared_ptr<const std::vector<std::uint8_t>> owner) {
    if (++queued_ > kMaxQueuedPayloads) {
      if (queued_ == kMaxQueuedPayloads + 1) {
        ctx_.Report("HDF5-LIMIT", Severity::kHigh, "HDF5 file holds more opaque payloads than the scanner queues",
                    blob_.member, std::nullopt,
                    "More than " + std::to_string(kMaxQueuedPayloads) +
                        " opaque or pickle-like values; the rest were not analysed.",
                    {{"limit", std::to_string(kMaxQueuedPayloads)}});
      }
      return;
    }
    ctx_.EnqueueChild(blob_, name, bytes, std::move(owner));
  }

  static constexpr std::uint32_t kMaxQueuedPayloads = 4096;
  const Blob& blob_;
  ScanContext& ctx_;
  const Hdf5File& f_;
  std::uint32_t queued_ = 0;
};

}  // namespace

void AnalyzeHdf5(const Blob& blob, ScanContext& ctx) {
  Result<Hdf5File> r = ReadHdf5(blob.bytes, ctx.limits());
  if (!r.ok()) {
    ctx.Report("HDF5-UNREADABLE", Severity::kMedium, "HDF5 superblock cannot be read", blob.member, std::nullopt,
               r.status().message() + ". libhdf5 cannot open this file either; nothing in it was scanned.");
    return;
  }
  Hdf5Scan(blob, ctx, r.value()).Run();
}

}  // namespace modelgate
