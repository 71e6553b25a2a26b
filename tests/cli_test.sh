#!/usr/bin/env bash
# End-to-end tests of the modelgate command line: exit codes, output formats
# (JSON and SARIF validated against their schemas), policy files, routing by
# content and symlink handling. Usage: tests/cli_test.sh path/to/modelgate
# Prints "N passed, N failed" and exits non-zero on any failure.
set -u
bin=${1:?usage: cli_test.sh MODELGATE}
root=$(cd "$(dirname "$0")/.." && pwd)
validate="node $root/tests/schema/validate.mjs"
source "$root/tests/lib/harness.sh"

A=$root/tests/fixtures/attack
B=$root/tests/fixtures/benign

check "help" 0 "$bin" --help
check "scan help" 0 "$bin" scan --help
contains "scan help lists --fail-on" "$tmp/out" "--fail-on"
check "version" 0 "$bin" --version
check "no subcommand is a usage error" 2 "$bin"
check "missing path is exit 2" 2 "$bin" scan "$tmp/does-not-exist"
check "bad --format is exit 2" 2 "$bin" scan --format xml "$B"
check "bad --fail-on is exit 2" 2 "$bin" scan --fail-on severe "$B"

check "benign corpus passes" 0 "$bin" scan "$B"
check "attack corpus fails" 1 "$bin" scan "$A"
check "critical file fails" 1 "$bin" scan "$A/global_proto0_os_system.pkl"
contains "text names the finding" "$tmp/out" "PICKLE-CALL-DENYLISTED"
contains "text shows FAIL verdict" "$tmp/out" "FAIL"
! grep -q $'\e\[' "$tmp/out" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: colour escapes when not a TTY"; }

# Routing by content, not by name.
cp "$A/global_proto0_os_system.pkl" "$tmp/notes.txt"
check "pickle named .txt is caught" 1 "$bin" scan "$tmp/notes.txt"
cp "$B/torch_state_dict.pt" "$tmp/weights"
check "checkpoint without extension passes" 0 "$bin" scan --format json "$tmp/weights"
contains "checkpoint without extension routed as zip" "$tmp/out" '"format": "zip"'

# --fail-on thresholds.
printf '\x80\x04\x8c\x0bmylib.model\x94\x8c\x05Model\x94\x93\x94)\x81\x94.' >"$tmp/custom.pkl"
check "unaudited class passes at default threshold" 0 "$bin" scan "$tmp/custom.pkl"
check "unaudited class fails at --fail-on medium" 1 "$bin" scan --fail-on medium "$tmp/custom.pkl"
printf 'allow-class mylib.*  our own model classes\n' >"$tmp/policy.txt"
check "policy file allows the class" 0 "$bin" scan --fail-on medium --policy "$tmp/policy.txt" "$tmp/custom.pkl"
printf 'permit mylib.*\n' >"$tmp/bad-policy.txt"
check "malformed policy file is exit 2" 2 "$bin" scan --policy "$tmp/bad-policy.txt" "$tmp/custom.pkl"
contains "malformed policy names the line" "$tmp/err" "bad-policy.txt:1"
printf 'deny mylib.model.Model  forbidden here\n' >"$tmp/deny.txt"
check "policy file denies the class" 1 "$bin" scan --policy "$tmp/deny.txt" "$tmp/custom.pkl"

# JSON and SARIF validate against their schemas.
check "json on attack corpus" 1 "$bin" scan --format json -o "$tmp/a.json" "$A"
check "json validates" 0 $validate --json "$tmp/a.json"
check "json on benign corpus" 0 "$bin" scan --format json -o "$tmp/b.json" "$B"
check "benign json validates" 0 $validate --json "$tmp/b.json"
check "sarif on attack corpus" 1 "$bin" scan --format sarif -o "$tmp/a.sarif" "$A"
check "sarif validates" 0 $validate --sarif "$tmp/a.sarif"
check "sarif on demo" 1 "$bin" scan --format sarif -o "$tmp/d.sarif" "$root/examples/demo"
check "demo sarif validates" 0 $validate --sarif "$tmp/d.sarif"
check "schema validator self-test" 0 $validate --self-test

# Symlinks are reported, never followed.
mkdir -p "$tmp/repo"
cp "$B/torch_state_dict.pt" "$tmp/repo/model.pt"
ln -s /etc/passwd "$tmp/repo/leak"
ln -s model.pt "$tmp/repo/alias.pt"
check "repo with outside symlink" 0 "$bin" scan --format json "$tmp/repo"
contains "outside symlink reported" "$tmp/out" "FILE-SYMLINK-OUTSIDE"
contains "inside symlink reported" "$tmp/out" '"FILE-SYMLINK"'
check "outside symlink fails at medium" 1 "$bin" scan --fail-on medium "$tmp/repo"

# Unrecognised files are reported, so "no findings" never means "not looked at".
printf 'just some notes\n' >"$tmp/readme.md"
check "text file" 0 "$bin" scan --format json "$tmp/readme.md"
contains "unrecognised reported" "$tmp/out" "FILE-UNRECOGNISED"

# modelgate manifest (OMS manifest lines as in the reference goldens)
P=$root/tests/fixtures/provenance/bundles/v1.1.0-elliptic-key
check "manifest help" 0 "$bin" manifest --help
check "manifest of a signed folder" 0 "$bin" manifest "$P" --ignore-paths model.sig ignore-me
contains "manifest line" "$tmp/out" "^signme-1:bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc$"
check "manifest shards" 0 "$bin" manifest "$P/signme-1" --method shards --shard-size 8
contains "shard line" "$tmp/out" "^\.:0:8:"
check "manifest json" 0 "$bin" manifest "$P" --ignore-paths model.sig ignore-me --format json
contains "root digest" "$tmp/out" "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4"
check "manifest of a missing path is exit 2" 2 "$bin" manifest "$tmp/does-not-exist"
check "manifest glob ignore path is exit 2" 2 "$bin" manifest "$P" --ignore-paths '*.sig'
contains "glob refused" "$tmp/err" "glob"

finish
