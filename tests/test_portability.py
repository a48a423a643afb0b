"""The chapters' stored outputs hold on other CPUs and thread counts, not only on the one that recorded them.

Every notebook is run again under nbval (strict) in each configuration of ``scripts/portability.py``: the
generic x86-64 kernel with NumPy's SIMD loops off, and the AVX2 kernel with two BLAS threads. A configuration this
machine cannot force is reported as a skip whose reason names why (pytest prints it under "short test summary
info"), never passed silently. Each configuration is a class of its own, so that pytest-xdist's ``loadscope``
gives them to different workers.
"""

import pytest
from notebooks import ROOT, load_script

portability = load_script("portability")
NOTEBOOKS = portability.stored_notebooks([])
CONFIGURATIONS = {configuration.name: configuration for configuration in portability.configurations()}


def check(name: str) -> None:
    configuration = CONFIGURATIONS[name]
    reason = portability.not_applicable(configuration)
    if reason:
        pytest.skip(f"portability check not applicable here: {reason}")
    result = portability.run(configuration, NOTEBOOKS)
    assert result.passed, (
        f"under the {name}, {len(result.failed_cells)} cell(s) of the stored notebooks print something else; "
        f"print such numbers against a tolerance (see DESIGN.md, Portability):\n{result.report}"
    )


def test_every_chapter_is_checked():
    chapters = sorted(p.relative_to(ROOT) for p in (ROOT / "book").rglob("*.ipynb"))
    assert chapters == [p.relative_to(ROOT) for p in NOTEBOOKS] and len(chapters) >= 20


class TestGenericKernel:
    def test_stored_outputs_hold(self):
        check("generic kernel")


class TestAVX2KernelTwoThreads:
    def test_stored_outputs_hold(self):
        check("AVX2 kernel with 2 BLAS threads")
