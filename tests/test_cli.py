"""`fupin`'s entry point: the command index matches the modules, and `--help` loads no heavy library."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from fupin.cli import COMMAND_MODULES, COMMANDS


def test_command_index_lists_exactly_what_the_modules_register():
    registered: dict[str, tuple[str, str]] = {}
    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        for action in sub._choices_actions:
            registered[action.dest] = (module, action.help)
    assert registered == COMMANDS


HEAVY = ("django", "numpy", "pandas", "scipy", "pyarrow", "duckdb", "ibis", "pyspark")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(run.stdout.split())


def test_help_imports_no_heavy_library():
    loaded = _loaded_after(
        "from fupin.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert "fupin.cli" in loaded
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_sample_counties_loads_numpy_but_not_django_or_scipy():
    loaded = _loaded_after(
        "from fupin.cli import main\n"
        "main(['sample-counties', '--exit-year', '2018', '--rate', '0.2', '--seed', '1'])"
    )
    roots = {m.split(".")[0] for m in loaded}
    assert "numpy" in roots  # the draw itself ran
    assert not roots & {"django", "scipy", "pandas"}


def test_an_unknown_command_is_refused_with_the_list_of_commands(capsys):
    import pytest

    from fupin.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["no-such-command"])
    assert exit_.value.code == 2
    assert "sample-counties" in capsys.readouterr().err
