.PHONY: install check lint test bench lock drift
# The exact versions CI and the README's test command install (hashes checked by pip).
LOCK := requirements/dev.lock

install:
	pip install -r $(LOCK)
	pip install --no-deps -e .
lint:
	ruff check src tests benchmarks
	ruff format --check src tests benchmarks
	mypy
test:
	python -m pytest -q
check: lint test
bench:
	python benchmarks/sieve.py

# Refresh the lock from pyproject.toml's ranges (newest versions they allow today, with every
# file's sha256). Run after changing a dependency; commit the result.
lock:
	python -m pip install -q 'uv>=0.5,<1'
	uv pip compile pyproject.toml --extra dev --extra ray --extra redis --extra server --generate-hashes \
		--python-version 3.11 --quiet -o $(LOCK)

# The drift check: a fresh venv with the newest versions pyproject.toml allows (not the lock),
# then lint and the whole suite. Red here and green in CI means an upstream release broke us.
drift:
	bash scripts/drift_check.sh
