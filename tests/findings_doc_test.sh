#!/usr/bin/env bash
# Fails when a finding id used in the sources is not documented in
# docs/findings.md (regenerate it with scripts/gen-findings-doc).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
# Any string literal shaped like an id (UPPER-KEBAB, two parts or more) is
# taken for one; the few that are not ids are listed here.
not_ids='^(HYPHEN-MINUS|UTF-8|UTF-16|UTF-32|SHA-256|SHA-384|SHA-512|ISO-8859-1|US-ASCII)$'
ids=$(grep -rhoE '"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+"' \
        --include='*.cc' --exclude='*_test.cc' --exclude='*_fuzzer.cc' "$root/src" | tr -d '"' |
      grep -vE "$not_ids" | sort -u)
pass=0 fail=0
for id in $ids; do
  if grep -qE -- "\| \`?$id\`? \|" "$root/docs/findings.md"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "undocumented finding id: $id"; fi
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 && $pass -gt 20 ]]
