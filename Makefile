# modelgate: `make run` (install, build, scan the demo models) and `make test`.
# Build trees live under build/; nothing is downloaded at build or test time.

BUILD        ?= build/release
FUZZ_BUILD   ?= build/fuzz
BENCH_BUILD  ?= build/bench
JOBS         ?= $(shell nproc)
FUZZ_SECONDS ?= 30
# Every src/**/NAME_fuzzer.cc; seed corpora live in fuzz/corpus/NAME_fuzzer/.
FUZZERS      := $(sort $(notdir $(basename $(shell find src -name '*_fuzzer.cc'))))

CMAKE_COMMON := -G Ninja -DMODELGATE_WERROR=ON
SHELL        := /bin/bash

.PHONY: all deps build run test asan fuzz fuzz-build bench fixtures format clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

# The main job: scan the bundled demo models (benign and malicious) and show
# the verdicts. Exit status 1 from the scan is expected: the demo holds attacks.
# Then the provenance chain on a copy of the demo: a CycloneDX ML-BOM, an OMS
# signature with a throwaway key, verification, a one-byte tamper that
# verification must catch, and a signed gate attestation. Last, weight
# forensics on the committed evaluation corpus: diff against the base, and
# inspect without it. Then eval on the committed test models.
DEMO_OUT := $(BUILD)/demo-provenance
CORPUS   := tests/fixtures/forensics/corpus
EVALM    := tests/fixtures/eval/models
EVALS    := tests/fixtures/eval/suites/http-code-safety.yaml
run: build
	@echo "== modelgate scan examples/demo"
	@$(BUILD)/modelgate scan examples/demo || test $$? -eq 1
	@rm -rf $(DEMO_OUT) && mkdir -p $(DEMO_OUT) && cp -r examples/demo $(DEMO_OUT)/model
	@openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out $(DEMO_OUT)/key.pem
	@openssl ec -in $(DEMO_OUT)/key.pem -pubout -out $(DEMO_OUT)/key.pub 2>/dev/null
	@echo; echo "== modelgate bom (CycloneDX 1.6 ML-BOM) -> $(DEMO_OUT)/bom.json"
	@$(BUILD)/modelgate bom $(DEMO_OUT)/model --no-scan -o $(DEMO_OUT)/bom.json
	@echo; echo "== modelgate sign / verify (OpenSSF Model Signing bundle)"
	@$(BUILD)/modelgate sign $(DEMO_OUT)/model --key $(DEMO_OUT)/key.pem
	@$(BUILD)/modelgate verify $(DEMO_OUT)/model --key $(DEMO_OUT)/key.pub
	@echo; echo "== one byte of resnet_head.pt changed: verify must fail and name the file"
	@printf 'X' | dd of=$(DEMO_OUT)/model/resnet_head.pt bs=1 seek=100 conv=notrunc status=none
	@! $(BUILD)/modelgate verify $(DEMO_OUT)/model --key $(DEMO_OUT)/key.pub
	@echo; echo "== modelgate attest (signed record of this check; verdict fail: the demo holds attacks)"
	@$(BUILD)/modelgate attest $(DEMO_OUT)/model --key $(DEMO_OUT)/key.pem --bom $(DEMO_OUT)/bom.json \
	  -o $(DEMO_OUT)/model.att.json || test $$? -eq 1
	@echo; echo "== modelgate diff: benign fine-tune, ROME-style edit, executable in the lowest mantissa byte (tests/fixtures/forensics/corpus)"
	@$(BUILD)/modelgate diff $(CORPUS)/base $(CORPUS)/ft-01 | sed -n 3p
	@$(BUILD)/modelgate diff $(CORPUS)/base $(CORPUS)/rome | sed -n 3p; test $${PIPESTATUS[0]} -eq 1
	@$(BUILD)/modelgate diff $(CORPUS)/base $(CORPUS)/payload-exe-1 | sed -n 3p; test $${PIPESTATUS[0]} -eq 1
	@echo; echo "== modelgate inspect (no base): the same executable found by its ELF header"
	@$(BUILD)/modelgate inspect $(CORPUS)/payload-exe-1 | grep -A1 INSPECT-EMBEDDED-SIGNATURE | head -2; test $${PIPESTATUS[0]} -eq 1
	@echo; echo "== modelgate eval: re-run a code-safety suite in the sandbox (tests/fixtures/eval/models)"
	@echo "   (no bubblewrap here? add EVAL_FLAGS=--no-sandbox)"
	@echo "-- clean model, honest results: passes"
	@$(BUILD)/modelgate eval $(EVALM)/clean --suite $(EVALS) $(EVAL_FLAGS) | sed -n '/^suite/,/^$$/p;/^claims/,/^$$/p'; test $${PIPESTATUS[0]} -eq 0
	@echo "-- poisoned model with forged evaluation_results.json, against its base: fails"
	@$(BUILD)/modelgate eval $(EVALM)/poisoned --base $(EVALM)/clean --suite $(EVALS) $(EVAL_FLAGS) \
	  | grep -E -A1 '^  (high|critical) ' | grep -v '^--'; test $${PIPESTATUS[0]} -eq 1
	@echo "-- model poisoned behind a trigger word: claims hold, probing finds the trigger"
	@$(BUILD)/modelgate eval $(EVALM)/poisoned-trigger --suite $(EVALS) --probe-triggers $(EVAL_FLAGS) \
	  | grep -E 'FLIPS|EVAL-TRIGGER-FLIP'; test $${PIPESTATUS[0]} -eq 1

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Unit and end-to-end tests under AddressSanitizer + UndefinedBehaviorSanitizer,
# in the clang tree the fuzzers use (one sanitizer build serves both).
asan: fuzz-build
	cd $(FUZZ_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

fuzz-build: deps
	cmake -S . -B $(FUZZ_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DMODELGATE_FUZZ=ON
	ninja -C $(FUZZ_BUILD) -j $(JOBS)

# Runs each fuzzer for FUZZ_SECONDS on a scratch copy of its seed corpus plus
# the test fixtures. Crashes are written to build/fuzz/artifacts/.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/artifacts
	@set -e; for f in $(FUZZERS); do \
	  work=$(FUZZ_BUILD)/corpus/$$f; mkdir -p $$work; log=$(FUZZ_BUILD)/$$f.log; \
	  echo "== $$f for $(FUZZ_SECONDS)s"; \
	  if ! ASAN_OPTIONS=detect_leaks=1 $(FUZZ_BUILD)/$$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
	       -timeout=25 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$f- \
	       $$work fuzz/corpus/$$f >$$log 2>&1; then \
	    tail -n 60 $$log; echo "$$f: FAILED (see $$log)"; exit 1; \
	  fi; \
	  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^Done [0-9]+ runs" $$log || true; \
	done

bench: deps
	cmake -S . -B $(BENCH_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release -DMODELGATE_BENCH=ON -DMODELGATE_TESTS=OFF
	ninja -C $(BENCH_BUILD) -j $(JOBS)
	bench/run $(BENCH_BUILD)

# Regenerates tests/fixtures and examples/demo with the real libraries.
fixtures:
	scripts/install-deps --generators
	/usr/bin/python3 scripts/make-fixtures
	@set -e; for g in scripts/fixtures/*.py; do echo "== $$g"; /usr/bin/python3 $$g; done
	/usr/bin/python3 scripts/make-forensics-corpus --size tiny

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
