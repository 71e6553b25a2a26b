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

  // Protobuf formats (ONNX, TensorFlow). Both loaders parse with protobuf's
  // default recursion limit (100) and its 2 GiB - 1 message cap (INT_MAX);
  // larger ONNX models keep their weights as external data.
  std::uint32_t max_protobuf_depth = 100;      // nested messages, counted from the file's top
  std::uint64_t max_protobuf_bytes = 0x7fffffff;  // larger files are read up to this many bytes
  std::uint32_t max_tf_nodes = 1'000'000;      // NodeDefs walked, all graphs and functions together
  std::uint32_t max_tf_functions = 100'000;    // FunctionDefs walked
  std::uint32_t max_tf_attr_bytes = 1u << 20;  // largest attribute value decoded (bigger: weights)

  // Text headers (npy dict, JSON headers).
  std::uint32_t max_header_bytes = 1u << 20;

  // GGUF (llama.cpp model files). Real models have a few dozen keys, at most
  // a few thousand tensors and vocabularies of up to ~300k tokens.
  std::uint64_t max_gguf_tensors = 1'000'000;       // declared tensor_count
  std::uint64_t max_gguf_kv = 100'000;              // declared metadata_kv_count
  std::uint64_t max_gguf_array_elements = 4'000'000;  // string/nested elements walked, all arrays together
  std::uint64_t max_gguf_string_bytes = 64u << 20;  // one string value or key
  std::uint32_t max_gguf_array_depth = 8;           // arrays of arrays of ...

  // Jinja chat templates. Real ones are a few KB with a handful of nested
  // blocks.
  std::uint32_t max_chat_template_bytes = 1u << 20;  // longer templates are analysed up to this
  std::uint32_t max_jinja_nesting = 64;              // brackets and block tags open at once
  std::uint32_t max_chat_templates_per_file = 64;    // template strings analysed per GGUF file

  // HDF5 (Keras .h5): objects visited, header messages decoded (over all
  // objects and continuation blocks), bytes of local/global heaps read, and
  // group nesting below the root.
  std::uint32_t max_hdf5_objects = 100000;
  std::uint32_t max_hdf5_messages = 1'000'000;
  std::uint64_t max_hdf5_heap_bytes = 256u << 20;
  std::uint32_t max_hdf5_depth = 64;

  // JSON documents (Keras configs, Hugging Face configs): nesting depth,
  // checked before nlohmann (which recurses) parses.
  std::uint32_t max_json_depth = 128;

  // Python marshal data of Keras Lambda layers (values decoded per code
  // blob, nesting of tuples/code objects).
  std::uint32_t max_marshal_values = 200000;
  std::uint32_t max_marshal_depth = 64;

  // Model repositories (Python sources, JSON configs, model cards).
  std::uint32_t max_python_source_bytes = 8u << 20;  // larger .py files are analysed up to here
  std::uint32_t max_python_tokens = 2'000'000;
  std::uint32_t max_python_nesting = 200;       // brackets + f-string levels (CPython's parser stops at 200)
  std::uint32_t max_repo_config_bytes = 32u << 20;  // config.json, tokenizer_config.json, weight index ...
  std::uint32_t max_model_card_header_bytes = 1u << 20;  // YAML front matter of README.md

  // safetensors: the JSON header is read in place with a SAX parser, so the
  // default is the reference crate's own cap (100,000,000 bytes).
  std::uint64_t max_safetensors_header_bytes = 100'000'000;
  std::uint32_t max_safetensors_tensors = 1'000'000;  // entries checked; a 100 MB header holds ~1M
  std::uint32_t max_safetensors_unowned_regions = 256;  // gaps queued for analysis; the rest are counted

  // ONNX graphs.
  std::uint32_t max_onnx_graph_depth = 64;     // subgraphs (If/Loop/Scan bodies) inside subgraphs
  std::uint32_t max_onnx_nodes = 2'000'000;    // nodes over all graphs and functions

  // Reporting.
  std::uint32_t max_findings_per_file = 200;   // same-id findings beyond this are counted

  // Wall-clock budget for one top-level file, in milliseconds (0 = none).
  std::uint32_t max_millis_per_file = 60'000;

  static Limits Default() { return Limits(); }
  // Provenance (sign, verify, attest, bom). Bundles, statements and trust
  // roots are hostile JSON; model folders are walked without recursion.
  std::uint64_t max_bundle_bytes = 64u << 20;       // a Sigstore bundle / attestation file
  std::uint64_t max_statement_bytes = 256u << 20;   // decoded DSSE payload (a manifest of many shards)
  std::uint32_t max_manifest_resources = 10'000'000;  // files or shards in one manifest
  std::uint32_t max_model_files = 1'000'000;        // files enumerated in a model folder
  std::uint32_t max_model_depth = 256;              // folder nesting below the model root
  std::uint32_t max_certificates = 16;              // certificates in a chain or bundle
  std::uint32_t max_tlog_entries = 16;              // transparency-log entries in one bundle
  std::uint32_t max_inclusion_proof_hashes = 64;    // Merkle audit path length (2^64 leaves)
  std::uint64_t max_trusted_root_bytes = 16u << 20; // trusted_root.json

  // Weight forensics (diff, inspect).
  std::uint32_t max_model_tensors = 1'000'000;      // tensors in one model (all shards, all files)
  std::uint32_t max_tensor_rank = 16;               // dimensions of one tensor
  std::uint32_t max_model_shards = 10'000;          // files named by a sharded index
  std::uint32_t max_torch_storages = 1'000'000;     // storage records in one PyTorch checkpoint
  std::uint64_t max_spectral_elements = 1ull << 28; // larger matrices get elementwise statistics only
  std::uint32_t max_trigger_candidates = 64;        // embedding rows named as trigger candidates
  std::uint64_t max_inspect_lane_sample_bytes = 64u << 10;  // per byte lane, compressed for the zlib ratio
  std::uint32_t max_inspect_signature_matches = 64; // embedded-file matches kept per model (more are counted)

  // Evaluation (eval, serve-model): the submitted model folder, tokenizer,
  // suites, claims and remote responses are all untrusted.
  std::uint64_t max_eval_config_bytes = 1u << 20;        // config.json
  std::uint64_t max_tokenizer_bytes = 64u << 20;         // tokenizer.json
  std::uint32_t max_vocab_size = 1u << 20;               // tokens in a vocabulary
  std::uint32_t max_bpe_merges = 2u << 20;               // merge rules
  std::uint32_t max_added_tokens = 1u << 16;             // added / special tokens
  std::uint32_t max_added_token_bytes = 4096;            // one added token's text (matching is O(text x this))
  std::uint32_t max_added_tokens_total_bytes = 4u << 20;  // all added tokens' text (the matcher's trie)
  std::uint64_t max_runtime_parameters = 2'000'000'000;  // parameters the CPU runtime loads
  std::uint32_t max_context_tokens = 1u << 16;           // prompt + generated tokens per sequence
  std::uint32_t max_new_tokens = 4096;                   // generated tokens per request
  std::uint32_t max_stop_strings = 16;                   // stop strings per request (suite, worker, server)
  std::uint32_t max_stop_string_bytes = 256;             // one stop string
  std::uint32_t max_batch_sequences = 256;               // sequences decoded together
  std::uint64_t max_suite_bytes = 64u << 20;             // one suite file
  std::uint32_t max_suite_cases = 100'000;               // cases in one suite
  std::uint32_t max_yaml_depth = 64;                     // nesting in YAML (suites, model cards)
  std::uint64_t max_model_card_bytes = 4u << 20;         // README.md read for model-index
  std::uint64_t max_claims_bytes = 16u << 20;            // evaluation_results.json
  std::uint32_t max_claims = 10'000;                     // claimed metrics kept
  std::uint64_t max_http_body_bytes = 64u << 20;         // one request or response body
  std::uint64_t max_generated_text_bytes = 1u << 20;     // one generation, as checked
  std::uint32_t max_probe_triggers = 256;                // triggers probed in one run

  static Limits ForFuzzing() {
    Limits l;
    l.max_decompressed_bytes = 64u << 20;
    l.max_tokenizer_bytes = 4u << 20;
    l.max_vocab_size = 1u << 16;
    l.max_bpe_merges = 1u << 16;
    l.max_added_token_bytes = 256;
    l.max_added_tokens_total_bytes = 64u << 10;
    l.max_suite_cases = 10'000;
    l.max_claims = 1000;
    l.max_member_bytes = 16u << 20;
    l.max_archive_entries = 4096;
    l.max_pickle_opcodes = 200000;
    l.max_pickle_memo_entries = 100000;
    l.max_pickle_stack_depth = 10000;
    l.max_tf_nodes = 20000;
    l.max_tf_functions = 2000;
    l.max_tf_attr_bytes = 64u << 10;
    l.max_millis_per_file = 0;
    l.max_gguf_tensors = 4096;
    l.max_gguf_kv = 4096;
    l.max_gguf_array_elements = 100000;
    l.max_gguf_string_bytes = 1u << 20;
    l.max_chat_template_bytes = 64u << 10;
    l.max_hdf5_objects = 2000;
    l.max_hdf5_messages = 20000;
    l.max_hdf5_heap_bytes = 4u << 20;
    l.max_marshal_values = 20000;
    l.max_python_tokens = 200000;
    l.max_repo_config_bytes = 4u << 20;
    l.max_safetensors_header_bytes = 1u << 20;
    l.max_safetensors_tensors = 10000;
    l.max_protobuf_bytes = 16u << 20;
    l.max_onnx_nodes = 100000;
    l.max_bundle_bytes = 4u << 20;
    l.max_statement_bytes = 4u << 20;
    l.max_manifest_resources = 100000;
    l.max_model_tensors = 10000;
    l.max_torch_storages = 10000;
    l.max_spectral_elements = 1u << 20;
    l.max_inspect_lane_sample_bytes = 4u << 10;
    l.max_inspect_signature_matches = 16;
    return l;
  }
};

}  // namespace modelgate

#endif  // MODELGATE_LIMITS_H_
