# truecaller-token: every command installs what it is missing first (scripts/setup.sh).
.PHONY: setup build pack test test-host test-wasm test-js fuzz lint demo bench clean

setup:
	@bash scripts/setup.sh

pack: setup
	node scripts/pack.mjs

build: pack

lint: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --all-targets --features js-api -- -D warnings

test-host: setup
	cargo test

test-wasm: setup
	node tests/run-wasm-tests.mjs node chrome

# The property suites (tests/props/) are seeded: `make test` uses FC_TEST_SEED unless FC_SEED is set,
# and a failure prints the FC_SEED, FC_PATH and FC_ONLY that replay it (tests/props/README.md).
FC_TEST_SEED ?= 20260512

test-js: pack
	FC_SEED=$${FC_SEED:-$(FC_TEST_SEED)} node --test --test-concurrency=1 tests/js/ tests/fleet/ tests/package/ tests/cli/ tests/runtimes/ tests/props/ tests/faults/ tests/demo/

# The property and fault suites, longer (FC_RUNS, default 3000) and with a random seed (printed).
fuzz: pack
	@seed=$${FC_SEED:-$$(( $$(od -An -N4 -tu4 /dev/urandom) % 2147483647 ))}; runs=$${FC_RUNS:-3000}; \
	echo "make fuzz: FC_SEED=$$seed FC_RUNS=$$runs (to replay: FC_SEED=$$seed FC_RUNS=$$runs make fuzz)"; \
	PROPTEST_CASES=$$(( runs * 4 )) cargo test --release --test core_properties && \
	FC_SEED=$$seed FC_RUNS=$$runs node --test --test-concurrency=1 tests/props/ tests/faults/; \
	status=$$?; echo "make fuzz: FC_SEED=$$seed FC_RUNS=$$runs"; exit $$status

test: lint test-host test-wasm test-js

clean:
	rm -rf build dist test-output target/wasm32-unknown-unknown/release

PORT ?= 8787
UPSTREAM ?=
demo: pack
	PORT=$(PORT) UPSTREAM=$(UPSTREAM) node www/server.mjs

bench: pack
	node bench/bench.mjs
