# Steward's command index. Run `make` (or `make help`) to list the commands.
# Everything works from a fresh clone: `make test` installs what is missing (Debian 12, as root, no questions).

SHELL := /bin/bash
SWIFT_FORMAT_ARGS := --configuration .swift-format --recursive Sources Tests

.DEFAULT_GOAL := help
.PHONY: help serve test lint format e2e bench clean-services

help: ## List the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  make %-15s %s\n", $$1, $$2 }'

serve: ## Run the server locally (extra arguments: make serve ARGS="--port 9000")
	swift run steward serve $(ARGS)

test: ## Everything CI runs: deps, lint, build, swift test on SQLite and PostgreSQL, browser tests
	bash scripts/test.sh

lint: ## Fail on code that `make format` would change
	swift format lint --strict $(SWIFT_FORMAT_ARGS)

format: ## Format Sources and Tests in place
	swift format format --in-place $(SWIFT_FORMAT_ARGS)

e2e: ## Browser tests only, against the already built .build/debug/steward
	bash scripts/test.sh e2e

bench: ## Run every scripts/bench/*.sh
	@shopt -s nullglob; benches=(scripts/bench/*.sh); \
	if (( $${#benches[@]} == 0 )); then echo "no benchmarks in scripts/bench/"; exit 0; fi; \
	for bench in "$${benches[@]}"; do echo "== $$bench"; bash "$$bench" || exit 1; done

clean-services: ## Stop PostgreSQL and the SMTP sink left behind by an interrupted test run
	bash scripts/services.sh stop
