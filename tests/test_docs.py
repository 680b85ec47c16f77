"""Docs that could drift from the code are checked here."""

import re
from pathlib import Path

from fupin.cli.doc import REFERENCE, reference_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current():
    assert REFERENCE.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/cli-reference.md is stale: run `uv run python -m fupin.cli.doc`"
    )


def test_readme_setup_is_the_two_make_targets():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Set-up: two commands.*?```sh\n(.*?)```", readme, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_shows_the_real_sample_counties_output(capsys):
    import json

    from fupin.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"\$ fupin sample-counties (.*?)\n(\[.*?\])\n```", readme, re.S)
    assert shown is not None
    assert main(["sample-counties", *shown.group(1).split()]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(shown.group(2))
    assert len(json.loads(shown.group(2))) == 60
