#!/usr/bin/env bash
# End-to-end tests of `modelgate inspect`: exit codes, text table, JSON body
# and SARIF on the trained fixtures of tests/fixtures/forensics/inspect
# (scripts/fixtures/inspect_fixtures.py), with expected payload locations
# taken from expected.json (computed by the generator, not by modelgate).
# Usage: tests/inspect_test.sh path/to/modelgate
# Prints "N passed, N failed" and exits non-zero on any failure.
set -u
bin=${1:?usage: inspect_test.sh MODELGATE}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tests/lib/harness.sh"
F=$root/tests/fixtures/forensics/inspect
py() { /usr/bin/python3 -c "$@"; }
json_ok() {  # json_ok NAME PYTHON-EXPR-over-d-and-e   (d: report in $tmp/out, e: expected.json)
  if py "import json,sys; d=json.load(open('$tmp/out')); e=json.load(open('$F/expected.json')); sys.exit(0 if ($2) else 1)"; then
    pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; head -c 1500 "$tmp/out"; fi
}

check "inspect help" 0 "$bin" inspect --help
contains "help lists --jobs" "$tmp/out" "--jobs"
contains "help lists --all-tensors" "$tmp/out" "--all-tensors"
check "missing path is exit 2" 2 "$bin" inspect "$tmp/does-not-exist"
check "bad --format is exit 2" 2 "$bin" inspect --format xml "$F/benign.safetensors"

check "benign trained model passes" 0 "$bin" inspect "$F/benign.safetensors"
contains "text table has the header" "$tmp/out" "low16 zero %"
contains "text table lists a tensor" "$tmp/out" "2.weight"
check "benign passes even at --fail-on low" 0 "$bin" inspect --fail-on low "$F/benign.safetensors"
check "info finding always present" 1 "$bin" inspect --fail-on info "$F/benign.safetensors"
check "bf16-as-f32 model passes" 0 "$bin" inspect --show-info "$F/bf16.safetensors"
contains "bf16-as-f32 is reported as info" "$tmp/out" "INSPECT-BF16-AS-F32"

check "ELF in lowest byte fails" 1 "$bin" inspect "$F/lowbyte_elf.safetensors"
contains "text names the finding" "$tmp/out" "INSPECT-EMBEDDED-SIGNATURE"
check "ELF in lowest two bytes fails" 1 "$bin" inspect --jobs 1 "$F/low2_elf.safetensors"
check "script in bf16 low bits fails" 1 "$bin" inspect --jobs 3 "$F/bf16_script.safetensors"
contains "bf16 low bits named" "$tmp/out" "INSPECT-BF16-LOW-BITS-SET"

check "json report" 1 "$bin" inspect --format json "$F/lowbyte_elf.safetensors"
json_ok "json body has model, tensors and model_stats" \
  "d['model'].endswith('lowbyte_elf.safetensors') and len(d['tensors']) == 6 and 'model_stats' in d"
json_ok "json tensor stats match numpy" \
  "all(abs(t['values']['mean'] - e['tensors']['lowbyte_elf.safetensors'][t['name']]['mean']) < 1e-6 and
       abs(t['byte_lanes'][3]['entropy_bits'] - e['tensors']['lowbyte_elf.safetensors'][t['name']]['entropy_bits'][3]) < 1e-6
       for t in d['tensors'])"
json_ok "json finding locates the ELF where it was written" \
  "[(f['evidence']['tensor'], int(f['evidence']['element']), f['evidence']['byte_lanes']) for f in d['findings']
    if f['id'] == 'INSPECT-EMBEDDED-SIGNATURE'][0] ==
   (e['payloads']['lowbyte_elf.safetensors']['location'][0], e['payloads']['lowbyte_elf.safetensors']['location'][1], 'byte 0')"
json_ok "json counts chance magics" "d['model_stats']['low_byte_streams'][0]['positions'] == 13450"

check "sarif report" 1 "$bin" inspect --format sarif "$F/bf16_script.safetensors"
json_ok "sarif has the high results" \
  "{r['ruleId'] for r in d['runs'][0]['results']} >= {'INSPECT-EMBEDDED-SIGNATURE', 'INSPECT-BF16-LOW-BITS-SET'}"

# A file that cannot be fully read is never clean.
head -c 30000 "$F/benign.safetensors" >"$tmp/truncated.safetensors"
check "truncated model is not clean at --fail-on medium" 1 "$bin" inspect --fail-on medium "$tmp/truncated.safetensors"
contains "truncated model reports unreadable tensors" "$tmp/out" "INSPECT-TENSOR-UNREADABLE"

check "report to a file" 1 "$bin" inspect -o "$tmp/report.txt" "$F/low2_elf.safetensors"
contains "report file written" "$tmp/report.txt" "INSPECT-EMBEDDED-SIGNATURE"
finish
