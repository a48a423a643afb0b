"""The examples in lib's docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["lib.checkpoint", "lib.data", "lib.distributed", "lib.models", "lib.privacy", "lib.rng", "lib.stream",
           "lib.testfns", "lib.train"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
