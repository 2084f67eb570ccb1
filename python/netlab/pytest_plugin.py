# SPDX-License-Identifier: MIT
"""pytest fixtures for netlab labs.

Installed with the package (entry point ``pytest11``), or loaded with ``-p
netlab.pytest_plugin``. A test module names its topology once::

    NETLAB_TOPOLOGY = "ospf.conf"          # relative to the test file

    def test_neighbours(module_lab):       # one lab for the whole module
        module_lab.wait("r1", "route", "10.255.0.3/32", timeout=60)

    @pytest.mark.netlab("other.conf")      # or per test, with the marker
    def test_other(lab):                   # a lab of its own for this test
        ...

``lab`` (function scope) and ``module_lab`` (module scope) bring the lab up under a unique name
(``pytest-PID-N``) and take it down afterwards, whatever happens: when the test fails, when it
is interrupted (^C, SIGTERM: every lab still up is taken down before pytest exits). When a test
fails, the lab's artifacts (``netlab run --artifacts``: logs, events, per node addresses,
routes, links) are saved to ``--netlab-artifacts DIR/TEST`` (default: pytest's base temporary
directory) and the path is added to the test's report.
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import signal
from pathlib import Path
from typing import Iterator

import pytest

from . import Lab, NetlabError

_counter = itertools.count(1)
_live: dict[str, Lab] = {}


def _down_all() -> None:
    """Takes down every lab this process brought up and has not taken down yet."""
    for name, lab in list(_live.items()):
        try:
            lab.down()
        except NetlabError:
            pass
        _live.pop(name, None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--netlab-artifacts", metavar="DIR", default=None,
                     help="where to save a failed test's lab artifacts "
                          "(default: pytest's base temporary directory/netlab-artifacts)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "netlab(topology): the topology file of the test's lab")
    atexit.register(_down_all)
    # SIGTERM (a CI runner giving up) ends pytest like ^C does, so fixtures and the atexit
    # handler take the labs down; only when nobody else handles it.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        def _term(signum: int, frame: object) -> None:
            raise KeyboardInterrupt("SIGTERM")
        signal.signal(signal.SIGTERM, _term)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _down_all()


def _topology(request: pytest.FixtureRequest, scope_node: pytest.Item | pytest.Collector) -> Path:
    marker = scope_node.get_closest_marker("netlab")
    path = marker.args[0] if marker and marker.args else getattr(request.module, "NETLAB_TOPOLOGY", None)
    if path is None:
        pytest.fail("no topology: set NETLAB_TOPOLOGY in the module or use @pytest.mark.netlab(FILE)",
                    pytrace=False)
    p = Path(path)
    if not p.is_absolute():
        p = Path(request.path).parent / p
    return p


def _up(topology: Path) -> Lab:
    if os.geteuid() != 0:
        pytest.skip("netlab labs need root (CAP_SYS_ADMIN, CAP_NET_ADMIN)")
    name = f"pytest-{os.getpid()}-{next(_counter)}"
    lab = Lab.up(topology, name=name)
    _live[name] = lab
    return lab


def _down(lab: Lab) -> None:
    if lab.name in _live:
        del _live[lab.name]
        lab.down()


@pytest.fixture
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """A lab of its own for this test, from the test's ``netlab`` marker or the module's
    ``NETLAB_TOPOLOGY``; down after the test."""
    lab = _up(_topology(request, request.node))
    try:
        yield lab
    finally:
        _down(lab)


@pytest.fixture(scope="module")
def module_lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """One lab for every test of the module (``NETLAB_TOPOLOGY``, or a module-level
    ``pytestmark = pytest.mark.netlab(FILE)``); down after the module's last test."""
    lab = _up(_topology(request, request.node))
    try:
        yield lab
    finally:
        _down(lab)


def _artifacts_dir(item: pytest.Item) -> Path:
    base = item.config.getoption("--netlab-artifacts")
    if base is None:
        base = item.config._tmp_path_factory.getbasetemp() / "netlab-artifacts"  # type: ignore[attr-defined]
    return Path(base) / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failure, saves the artifacts of every lab the test used, while it is still up."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed or call.when == "teardown":
        return
    funcargs = getattr(item, "funcargs", {})
    for fixture_name in ("lab", "module_lab"):
        lab = funcargs.get(fixture_name)
        if not isinstance(lab, Lab) or lab.name not in _live:
            continue
        d = _artifacts_dir(item) / lab.name
        try:
            lab.artifacts(d)
            report.sections.append(("netlab artifacts", f"lab '{lab.name}': {d}"))
        except NetlabError as e:
            report.sections.append(("netlab artifacts", f"lab '{lab.name}': not saved: {e}"))
