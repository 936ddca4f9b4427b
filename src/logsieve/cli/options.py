"""What the commands that build a sieve share: their flags, turned into Settings fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def sieve_overrides(taxonomy: str | None, model: Path | None, no_llm: bool) -> dict[str, Any]:
    """Settings fields for --taxonomy, --model and --no-llm (unset flags keep the defaults)."""
    overrides: dict[str, Any] = {}
    if taxonomy:
        overrides["taxonomy"] = taxonomy
    if model:
        overrides["model_dir"] = model
    if no_llm:
        overrides["llm_enabled"] = False
    return overrides
