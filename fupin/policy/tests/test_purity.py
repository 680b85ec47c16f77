"""The policy package is pure: importing it never imports Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import fupin.policy


def test_importing_policy_and_every_submodule_leaves_django_unloaded() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(fupin.policy.__path__, "fupin.policy.")
        if ".tests" not in m.name
    ]
    assert "fupin.policy.identification" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {['fupin.policy', *modules]!r}:\n"
        "    importlib.import_module(name)\n"
        "print('django' in sys.modules or any(m.startswith('django.') for m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False", out.stderr
