# Shared by the end-to-end test scripts (cli_test.sh, provenance_cli_test.sh,
# bom_test.sh): a scratch folder removed on exit, pass/fail counters, and the
# two assertions. Source it after `set -u`; end the script with `finish`.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() {  # check NAME EXPECTED_EXIT COMMAND...   (stdout in $tmp/out, stderr in $tmp/err)
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got -eq $want ]]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $name: exit $got, want $want"; head -c 2000 "$tmp/out" "$tmp/err"; fi
}
contains() {  # contains NAME FILE PATTERN
  if grep -q -- "$3" "$2"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $1: '$3' not in $(basename "$2")"; head -c 1000 "$2"; fi
}
finish() {  # prints the counts; the script's exit status is non-zero on any failure
  echo "$pass passed, $fail failed"
  [[ $fail -eq 0 ]]
}
