"""logsieve: classify log lines through a sieve of rules, an embedding head and an LLM.

    >>> import logsieve
    >>> sieve = logsieve.build_sieve(logsieve.Settings())            # doctest: +SKIP
    >>> sieve.classify("User User123 logged in.").to_dict()["final_category"]  # doctest: +SKIP
    'USER_ACTION'
"""

from importlib import metadata as _metadata

from .build import build_sieve
from .cache import Decision, DecisionCache
from .errors import (
    InputError,
    LogsieveError,
    ModelError,
    StageError,
    StageFailed,
    StageUnavailable,
    TaxonomyError,
)
from .result import Result, Step
from .settings import Settings
from .sieve import Sieve
from .taxonomy import Label, Rule, Taxonomy, load_taxonomy
from .templates import template_key

try:  # one place for the version: pyproject.toml, through the installed package's metadata
    __version__ = _metadata.version("logsieve")
except _metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"

__all__ = [
    "Decision",
    "DecisionCache",
    "InputError",
    "Label",
    "LogsieveError",
    "ModelError",
    "Result",
    "Rule",
    "Settings",
    "Sieve",
    "StageError",
    "StageFailed",
    "StageUnavailable",
    "Step",
    "Taxonomy",
    "TaxonomyError",
    "__version__",
    "build_sieve",
    "load_taxonomy",
    "template_key",
]
