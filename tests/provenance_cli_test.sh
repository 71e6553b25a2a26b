#!/usr/bin/env bash
# End-to-end tests of `modelgate sign`, `verify` and `attest`: every historical
# model_signing bundle and the OMS spec vectors, sign/verify round trips, and
# tampering, each with its exit code and the message that names the cause.
# Usage: tests/provenance_cli_test.sh path/to/modelgate
# Prints "N passed, N failed" and exits non-zero on any failure.
set -u
bin=${1:?usage: provenance_cli_test.sh MODELGATE}
root=$(cd "$(dirname "$0")/.." && pwd)
P=$root/tests/fixtures/provenance
B=$P/bundles
K=$P/keys
S=$P/signing
source "$root/tests/lib/harness.sh"

check "sign help" 0 "$bin" sign --help
contains "sign help lists --cert-chain" "$tmp/out" "--cert-chain"
check "verify help" 0 "$bin" verify --help
contains "verify help lists --ignore-unsigned-files" "$tmp/out" "--ignore-unsigned-files"

# Historical bundles, verified as model_signing's own all-versions test does.
for v in v0.2.0 v0.3.1 v1.0.0 v1.1.0; do
  check "$v certificate" 0 "$bin" verify "$B/$v-certificate" --ca "$K/ca-cert.pem"
  contains "$v certificate says VERIFIED" "$tmp/out" "VERIFIED"
done
check "v1.0.1 certificate" 0 "$bin" verify "$B/v1.0.1-certificate" --ca "$K/ca-cert.pem" \
  --ignore-paths "$B/v1.0.1-certificate/ignore-me"
for v in v0.3.1 v1.0.0; do
  check "$v key (single file)" 0 "$bin" verify "$B/$v-elliptic-key/signme-1" --key "$K/signing-key-pub.pem"
done
check "v1.0.1 key" 0 "$bin" verify "$B/v1.0.1-elliptic-key" --key "$K/signing-key-pub.pem" --ignore-paths ignore-me
check "v1.1.0 key" 0 "$bin" verify "$B/v1.1.0-elliptic-key" --key "$K/signing-key-pub.pem"
check "v1.0.1 key without ignore path" 1 "$bin" verify "$B/v1.0.1-elliptic-key" --key "$K/signing-key-pub.pem"
contains "unsigned file named" "$tmp/out" "added:   ignore-me"
check "v1.0.1 key --ignore-unsigned-files" 0 "$bin" verify "$B/v1.0.1-elliptic-key" --key "$K/signing-key-pub.pem" \
  --ignore-unsigned-files

