"""The `drill` fixture: the drill module under test, chosen by `--drill-impl`.

`--drill-impl=reference` (default) loads `bank/<slug>.py`; `handout` loads the text the
candidate receives (written to a temporary folder); any other value is the path of a
candidate's file. The slug comes from the test file's name: test_<slug>.py tests
bank/<slug>.py (bank/ is the folder next to this tests/ folder).
"""

from pathlib import Path

import pytest

from tinymoe.drills import core


def pytest_addoption(parser):
    parser.addoption(
        "--drill-impl", default="reference", metavar="reference|handout|PATH",
        help="what the drill tests run on: the reference, the handout, or a file",
    )


@pytest.fixture(scope="module")
def drill(request, tmp_path_factory):
    """The loaded module of the drill named by this test file (test_<slug>.py)."""
    test_file = Path(request.module.__file__)
    slug = test_file.stem.removeprefix("test_")
    drill_file = core.parse(test_file.parent.parent / "bank" / f"{slug}.py")
    impl = request.config.getoption("--drill-impl")
    if impl == "reference":
        path = drill_file.path
    elif impl == "handout":
        path = tmp_path_factory.mktemp(f"handout_{slug}") / f"{slug}.py"
        path.write_text(drill_file.handout())
    else:
        path = Path(impl).expanduser().resolve()
    return core.load_module(path, slug)
