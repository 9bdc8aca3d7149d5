"""`make lab` without starting a server: its resolved command line (a dry run) and a run of
the recipe with a stand-in for `jupyter` that reports what JupyterLab would get. The lab must
serve the checkout's root (so exercises/ is reachable), open on the first lesson, and give
the processes it spawns (JupyterLab's terminals, run in the user's $SHELL rather than a login
shell that could reset PATH) the venv's scripts on PATH. `make test` lints exercises/ (a
learner's own answers) only in CI and for maintainers."""

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
# -o: treat the install marker as up to date, so neither run installs anything
MAKE = ["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.lessons-installed"]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def test_the_dry_run_serves_the_root_opens_a_lesson_and_puts_the_venv_on_path():
    out = subprocess.run(
        [*MAKE, "-n", "lab"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    command = out.replace("\\\n", " ")
    assert re.search(rf'--ServerApp\.root_dir="{re.escape(str(ROOT))}"', command), (
        f"make lab does not serve the checkout's root {ROOT}:\n{out}"
    )
    url = re.search(r'--LabApp\.default_url="/lab/tree/([^"]+)"', command)
    assert url, f"make lab sets no default URL:\n{out}"
    assert url.group(1).startswith("lessons/") and (ROOT / url.group(1)).is_file(), (
        f"the default URL opens {url.group(1)}, not a lesson of this checkout"
    )
    shell = re.compile(r"--ServerApp\.terminado_settings=\"\{'shell_command': \['[^']+'\]\}\"")
    assert shell.search(command), f"make lab leaves the terminals' shell to Jupyter:\n{out}"
    path = re.search(r'export PATH="([^"]*)"', command)
    assert path and path.group(1).split(":")[0] == str(VENV_BIN), (
        f"make lab does not put {VENV_BIN} first on PATH:\n{out}"
    )


def test_the_recipe_gives_jupyter_a_path_on_which_tinymoe_resolves(tmp_path):
    if not (VENV_BIN / "tinymoe").exists():
        pytest.skip(f"no {VENV_BIN}/tinymoe: the project is not installed in .venv")
    fake = tmp_path / "jupyter"
    fake.write_text(
        "#!/bin/sh\n"
        'echo "tinymoe=$(command -v tinymoe)"\n'
        'echo "cwd=$(pwd)"\n'
        'for arg in "$@"; do echo "arg=$arg"; done\n'
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": "/usr/bin:/bin", "SHELL": "/bin/zsh"}  # a shell without the venv
    out = subprocess.run(
        [*MAKE, "-s", "lab", f"JUPYTER={fake}"],
        capture_output=True, text=True, check=True, timeout=60, env=env,
    ).stdout.splitlines()
    assert f"tinymoe={VENV_BIN / 'tinymoe'}" in out, f"tinymoe is not the venv's: {out}"
    assert f"cwd={ROOT}" in out
    assert "arg=lab" in out and f"arg=--ServerApp.root_dir={ROOT}" in out
    shell = [a for a in out if a.startswith("arg=--ServerApp.terminado_settings=")]
    assert shell and ast.literal_eval(shell[0].split("=", 2)[2]) == {"shell_command": ["/bin/zsh"]}


def dry_run_test(**env_vars) -> str:
    """The first command `make test` would run, with CI / TINYMOE_MAINTAINER as given."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TINYMOE_MAINTAINER")}
    make = [*MAKE[:-1], ".venv/.dev-installed", "-n", "test"]
    out = subprocess.run(
        make, capture_output=True, text=True, check=True, timeout=60, env={**env, **env_vars}
    ).stdout
    return out.splitlines()[0]


@pytest.mark.parametrize(
    ("env_vars", "lints_exercises"),
    [({}, False), ({"CI": "true"}, True), ({"CI": "false"}, False),
     ({"TINYMOE_MAINTAINER": "1"}, True)],
)
def test_make_test_lints_a_learners_exercises_only_in_ci(env_vars, lints_exercises):
    command = dry_run_test(**env_vars)
    assert "ruff check" in command, command
    assert ("--extend-exclude exercises" not in command) == lints_exercises, (
        f"with {env_vars or 'no CI flag'}: {command}"
    )
