#!/usr/bin/env bash
# End-to-end tests of `modelgate bom`: exit codes, and every BOM it writes for
# the demo folder and the benign format fixtures validates against the
# official CycloneDX 1.6 schema (tests/schema/validate-bom.mjs, offline). The
# validator is shown to reject the ml-bad-* examples and a damaged BOM.
# Usage: tests/bom_test.sh path/to/modelgate
# Prints "N passed, N failed" and exits non-zero on any failure.
set -u
bin=${1:?usage: bom_test.sh MODELGATE}
root=$(cd "$(dirname "$0")/.." && pwd)
validate="node $root/tests/schema/validate-bom.mjs"
source "$root/tests/lib/harness.sh"
lacks() {  # lacks NAME FILE PATTERN
  if grep -q -- "$3" "$2"; then fail=$((fail + 1)); echo "FAIL: $1: '$3' in $2"; else pass=$((pass + 1)); fi
}

F=$root/tests/fixtures/formats
check "bom help" 0 "$bin" bom --help
contains "help lists --deterministic" "$tmp/out" "--deterministic"
check "missing path is exit 2" 2 "$bin" bom "$tmp/does-not-exist"
contains "missing path is named" "$tmp/err" "does-not-exist"
check "no model is a usage error" 2 "$bin" bom
check "unwritable output is exit 2" 2 "$bin" bom --no-scan -o "$tmp/no/such/dir/bom.json" "$F/onnx/benign/torch_mlp.onnx"

# Models: the demo folder, whole fixture folders, repository folders, single files.
models=(
  "$root/examples/demo"
  "$F/safetensors/benign" "$F/safetensors/benign/sharded" "$F/safetensors/benign/mlp.safetensors"
  "$F/gguf/benign" "$F/gguf/benign/llama_v3_q8_q4.gguf"
  "$F/onnx/benign" "$F/onnx/benign/torch_mlp.onnx"
  "$F/keras/benign" "$F/tensorflow/benign"
)
for d in "$F"/repository/benign/*/; do models+=("${d%/}"); done
boms=()
i=0
for m in "${models[@]}"; do
  i=$((i + 1))
  check "bom of ${m#$root/}" 0 "$bin" bom -o "$tmp/bom$i.json" "$m"
  boms+=("$tmp/bom$i.json")
done
check "every BOM validates (${#boms[@]})" 0 $validate "${boms[@]}"

# stdout, --no-scan, --deterministic.
check "bom to stdout" 0 "$bin" bom --no-scan "$F/onnx/benign/torch_mlp.onnx"
cp "$tmp/out" "$tmp/stdout.json"
check "stdout BOM validates" 0 $validate "$tmp/stdout.json"
contains "no-scan says so" "$tmp/stdout.json" '"not scanned"'
lacks "no-scan has no scan counts" "$tmp/stdout.json" 'scan:findings'
check "deterministic run 1" 0 "$bin" bom --deterministic -o "$tmp/d1.json" "$root/examples/demo"
check "deterministic run 2" 0 "$bin" bom --deterministic --jobs 1 -o "$tmp/d2.json" "$root/examples/demo"
check "deterministic output is stable" 0 cmp "$tmp/d1.json" "$tmp/d2.json"
lacks "deterministic has no timestamp" "$tmp/d1.json" '"timestamp"'
check "random serial numbers differ" 1 cmp -s "$tmp/bom1.json" <("$bin" bom "$root/examples/demo")

# The demo holds critical findings and a model.sig is reported when present.
contains "demo scan highest is critical" "$tmp/bom1.json" '"critical"'
mkdir -p "$tmp/signed" && cp "$F/onnx/benign/torch_mlp.onnx" "$tmp/signed/" && echo '{}' >"$tmp/signed/model.sig"
check "signed folder bom" 0 "$bin" bom --no-scan -o "$tmp/signed.json" "$tmp/signed"
contains "unreadable signature is reported" "$tmp/signed.json" 'unreadable: bundle: no mediaType'
lacks "model.sig is not a file component" "$tmp/signed.json" '"file:model.sig"'

# A real OMS bundle (reference implementation v1.1.0, key-signed): the digest
# matches the model files; one changed byte is named.
P=$root/tests/fixtures/provenance/bundles/v1.1.0-elliptic-key
mkdir -p "$tmp/oms" && cp "$P/signme-1" "$P/signme-2" "$P/model.sig" "$tmp/oms/"
check "signed model bom" 0 "$bin" bom --no-scan -o "$tmp/oms.json" "$tmp/oms"
contains "signed digest matches" "$tmp/oms.json" 'digest matches, signature not verified'
check "signed model BOM validates" 0 $validate "$tmp/oms.json"
printf 'X' | dd of="$tmp/oms/signme-1" bs=1 seek=0 conv=notrunc status=none
check "tampered model bom" 0 "$bin" bom --no-scan -o "$tmp/oms2.json" "$tmp/oms"
contains "tampered file is named" "$tmp/oms2.json" 'digest differs (changed: signme-1)'

# The validator can fail: the official bad examples and a damaged BOM.
check "validator self-test (valid-* pass, ml-bad-* fail)" 0 $validate --self-test
check "ml-bad examples are rejected" 0 $validate --expect-invalid "$root"/tests/schema/cyclonedx-1.6/ml-bad-*.json
sed 's/"machine-learning-model"/"ml-model"/' "$tmp/bom1.json" >"$tmp/bad1.json"
check "damaged component type is rejected" 0 $validate --expect-invalid "$tmp/bad1.json"
sed 's/"SHA-256"/"SHA256"/' "$tmp/bom1.json" >"$tmp/bad2.json"
check "damaged hash algorithm is rejected" 0 $validate --expect-invalid "$tmp/bad2.json"

finish
