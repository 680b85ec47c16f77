"""A pytest plugin: the CPU time each test used, next to its wall time, for measuring the suite on
a machine others share (wall times there say more about the neighbours than about the test).

    pytest -p fupin.testing.cputime --cpu-durations=30 …

For each test: the CPU seconds of the process running it (setup, call and teardown, as
`--durations` counts them; a session fixture is charged to the first test that needs it) plus
those of the child processes it waited for (a `subprocess.run` of the CLI). A child still running
when the test ends (the Spark JVM, a live server thread's work is in-process anyway) is not
counted. Works under pytest-xdist: workers send the figure with the teardown report. Reports
only; nothing asserts a duration.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import pytest

_KEY = "cpu_seconds"
_START = pytest.StashKey[float]()


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("debugconfig").addoption(
        "--cpu-durations",
        type=int,
        default=None,
        metavar="N",
        help="show the N tests that used the most CPU (with their wall time); 0 for all.",
    )


class _Collector:
    def __init__(self, count: int) -> None:
        self.count = count
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: Any) -> Any:
        item.stash[_START] = _cpu()
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Any:
        outcome = yield
        if call.when == "teardown" and _START in item.stash:
            outcome.get_result().user_properties.append((_KEY, _cpu() - item.stash[_START]))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.wall[report.nodeid] = self.wall.get(report.nodeid, 0.0) + report.duration
        for key, value in report.user_properties:
            if key == _KEY:
                self.cpu[report.nodeid] = value

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.cpu:
            return
        rows = sorted(self.cpu.items(), key=lambda kv: kv[1], reverse=True)
        total = sum(self.cpu.values())
        tr = terminalreporter
        tr.write_sep("=", f"CPU time per test (all {len(rows)} tests: {total:.1f} s CPU)")
        tr.write_line(f"{'cpu s':>8} {'wall s':>8}  test")
        for nodeid, cpu in rows[: self.count or None]:
            tr.write_line(f"{cpu:8.2f} {self.wall.get(nodeid, 0.0):8.2f}  {nodeid}")


def pytest_configure(config: pytest.Config) -> None:
    count = config.getoption("cpu_durations")
    if count is not None:
        config.pluginmanager.register(_Collector(count), "fupin-cpu-durations")
