#!/usr/bin/env bash
# Fails when a finding id used in the sources is not documented in
# docs/findings.md (regenerate it with scripts/gen-findings-doc).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
ids=$(grep -rhoE '"(PICKLE|ZIP|NPY|ARCHIVE|TORCH|FILE|FORMAT|CONTAINER|SCAN|REPORT|SAFETENSORS|ONNX)-[A-Z0-9-]+"' \
        --include='*.cc' --exclude='*_test.cc' --exclude='*_fuzzer.cc' "$root/src" | tr -d '"' | sort -u)
pass=0 fail=0
for id in $ids; do
  if grep -qE -- "\| \`?$id\`? \|" "$root/docs/findings.md"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "undocumented finding id: $id"; fi
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 && $pass -gt 20 ]]
