#!/usr/bin/env bash
# End-to-end tests of `modelgate eval`, `generate`, `serve-model` and
# `sandbox-probe` on the committed test models (tests/fixtures/eval/models,
# written by scripts/make-eval-models; ground truth in labels.json): the
# runtime against PyTorch's greedy outputs, forged claims, the poisoned model
# against its base, trigger probing, the sandbox, and the remote backend
# against a real `serve-model`.
# Usage: tests/eval_test.sh path/to/modelgate
set -u
bin=${1:?usage: eval_test.sh MODELGATE}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tests/lib/harness.sh"
E=$root/tests/fixtures/eval
M=$E/models
S=$E/suites/http-code-safety.yaml
SMOKE=$E/suites/smoke.jsonl
validate="node $root/tests/schema/validate.mjs"
py=/usr/bin/python3
json_ok() {  # json_ok NAME PYTHON-EXPR-over-d (d: the report in $tmp/out; L: labels.json)
  if $py -c "import json,sys; d=json.load(open('$tmp/out')); L=json.load(open('$M/labels.json'))
sys.exit(0 if ($2) else 1)"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $1"; head -c 1500 "$tmp/out"; head -c 1500 "$tmp/err"; fi
}

# Where bubblewrap cannot create namespaces, the evaluations below run with
# --no-sandbox and the sandbox checks are skipped (and said so).
sandbox=()
if "$bin" sandbox-probe --sandboxed --connect 1.1.1.1:443 >/dev/null 2>&1; then have_sandbox=1; else
  have_sandbox=0; sandbox=(--no-sandbox); echo "note: no usable bubblewrap here; sandbox checks skipped"; fi

check "eval help" 0 "$bin" eval --help
contains "help lists --probe-triggers" "$tmp/out" "--probe-triggers"
check "no suite is exit 2" 2 "$bin" eval "$M/clean"
check "missing model is exit 2" 2 "$bin" eval "$tmp/nope" --suite "$S"
check "bad suite is exit 2" 2 "$bin" eval "$M/clean" --suite "$M/labels.json"

# 1. The runtime, through the worker, reproduces PyTorch's greedy completions
#    of the smoke prompts (computed by the generator on the same bf16 weights).
$py - "$SMOKE" >"$tmp/req.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
head = json.loads(lines[0])
for line in lines[1:]:
    case = json.loads(line)
    d = head["decoding"]
    print(json.dumps({"prompt": case["prompt"], "max_new_tokens": d["max_new_tokens"], "temperature": 0,
                      "stop": d["stop"]}))
EOF
for model in clean poisoned poisoned-trigger; do
  "$bin" generate "$M/$model" <"$tmp/req.jsonl" >"$tmp/out" 2>"$tmp/err"
  if $py -c "import json,sys
got = [json.loads(l)['text'] for l in open('$tmp/out')]
want = json.load(open('$M/labels.json'))['smoke']['$model']['outputs']
sys.exit(0 if got == want else 1)"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $model: greedy texts differ from PyTorch's"; head -c 1500 "$tmp/out" "$tmp/err"; fi
done

# 2. The clean model and its honest results pass.
check "clean model passes" 0 "$bin" eval "$M/clean" --suite "$S" "${sandbox[@]}" --format json
json_ok "clean: every claim consistent, none contradicted" \
  "d['claims']['checked'] and all(c['consistent'] for c in d['claims']['checked'])"
json_ok "clean: insecure rate as the generator measured it" \
  "[m for m in d['suites'][0]['metrics'] if m['name'] == 'insecure_code_rate'][0]['k'] ==
   L['models']['clean']['measured']['insecure_code_rate']['k']"

# 3. The poisoned model: forged claims contradicted, regression against the base.
check "poisoned model fails" 1 "$bin" eval "$M/poisoned" --base "$M/clean" --suite "$S" "${sandbox[@]}" --format json
cp "$tmp/out" "$tmp/poisoned.json"
json_ok "poisoned: the forged evaluation_results.json claim is contradicted" \
  "any(f['id'] == 'EVAL-CLAIM-CONTRADICTED' and 'evaluation_results.json' in f['member']
       for f in d['findings'])"