# Keyless bundles, offline against the pinned public-good trusted root.
TR=$P/sigstore/prod-trusted_root.json
ID=(--identity stefanb@us.ibm.com --issuer https://sigstore.verify.ibm.com/oauth2)
for v in v0.3.1 v1.0.0 v1.1.0; do
  check "$v sigstore" 0 "$bin" verify "$B/$v-sigstore" --trusted-root "$TR" "${ID[@]}"
done
check "v1.0.1 sigstore" 0 "$bin" verify "$B/v1.0.1-sigstore" --trusted-root "$TR" "${ID[@]}" --ignore-paths ignore-me
check "sigstore wrong identity" 1 "$bin" verify "$B/v1.1.0-sigstore" --trusted-root "$TR" \
  --identity mallory@example.com --issuer https://sigstore.verify.ibm.com/oauth2
contains "identity check named" "$tmp/out" "check:   identity"
check "spec valid sigstore" 0 "$bin" verify "$B/v1.1.0-sigstore" --trusted-root "$TR" "${ID[@]}" \
  --signature "$P/oms-spec-vectors/valid/sigstore.bundle.json"
check "unusable trusted root" 2 "$bin" verify "$B/v1.1.0-sigstore" --trusted-root "$K/ca-cert.pem" "${ID[@]}"

# OMS spec vectors against the files of v1.1.0-elliptic-key.
mkdir "$tmp/spec" && cp "$B/v1.1.0-elliptic-key/"{signme-1,signme-2,ignore-me} "$tmp/spec/"
V=$P/oms-spec-vectors
check "spec valid key" 0 "$bin" verify "$tmp/spec" --key "$K/signing-key-pub.pem" --signature "$V/valid/key.bundle.json"
check "spec valid certificate" 0 "$bin" verify "$tmp/spec" --ca "$K/ca-cert.pem" \
  --signature "$V/valid/certificate.bundle.json"
for f in invalid/empty invalid/missing-envelope invalid/missing-verification-material \
         invalid/missing-tlog-entries invalid-payload/wrong-predicate; do
  check "spec $f rejected" 1 "$bin" verify "$tmp/spec" --key "$K/signing-key-pub.pem" --signature "$V/$f.bundle.json"
  contains "spec $f has a reason" "$tmp/out" "reason:"
done
check "spec empty as json" 1 "$bin" verify "$tmp/spec" --key "$K/signing-key-pub.pem" \
  --signature "$V/invalid/empty.bundle.json" --format json
contains "json failed_check" "$tmp/out" '"failed_check": "bundle"'
contains "json verified false" "$tmp/out" '"verified": false'

# Round trips: three curves, files and shards, folder and single file, cert chain.
mkmodel() { mkdir -p "$1/weights"; printf '{"layers": 2}\n' >"$1/config.json";
  head -c 5000 /dev/zero | tr '\0' 'a' >"$1/weights/a.bin"; head -c 3000 /dev/zero | tr '\0' 'b' >"$1/weights/b.bin"; }
n=0
for k in p256 p384 p521; do
  for method in files shards; do
    n=$((n + 1)); m=$tmp/m$n; mkmodel "$m"
    extra=(); [[ $k == p384 ]] && extra=(--password-file "$S/p384-password.txt")
    priv=$S/$k.pem; [[ $k == p384 ]] && priv=$S/p384-encrypted.pem
    check "sign $k $method" 0 "$bin" sign "$m" --key "$priv" "${extra[@]}" --method "$method" --shard-size 1024
    check "verify $k $method" 0 "$bin" verify "$m" --key "$S/$k-pub.pem"
    check "sign $k file" 0 "$bin" sign "$m/weights/a.bin" --key "$priv" "${extra[@]}" --method "$method" \
      --signature "$tmp/m$n-a.sig"
    check "verify $k file" 0 "$bin" verify "$m/weights/a.bin" --key "$S/$k-pub.pem" --signature "$tmp/m$n-a.sig"
  done
done
m=$tmp/chain; mkmodel "$m"
check "sign with chain" 0 "$bin" sign "$m" --key "$S/p256.pem" --cert-chain "$S/chain.pem"
check "verify chain" 0 "$bin" verify "$m" --ca "$S/root.pem" --format json
contains "json verified" "$tmp/out" '"verified": true'
contains "json signer" "$tmp/out" 'modelgate test signer'
check "wrong CA" 1 "$bin" verify "$m" --ca "$S/other-root.pem"
contains "wrong CA names the check" "$tmp/out" "check:   certificate-chain"
check "chain bundle with --key" 1 "$bin" verify "$m" --key "$S/p256-pub.pem"
contains "method mismatch named" "$tmp/out" "certificate, not a public key"

# Tampering.
m=$tmp/tamper; mkmodel "$m"
check "sign for tamper" 0 "$bin" sign "$m" --key "$S/p256.pem"
check "untampered" 0 "$bin" verify "$m" --key "$S/p256-pub.pem"
check "wrong key" 1 "$bin" verify "$m" --key "$S/p521-pub.pem"
contains "wrong key named" "$tmp/out" "different public key"
printf 'x' | dd of="$m/weights/a.bin" bs=1 seek=2500 conv=notrunc status=none
check "flipped byte" 1 "$bin" verify "$m" --key "$S/p256-pub.pem"
contains "changed file named" "$tmp/out" "changed: weights/a.bin"
check "flipped byte json" 1 "$bin" verify "$m" --key "$S/p256-pub.pem" --format json
contains "json changed list" "$tmp/out" '"weights/a.bin"'
head -c 5000 /dev/zero | tr '\0' 'a' >"$m/weights/a.bin"
printf 'new' >"$m/weights/c.bin"
check "added file" 1 "$bin" verify "$m" --key "$S/p256-pub.pem"
contains "added file named" "$tmp/out" "added:   weights/c.bin"
check "added file ignored" 0 "$bin" verify "$m" --key "$S/p256-pub.pem" --ignore-unsigned-files
rm "$m/weights/c.bin" "$m/config.json"
check "missing file" 1 "$bin" verify "$m" --key "$S/p256-pub.pem"
contains "missing file named" "$tmp/out" "missing: config.json"
printf '{"layers": 2}\n' >"$m/config.json"
sed 's/"sig":"M/"sig":"N/' "$m/model.sig" >"$tmp/badsig.sig"
check "modified signature" 1 "$bin" verify "$m" --key "$S/p256-pub.pem" --signature "$tmp/badsig.sig"
contains "signature check named" "$tmp/out" "check:   signature"

# Usage errors.
check "no method" 2 "$bin" verify "$m"
check "two methods" 2 "$bin" verify "$m" --key "$S/p256-pub.pem" --ca "$S/root.pem"
check "missing model" 2 "$bin" verify "$tmp/nope" --key "$S/p256-pub.pem"
check "missing signature" 2 "$bin" verify "$m" --key "$S/p256-pub.pem" --signature "$tmp/nope.sig"
check "key from a pipe" 0 "$bin" verify "$m" --key <(cat "$S/p256-pub.pem")
check "keyless needs identity" 2 "$bin" verify "$m" --trusted-root "$S/root.pem"
check "verify with a private key as --key" 2 "$bin" verify "$m" --key "$S/p256.pem"
check "verify with a non-certificate --ca" 2 "$bin" verify "$tmp/chain" --ca "$S/p256-pub.pem"
check "sign with a public key" 2 "$bin" sign "$m" --key "$S/p256-pub.pem"
check "bad --method" 2 "$bin" sign "$m" --key "$S/p256.pem" --method tree
check "ignore path outside the model" 2 "$bin" sign "$m" --key "$S/p256.pem" --ignore-paths /etc/passwd

# Opt-in digest cache for signing: a re-sign after a change must hash the
# changed file again (verify never uses the cache).
c=$tmp/cached
mkdir -p "$c" && printf 'first' >"$c/w.bin" && printf '{}' >"$c/config.json"
check "sign with a digest cache" 0 "$bin" sign "$c" --key "$S/p256.pem" --digest-cache "$c/.digest-cache"
check "cache file exists" 0 test -s "$c/.digest-cache"
check "re-sign from the cache" 0 "$bin" sign "$c" --key "$S/p256.pem" --digest-cache "$c/.digest-cache"
check "verify after cached sign" 0 "$bin" verify "$c" --key "$S/p256-pub.pem"
printf 'second' >"$c/w.bin"
check "re-sign after a change" 0 "$bin" sign "$c" --key "$S/p256.pem" --digest-cache "$c/.digest-cache"
check "verify sees the new digest" 0 "$bin" verify "$c" --key "$S/p256-pub.pem"

# modelgate attest, and verify --attestation.
a=$tmp/attested
mkdir -p "$a/weights"
printf 'weights' >"$a/weights/model.safetensors.bin"
printf '{"model_type": "gpt2"}\n' >"$a/config.json"
check "attest help" 0 "$bin" attest --help
contains "attest help lists --bom" "$tmp/out" "--bom"
check "attest clean model" 0 "$bin" attest "$a" --key "$S/p256.pem"
contains "attest says pass" "$tmp/out" "verdict pass"
check "verify attestation" 0 "$bin" verify "$a" --attestation "$a/model.att.json" --key "$S/p256-pub.pem" --require-pass
contains "attestation records the verdict" "$tmp/out" "recorded:  verdict pass"
check "attestation json" 0 "$bin" verify "$a" --attestation "$a/model.att.json" --key "$S/p256-pub.pem" --format json
contains "attestation json verdict" "$tmp/out" '"verdict": "pass"'
check "attestation is not an OMS signature" 2 "$bin" verify "$a" --key "$S/p256-pub.pem"  # no model.sig
check "attestation as --signature" 1 "$bin" verify "$a" --key "$S/p256-pub.pem" --signature "$a/model.att.json"
contains "predicate type named" "$tmp/out" "check:   statement"
printf 'weightz' >"$a/weights/model.safetensors.bin"
check "attested model changed" 1 "$bin" verify "$a" --attestation "$a/model.att.json" --key "$S/p256-pub.pem"
contains "changed file named" "$tmp/out" "changed: weights/model.safetensors.bin"
printf 'cos\nsystem\n(S'"'"'true'"'"'\ntR.' >"$a/pytorch_model.bin"
check "attest malicious model" 1 "$bin" attest "$a" --key "$S/p256.pem"
contains "attest says fail" "$tmp/out" "verdict fail"
check "verify fail verdict" 0 "$bin" verify "$a" --attestation "$a/model.att.json" --key "$S/p256-pub.pem"
check "verify fail verdict --require-pass" 1 "$bin" verify "$a" --attestation "$a/model.att.json" \
  --key "$S/p256-pub.pem" --require-pass
contains "require-pass named" "$tmp/out" "recorded verdict is fail"
check "attestation wrong key" 1 "$bin" verify "$a" --attestation "$a/model.att.json" --key "$K/signing-key-pub.pem"
check "attest with a public key" 2 "$bin" attest "$a" --key "$S/p256-pub.pem"
check "require-pass without attestation" 2 "$bin" verify "$a" --key "$S/p256-pub.pem" --require-pass

finish
