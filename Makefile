# Vitals: build, run and test.
#
#   make run [ARGS="--config.file vitals.yml"]   install what is missing, build release, serve
#   make build                                   debug build of everything, tests included
#   make test [TEST_FLAGS="--filter Foo"]        install, build, systemd/Kubernetes/package checks, swift test
#   make format | format-check                   swift format with the checked-in .swift-format
#   make golden                                  rewrite the golden /metrics files and the docs key tables from the code
#   make bench                                   fleet-scale goals beside node_exporter and blackbox_exporter (bench/scale.sh)
#   make docs                                    DocC for the Vitals module, warnings as errors (.build-docs)
#   make deb                                     .build-deb/packages/vitals_VERSION_ARCH.deb from a static release build, checked by scripts/check-deb.sh
#   make clean                                   remove .build (a full rebuild takes minutes)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SWIFT ?= swift
SWIFT_FLAGS ?= -Xswiftc -warnings-as-errors
TEST_FLAGS ?=
ARGS ?=
FORMAT_PATHS ?= Package.swift Sources Tests Examples Benchmarks/Benchmarks

.DEFAULT_GOAL := build
.PHONY: run build test format format-check golden bench docs deb clean

# The package's binary: release, Swift's runtime linked in (no toolchain on the target), its own
# scratch path so that `make run`'s release build is not rebuilt each time.
DEB_BUILD := $(SWIFT) build -c release --static-swift-stdlib --product vitals --scratch-path .build-deb
# `make test`'s package: a debug build, Swift's runtime linked in.
CHECK_DEB_BUILD := $(SWIFT) build --static-swift-stdlib --product vitals --scratch-path .build-static $(SWIFT_FLAGS)

run:
	scripts/install-deps.sh
	$(SWIFT) build -c release --product vitals
	exec "$$($(SWIFT) build -c release --show-bin-path)/vitals" serve $(ARGS)

build:
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)

# The tests read VITALS_BINARY (the debug `vitals` built above) and VITALS_VENV_PYTHON (a Python
# with prometheus_client, for scripts/check-openmetrics.py). The systemd, Kubernetes and package
# checks run before swift test so that swift test's own summary is the last line printed.
#
# The package check packages a debug `vitals` with Swift's runtime linked in: the same scripts as
# `make deb`, without the static release build's twenty minutes. It has a scratch path of its own:
# switching one build folder between static and dynamic linking breaks the next link there.
test:
	scripts/install-deps.sh --test
	$(SWIFT) format lint --strict --parallel --recursive $(FORMAT_PATHS)
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(CHECK_DEB_BUILD)
	@bin_path="$$($(SWIFT) build --show-bin-path)"; \
	export VITALS_BINARY="$$bin_path/vitals" VITALS_VENV_PYTHON="$(CURDIR)/.venv/bin/python"; \
	if [[ -x scripts/check-systemd.sh ]]; then \
	    echo scripts/check-systemd.sh; \
	    scripts/check-systemd.sh; \
	fi; \
	echo scripts/check-socket-activation.sh; \
	scripts/check-socket-activation.sh; \
	echo scripts/check-kubernetes.sh; \
	scripts/check-kubernetes.sh; \
	echo scripts/make-deb.sh; \
	rm -rf .build-static/packages; \
	scripts/check-deb.sh "$$(scripts/make-deb.sh "$$($(CHECK_DEB_BUILD) --show-bin-path)/vitals" .build-static/packages)"; \
	echo "VITALS_BINARY=$$VITALS_BINARY VITALS_VENV_PYTHON=$$VITALS_VENV_PYTHON $(SWIFT) test --skip-build $(TEST_FLAGS)"; \
	$(SWIFT) test --skip-build $(TEST_FLAGS)

# The release package; `make test` checks the same package built from the debug binary.
deb:
	scripts/install-deps.sh --deb
	$(DEB_BUILD)
	rm -rf .build-deb/packages
	scripts/make-deb.sh "$$($(DEB_BUILD) --show-bin-path)/vitals" .build-deb/packages
	scripts/check-deb.sh .build-deb/packages/vitals_*.deb

format:
	$(SWIFT) format format --in-place --parallel --recursive $(FORMAT_PATHS)

format-check:
	$(SWIFT) format lint --strict --parallel --recursive $(FORMAT_PATHS)

# The golden /metrics files and the key tables of docs/checks.md change only through this target;
# review their diff before committing.
golden:
	VITALS_UPDATE_GOLDEN=1 $(SWIFT) test $(SWIFT_FLAGS) --filter "MetricsGoldenTests|CheckTypesTests"

bench:
	bash bench/scale.sh

# The manifest adds swift-docc-plugin only when VITALS_DOCS is set; the separate scratch path keeps
# the plugin's build out of .build.
docs:
	VITALS_DOCS=1 $(SWIFT) package --scratch-path .build-docs generate-documentation --target Vitals --warnings-as-errors

clean:
	rm -rf .build
