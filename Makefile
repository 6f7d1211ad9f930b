# c8s — see README.md.
#   make demo   installs what is missing, builds, and runs examples/diamond in local mode
#   make test   installs what is missing (system libraries, SeaweedFS), runs make lint, and runs every test
#   make bench  runs the benchmarks in Benchmarks/
#   make fuzz   runs the fuzz tests (Fuzz/README.md) FUZZ_SCALE times longer than make test, with a fresh seed
#   make lint   checks formatting (.swift-format, 120 columns); make format rewrites the sources to match
#   make e2e    runs the end-to-end suite against the cluster KUBECONFIG names
#   make images builds the c8s-coordinator, c8s-agent and c8s images with podman from a release build
#   make release REGISTRY=... VERSION=...   writes dist/VERSION/: an OCI archive per image and c8s-VERSION.yaml
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: deps test-deps build test demo bench fuzz e2e clean images release lint format

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --test

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

test: test-deps
	@SWIFT="$(SWIFT)" bash scripts/lint.sh
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@SWIFT="$(SWIFT)" SWIFT_BUILD_FLAGS="$(SWIFT_BUILD_FLAGS)" bash scripts/run-tests.sh

demo: deps
	$(SWIFT) build --product c8s $(SWIFT_BUILD_FLAGS)
	cd examples/diamond && "$(CURDIR)/.build/debug/c8s" run --local

bench: deps
	$(SWIFT) build -c release --product c8s-bench $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product c8s-coordinator $(SWIFT_BUILD_FLAGS)
	"$$($(SWIFT) build -c release --show-bin-path $(SWIFT_BUILD_FLAGS))/c8s-bench" $(BENCH_FLAGS)

FUZZ_SCALE ?= 50
fuzz: test-deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	C8S_FUZZ_SCALE=$(FUZZ_SCALE) C8S_FUZZ_SEED=$${C8S_FUZZ_SEED:-$$(date +%s)} \
		$(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --filter 'PipelineFuzzTests|WebhookFuzzTests'

lint:
	@SWIFT="$(SWIFT)" bash scripts/lint.sh

format:
	@SWIFT="$(SWIFT)" bash scripts/lint.sh --fix

e2e:
	@bash scripts/e2e.sh

# Images: tagged REGISTRY/NAME:VERSION, stamped with VERSION and REVISION (`--version`, labels).
VERSION ?= $(shell cat VERSION)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
REGISTRY ?= ghcr.io/c8s-dev
IMAGES ?= c8s-coordinator c8s-agent c8s
RELEASE_BUILD = C8S_VERSION="$(VERSION)" C8S_REVISION="$(REVISION)" $(SWIFT) build -c release --static-swift-stdlib \
	$(SWIFT_BUILD_FLAGS)

images:
	@bash scripts/install-deps.sh --images
	$(RELEASE_BUILD)
	bash scripts/image-build.sh --bin-dir "$$($(RELEASE_BUILD) --show-bin-path)" --version "$(VERSION)" \
		--revision "$(REVISION)" --repository "$(REGISTRY)" $(IMAGES)

release: images
	bash scripts/release.sh --registry "$(REGISTRY)" --version "$(VERSION)"

clean:
	rm -rf .build
