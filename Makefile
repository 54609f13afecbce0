# Oracle Chat — the two commands of the README, plus benchmarks.
#   make serve   install what is missing, build (release), start on 127.0.0.1:8000
#   make test    install what is missing, build, run every test and the API fuzzing; non-zero on any failure
#   make bench   build (release) and print the benchmark figures

SWIFT ?= swift
RELEASE_BIN = .build/release/oracle-chat

.PHONY: deps build serve test bench clean-data

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product oracle-chat

serve: build
	$(RELEASE_BIN) serve

# The libcurl client's tests measure real timeouts against a loopback server: they run on
# their own so the rest of the suite (CPU-heavy policy runs) cannot starve that server.
# Last, the live server is held to its OpenAPI document by schemathesis (1-3 minutes).
test: deps
	./scripts/python-sdk-env.sh >/dev/null
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter '^LLMTests\.'
	$(SWIFT) test --skip-build --skip '^LLMTests\.'
	$(SWIFT) run oracle-chat policy test policies --coverage --threshold 100
	./scripts/api-fuzz.sh

bench: deps
	@./bench/run.sh
