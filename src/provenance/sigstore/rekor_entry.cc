// Rekor tlog entries: see rekor_entry.h.
#include "provenance/sigstore/rekor_entry.h"

#include "provenance/crypto.h"
#include "provenance/sigstore/checkpoint.h"
#include "provenance/sigstore/json_fields.h"
#include "provenance/sigstore/merkle.h"

namespace modelgate::provenance::sigstore {

using nlohmann::json;

namespace {

Result<InclusionProof> ParseInclusionProof(const json& obj, const std::string& path, const Limits& limits) {
  InclusionProof proof;
  Result<std::int64_t> index = RequiredInt64(obj, "logIndex", path);
  if (!index.ok()) return index.status();
  proof.log_index = index.value();
  Result<std::string> root = RequiredBase64(obj, "rootHash", path);
  if (!root.ok()) return root.status();
  proof.root_hash = std::move(root).value();
  Result<std::int64_t> size = RequiredInt64(obj, "treeSize", path);
  if (!size.ok()) return size.status();
  proof.tree_size = size.value();
  // An empty path (a one-leaf tree) may be omitted by the proto3 JSON writer.
  if (Member(obj, "hashes") != nullptr) {
    Result<const json*> hashes = RequiredArray(obj, "hashes", path, limits.max_inclusion_proof_hashes);
    if (!hashes.ok()) return hashes.status();
    for (const json& h : *hashes.value()) {
      if (!h.is_string()) return Status::Corruption(path + ".hashes: an item is not a string");
      Result<std::string> raw = DecodeBase64(h.get<std::string>());
      if (!raw.ok()) return Status::Corruption(path + ".hashes: " + raw.status().message());
      proof.hashes.push_back(std::move(raw).value());
    }
  }
  Result<const json*> checkpoint = RequiredObject(obj, "checkpoint", path);
  if (!checkpoint.ok()) return checkpoint.status();
  Result<std::string> envelope = RequiredString(*checkpoint.value(), "envelope", path + ".checkpoint");
  if (!envelope.ok()) return envelope.status();
  proof.checkpoint = std::move(envelope).value();
  return proof;
}

}  // namespace

Result<TlogEntry> ParseTlogEntry(const json& obj, const std::string& path, const Limits& limits) {
  if (!obj.is_object()) return Status::Corruption(path + ": not an object");
  TlogEntry e;
  Result<std::int64_t> index = RequiredInt64(obj, "logIndex", path);
  if (!index.ok()) return index.status();
  e.log_index = index.value();
  Result<const json*> log_id = RequiredObject(obj, "logId", path);
  if (!log_id.ok()) return log_id.status();
  Result<std::string> key_id = RequiredBase64(*log_id.value(), "keyId", path + ".logId");
  if (!key_id.ok()) return key_id.status();
  e.log_id = std::move(key_id).value();
  Result<const json*> kind_version = RequiredObject(obj, "kindVersion", path);
  if (!kind_version.ok()) return kind_version.status();
  Result<std::string> kind = RequiredString(*kind_version.value(), "kind", path + ".kindVersion");
  if (!kind.ok()) return kind.status();
  Result<std::string> version = RequiredString(*kind_version.value(), "version", path + ".kindVersion");
  if (!version.ok()) return version.status();
  e.kind = std::move(kind).value();
  e.version = std::move(version).value();
  Result<std::int64_t> time = RequiredInt64(obj, "integratedTime", path);
  if (!time.ok()) return time.status();
  e.integrated_time = time.value();
  if (const json* promise = Member(obj, "inclusionPromise")) {
    Result<std::string> set = RequiredBase64(*promise, "signedEntryTimestamp", path + ".inclusionPromise");
    if (!set.ok()) return set.status();
    e.signed_entry_timestamp = std::move(set).value();
  }
  Result<std::string> body = RequiredBase64(obj, "canonicalizedBody", path);
  if (!body.ok()) return body.status();
  e.canonicalized_body = std::move(body).value();
  if (const json* proof = Member(obj, "inclusionProof")) {
    Result<InclusionProof> parsed = ParseInclusionProof(*proof, path + ".inclusionProof", limits);
    if (!parsed.ok()) return parsed.status();
    e.inclusion_proof = std::move(parsed).value();
  }
  return e;
}

std::string SignedEntryTimestampPayload(const TlogEntry& entry) {
  // Members in code-point order, no whitespace, integers in decimal; the body
  // is base64 and the log id hex, so no string needs escaping.
  return "{\"body\":\"" + EncodeBase64(entry.canonicalized_body) +
         "\",\"integratedTime\":" + std::to_string(entry.integrated_time) + ",\"logID\":\"" + Hex(entry.log_id) +
         "\",\"logIndex\":" + std::to_string(entry.log_index) + "}";
}

Status VerifySignedEntryTimestamp(const TlogEntry& entry, const TransparencyLog& log) {
  if (entry.signed_entry_timestamp.empty()) return Status::Corruption("signed entry timestamp: missing");
  Status st = log.key.Verify(SignedEntryTimestampPayload(entry), entry.signed_entry_timestamp,
                             log.key.DefaultDigest());
  if (!st.ok()) return Status::Corruption("signed entry timestamp: does not verify with log " + Hex(log.log_id));
  return Status::Ok();
}

Status VerifyInclusionProof(const TlogEntry& entry, const TransparencyLog& log) {
  if (!entry.inclusion_proof) return Status::Corruption("inclusion proof: missing");
  const InclusionProof& proof = *entry.inclusion_proof;
  MODELGATE_RETURN_IF_ERROR(VerifyInclusion(static_cast<std::uint64_t>(proof.log_index),
                                            static_cast<std::uint64_t>(proof.tree_size),
                                            MerkleLeafHash(entry.canonicalized_body), proof.hashes, proof.root_hash));
  Result<Checkpoint> cp = VerifyCheckpoint(proof.checkpoint, log);
  if (!cp.ok()) return cp.status();
  if (cp->tree_size != static_cast<std::uint64_t>(proof.tree_size)) {
    return Status::Corruption("checkpoint: tree size " + std::to_string(cp->tree_size) +
                              " differs from the inclusion proof's " + std::to_string(proof.tree_size));
  }
  if (cp->root_hash != proof.root_hash) {
    return Status::Corruption("checkpoint: root hash " + Hex(cp->root_hash) + " differs from the inclusion proof's " +
                              Hex(proof.root_hash));
  }
  return Status::Ok();
}

Result<DsseEntryBody> ParseDsseEntryBody(std::string_view body, const Limits& limits) {
  Result<json> doc = ParseJsonBounded(body, limits.max_bundle_bytes, limits, "tlog entry body");
  if (!doc.ok()) return doc.status();
  const std::string path = "tlog entry body";
  Result<std::string> kind = RequiredString(doc.value(), "kind", path);
  if (!kind.ok()) return kind.status();
  Result<std::string> version = RequiredString(doc.value(), "apiVersion", path);
  if (!version.ok()) return version.status();
  if (kind.value() != "dsse" || version.value() != "0.0.1") {
    return Status::NotSupported("tlog entry: body kind '" + kind.value() + "' version '" + version.value() +
                                "' is not supported (dsse 0.0.1 is)");
  }
  Result<const json*> spec = RequiredObject(doc.value(), "spec", path);
  if (!spec.ok()) return spec.status();
  Result<const json*> payload_hash = RequiredObject(*spec.value(), "payloadHash", path + ".spec");
  if (!payload_hash.ok()) return payload_hash.status();
  Result<std::string> algorithm = RequiredString(*payload_hash.value(), "algorithm", path + ".spec.payloadHash");
  if (!algorithm.ok()) return algorithm.status();
  if (algorithm.value() != "sha256") {
    return Status::NotSupported("tlog entry body: payload hash algorithm '" + algorithm.value() + "'");
  }
  DsseEntryBody out;
  Result<std::string> value = RequiredString(*payload_hash.value(), "value", path + ".spec.payloadHash");
  if (!value.ok()) return value.status();
  out.payload_hash_hex = std::move(value).value();
  Result<const json*> signatures = RequiredArray(*spec.value(), "signatures", path + ".spec", limits.max_certificates);
  if (!signatures.ok()) return signatures.status();
  for (std::size_t i = 0; i < signatures.value()->size(); ++i) {
    const std::string sig_path = path + ".spec.signatures[" + std::to_string(i) + "]";
    const json& item = (*signatures.value())[i];
    Result<std::string> sig = RequiredBase64(item, "signature", sig_path);
    if (!sig.ok()) return sig.status();
    Result<std::string> verifier = RequiredBase64(item, "verifier", sig_path);
    if (!verifier.ok()) return verifier.status();
    out.signatures.push_back({std::move(sig).value(), std::move(verifier).value()});
  }
  return out;
}

}  // namespace modelgate::provenance::sigstore
