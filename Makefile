# truecaller-token: every command installs what it is missing first (scripts/setup.sh).
.PHONY: setup build pack test test-host test-wasm test-js lint demo bench clean

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

test-js: pack
	node --test --test-concurrency=1 tests/js/ tests/package/ tests/demo/ tests/fleet/

test: lint test-host test-wasm test-js

clean:
	rm -rf build dist test-output target/wasm32-unknown-unknown/release

PORT ?= 8787
UPSTREAM ?=
demo: pack
	PORT=$(PORT) UPSTREAM=$(UPSTREAM) node www/server.mjs

bench: pack
	node bench/bench.mjs
