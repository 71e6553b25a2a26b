#!/usr/bin/env bash
# End-to-end tests of `modelgate diff` on the committed evaluation corpus
# (tests/fixtures/forensics/corpus, written by scripts/make-forensics-corpus):
# exit codes, the JSON classification against labels.tsv, text and SARIF.
# Usage: tests/diff_test.sh path/to/modelgate
# Prints "N passed, N failed" and exits non-zero on any failure.
set -u
bin=${1:?usage: diff_test.sh MODELGATE}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tests/lib/harness.sh"
C=$root/tests/fixtures/forensics/corpus
validate="node $root/tests/schema/validate.mjs"
json_ok() {  # json_ok NAME PYTHON-EXPR-over-d   (d: the report in $tmp/out)
  if /usr/bin/python3 -c "import json,sys; d=json.load(open('$tmp/out')); sys.exit(0 if ($2) else 1)"; then
    pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; head -c 1500 "$tmp/out"; fi
}
label() { awk -F'\t' -v v="$1" '$1 == v { print $3 }' "$C/labels.tsv"; }

check "diff help" 0 "$bin" diff --help
contains "help lists --tokenizer" "$tmp/out" "--tokenizer"
check "missing base is exit 2" 2 "$bin" diff "$tmp/nope" "$C/base"
check "one argument is exit 2" 2 "$bin" diff "$C/base"
check "not a tensor file is exit 2" 2 "$bin" diff "$C/base" "$C/labels.tsv"

check "identical copy passes" 0 "$bin" diff "$C/base" "$C/formats/sharded"
contains "identical verdict" "$tmp/out" "identical"
check "bf16 conversion passes" 0 "$bin" diff "$C/base" "$C/formats/model-bf16.safetensors"
contains "re-encoded verdict" "$tmp/out" "re-encoded"
check "benign fine-tune passes" 0 "$bin" diff "$C/base" "$C/ft-01"
check "ROME edit fails" 1 "$bin" diff "$C/base" "$C/rome"
contains "text names the finding" "$tmp/out" "DIFF-LOW-RANK-EDIT"
contains "text table lists the edited matrix" "$tmp/out" "mlp.c_proj.weight"
check "merged LoRA passes at the default threshold" 0 "$bin" diff "$C/base" "$C/lora-r4"
check "merged LoRA fails at --fail-on medium" 1 "$bin" diff --fail-on medium "$C/base" "$C/lora-r4"

for v in rome memit lora-r8 poison-embed payload-exe-1 payload-rand-3 bf16-payload ft-bitfit; do
  base=$(awk -F'\t' -v v="$v" '$1 == v { print $2 }' "$C/labels.tsv")
  "$bin" diff --format json "$C/$base" "$C/$v" >"$tmp/out" 2>"$tmp/err"
  json_ok "$v classified as labelled ($(label "$v"))" "d['classification']['kind'] == '$(label "$v")'"
done
"$bin" diff --format json "$C/base" "$C/rome" >"$tmp/out"
json_ok "json: schema, spectrum of the edited matrix is rank one" \
  "d['schema'].endswith('diff-report/v1.json') and
   [t for t in d['tensors'] if t['changed'] > 0][0]['spectrum']['energy_rank99'] == 1 and
   d['summary']['fails'] is True and d['findings'][0]['id'] == 'DIFF-LOW-RANK-EDIT'"
"$bin" diff --format json "$C/base" "$C/poison-embed" >"$tmp/out"
cf=$(/usr/bin/python3 -c "import json; print(json.load(open('$C/poison-embed/tokenizer.json'))['model']['vocab']['cf'])")
json_ok "json: trigger tokens named from tokenizer.json" \
  "any(e == \"#$cf 'cf'\" for f in d['findings'] for k, e in f['evidence'].items() if k.startswith('token'))"
"$bin" diff --format json "$C/base" "$C/payload-exe-1" >"$tmp/out"
json_ok "json: payload confined to the lowest byte" \
  "all(t['bits']['highest_changed_bit'] <= 7 for t in d['tensors'] if t['changed'] > 0)"

# The inspect fixtures (a trained MLP, tests/fixtures/forensics/inspect): payloads of other sizes.
I=$root/tests/fixtures/forensics/inspect
for pair in "benign lowbyte_elf" "benign low2_elf" "bf16 bf16_script"; do
  set -- $pair
  "$bin" diff --format json "$I/$1.safetensors" "$I/$2.safetensors" >"$tmp/out" 2>"$tmp/err"
  json_ok "$2 against $1 is a low-bit payload" "d['classification']['kind'] == 'low-bit-payload'"
done
"$bin" diff --format json "$I/benign.safetensors" "$I/bf16.safetensors" >"$tmp/out" 2>"$tmp/err"
json_ok "bf16 rounding of the trained model is not a payload" "d['classification']['kind'] != 'low-bit-payload'"

check "sarif" 1 "$bin" diff --format sarif -o "$tmp/d.sarif" "$C/base" "$C/memit"
check "sarif validates" 0 $validate --sarif "$tmp/d.sarif"
finish
