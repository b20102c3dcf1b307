"""The README's Python snippets run as written.

Every ``python`` block of README.md is a doctest (``>>>`` prompts with the
output they print), so that none is left unchecked, and each block runs on
its own, with nothing imported by an earlier block: a reader may copy any one
of them. The pytest configuration also runs the README as one doctest file;
this test adds the two properties above.
"""

import doctest
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
PYTHON_BLOCKS = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def python_blocks():
    return PYTHON_BLOCKS.findall(README.read_text(encoding="utf-8"))


def test_readme_has_python_blocks():
    assert len(python_blocks()) >= 4


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_python_block_is_a_doctest(index):
    block = python_blocks()[index]
    examples = doctest.DocTestParser().get_examples(block)
    assert examples, f"README python block {index} has no >>> examples:\n{block}"
    code_lines = [
        line for line in block.splitlines() if line.startswith((">>>", "..."))
    ]
    assert len(code_lines) >= len(examples)


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_python_block_runs_alone(index):
    block = python_blocks()[index]
    test = doctest.DocTestParser().get_doctest(
        block, {}, f"README block {index}", str(README), 0
    )
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.failures == 0, f"README python block {index} fails on its own"
