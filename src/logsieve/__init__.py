"""logsieve: classify log lines through a sieve of rules, an embedding head and an LLM.

>>> import logsieve
>>> sieve = logsieve.build_sieve(logsieve.Settings())            # doctest: +SKIP
>>> sieve.classify("User User123 logged in.").to_dict()["final_category"]  # doctest: +SKIP
'USER_ACTION'
"""

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


def __getattr__(name: str) -> str:
    # ``__version__``: one place for it, pyproject.toml, read from the installed package's
    # metadata when asked for (importing importlib.metadata costs a command 0.1 s at start)
    if name == "__version__":
        from importlib import metadata

        try:
            version = metadata.version("logsieve")
        except metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
            version = "0+unknown"
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
