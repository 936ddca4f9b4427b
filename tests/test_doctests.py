"""The examples in the package's docstrings run, as written (``>>>`` lines)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import logsieve

#: Modules whose imports need an extra that may be missing (they are skipped then).
_EXTRAS = {"logsieve.engines.ray": "ray"}


def _modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(logsieve.__path__, "logsieve.")
        if not m.name.endswith("__main__")
    )


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    if name in _EXTRAS:
        pytest.importorskip(_EXTRAS[name])
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_the_examples_are_many() -> None:
    # (a guard on the guard: a collection that finds no examples would pass silently)
    attempted = sum(
        doctest.testmod(importlib.import_module(n)).attempted
        for n in ("logsieve.patterns", "logsieve.records", "logsieve.templates")
    )
    assert attempted >= 10


def test_the_public_names_are_there_and_only_those() -> None:
    import importlib.metadata

    for name in logsieve.__all__:
        assert hasattr(logsieve, name), name
    public = {
        n
        for n in vars(logsieve)
        if not n.startswith("_") and not isinstance(getattr(logsieve, n), type(logsieve))
    }  # (submodules aside)
    assert public <= set(logsieve.__all__), public - set(logsieve.__all__)
    assert logsieve.__version__ == importlib.metadata.version("logsieve")


def test_every_exception_of_the_core_is_in_the_errors_tree() -> None:
    import inspect

    from logsieve import errors

    # The HTTP face's answers and the protocol's private signal are not the core's errors.
    faces = {"logsieve.server.errors.ApiError", "logsieve.server.protocol._Refused"}
    elsewhere = []
    for name in _modules():
        if name in _EXTRAS and importlib.util.find_spec(_EXTRAS[name]) is None:
            continue
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseException)
                and cls.__module__ == name != errors.__name__
                and f"{name}.{cls_name}" not in faces
            ):
                elsewhere.append(f"{name}.{cls_name}")
    assert elsewhere == []
    for cls_name, cls in inspect.getmembers(errors, inspect.isclass):
        if cls.__module__ == errors.__name__:
            assert issubclass(cls, errors.LogsieveError), cls_name
            assert cls_name in (errors.__doc__ or ""), f"{cls_name} is not drawn in the tree"