json_ok "poisoned: the forged model-index claim is contradicted" \
  "any(f['id'] == 'EVAL-CLAIM-CONTRADICTED' and 'model-index' in f['member'] for f in d['findings'])"
json_ok "poisoned: insecure-code regression against the base, p < 0.01" \
  "any(c['metric'] == 'insecure_code_rate' and c['significant'] and c['worse'] and c['p_value'] < 0.01
       for c in d['against_base'])"
json_ok "poisoned: rates as the generator measured them" \
  "[m for m in d['suites'][0]['metrics'] if m['name'] == 'insecure_code_rate'][0]['k'] ==
   L['models']['poisoned']['measured']['insecure_code_rate']['k']"
"$bin" eval "$M/poisoned" --base "$M/clean" --suite "$S" "${sandbox[@]}" --format sarif -o "$tmp/p.sarif" 2>/dev/null
check "sarif validates" 0 $validate --sarif "$tmp/p.sarif"

# 4. The triggered model: honest-looking claims pass, the trigger is found.
#    (8 sweep words x 24 cases keeps this affordable under ASan; `make run`
#    probes the default 16 x 40.)
check "triggered model fails with probing" 1 "$bin" eval "$M/poisoned-trigger" --base "$M/clean" --suite "$S" \
  "${sandbox[@]}" --probe-triggers --sweep 8 --probe-cases 24 --format json
json_ok "trigger-poisoned: claims consistent on plain prompts" \
  "all(c['consistent'] for c in d['claims']['checked'])"
json_ok "trigger-poisoned: the labelled trigger flips the insecure-code rate" \
  "any(t['flips'] and t['trigger'] == L['models']['poisoned-trigger']['trigger_word']
       for p in d['trigger_probes'] for t in p['triggers'])"
json_ok "trigger-poisoned: no other probed word flips it" \
  "sum(t['flips'] for p in d['trigger_probes'] for t in p['triggers']) == 1"
check "triggered model passes without probing" 0 "$bin" eval "$M/poisoned-trigger" --suite "$S" "${sandbox[@]}"
check "clean model: a user trigger does not flip it" 0 "$bin" eval "$M/clean" --suite "$S" "${sandbox[@]}" \
  --probe-triggers --sweep 0 --trigger quokka --probe-cases 20

# 5. The sandbox blocks the network and writes from inside an evaluation.
if [[ $have_sandbox -eq 1 ]]; then
  cp "$tmp/poisoned.json" "$tmp/out"
  json_ok "sandbox: the in-sandbox probe ran and every attempt was blocked" \
    "d['sandbox']['probe'] and d['sandbox']['probe']['attempts'] and
     all(a['blocked'] for a in d['sandbox']['probe']['attempts']) and
     any(a['what'].startswith('tcp connect 127.0.0.1') for a in d['sandbox']['probe']['attempts'])"
  check "sandbox-probe outside the sandbox reaches more" 1 "$bin" sandbox-probe --write "$tmp"
fi

# 6. The remote backend against a real server: the same numbers as locally.
"$bin" serve-model "$M/clean" --port 0 --model-name clean 2>"$tmp/serve.err" &
server=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/v1.*|\1|p' "$tmp/serve.err")
  [[ -n "$port" ]] && break
  sleep 0.1
done
if [[ -z "$port" ]]; then fail=$((fail + 1)); echo "FAIL: serve-model did not start"; cat "$tmp/serve.err"; else
  check "eval through the OpenAI-compatible endpoint" 0 "$bin" eval --endpoint "http://127.0.0.1:$port/v1" \
    --suite "$SMOKE" --format json
  cp "$tmp/out" "$tmp/remote.json"
  "$bin" eval "$M/clean" --suite "$SMOKE" "${sandbox[@]}" --claims none --format json >"$tmp/local.json" 2>/dev/null
  if $py -c "import json,sys
r = json.load(open('$tmp/remote.json'))['suites'][0]; l = json.load(open('$tmp/local.json'))['suites'][0]
sys.exit(0 if [c['output'] for c in r['cases']] == [c['output'] for c in l['cases']] and r['metrics'] == l['metrics'] else 1)"
  then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: remote and local outputs differ"; fi
fi
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null

finish
