# SPDX-License-Identifier: MIT
"""The binding itself: every fixture and method on a two-node lab, and errors as exceptions
carrying netlab's message."""

import errno
import json
import os
from pathlib import Path

import pytest

from netlab import ExecResult, Lab, NetlabError, NotConverged, WaitTimeout, version

NETLAB_TOPOLOGY = "pair.conf"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="netlab labs need root")


def test_version():
    assert version().count(".") == 2


def test_exec(module_lab: Lab):
    r = module_lab.exec("a", "echo out; echo err >&2; exit 3")
    assert r == ExecResult(3, "out\n", "err\n")
    assert not r.ok
    assert module_lab.exec("a", ["hostname"]).stdout == "a\n"
    assert module_lab.exec("b", ["t-no-such-command"]).status == 127


def test_exec_check_raises_with_stderr(module_lab: Lab):
    with pytest.raises(NetlabError, match="'sh' exited with status 2 in node 'a': .*No such file"):
        module_lab.exec("a", "ls /nonexistent", check=True)


def test_json(module_lab: Lab):
    addrs = module_lab.json("a", "ip -j addr show eth0")
    assert addrs[0]["addr_info"][0]["local"] == "10.0.0.1"
    with pytest.raises(json.JSONDecodeError):
        module_lab.json("a", "echo not json")


def test_wait_every_kind(module_lab: Lab):
    module_lab.wait("a", "addr", "10.0.0.1/30")
    module_lab.wait("a", "route", "10.0.0.0/30")
    module_lab.wait("a", "reach", "b")
    module_lab.wait("a", "cmd", cmd="test -d /proc")
    module_lab.wait("a", "json", cmd="ip -j route", match=[{"dst": "10.0.0.0/30", "dev": "eth0"}])
    module_lab.wait("a", "json", cmd=["ip", "-j", "route"], match='[{"dev": "eth0"}]', stable=0.3)
    module_lab.wait("a", "route", "10.9.0.0/16", negate=True)


def test_wait_timeout_says_what_was_seen(module_lab: Lab):
    with pytest.raises(WaitTimeout, match="last seen: 10.0.0.1/30 eth0") as e:
        module_lab.wait("a", "addr", "10.9.9.9", timeout=0.2)
    assert e.value.errno == errno.ETIMEDOUT
    assert isinstance(e.value, AssertionError)
    with pytest.raises(WaitTimeout) as e:
        module_lab.wait("a", "json", cmd="ip -j route", match=[{"dev": "eth7"}], timeout=0.2)
    assert '$[0].dev: expected "eth7", seen "eth0"' in str(e.value)


def test_bad_arguments(module_lab: Lab):
    with pytest.raises(NetlabError, match="'10.0.0.300' is not an address") as e:
        module_lab.wait("a", "addr", "10.0.0.300")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(NetlabError, match="--match is not JSON"):
        module_lab.wait("a", "json", cmd="true", match="{oops")
    with pytest.raises(ValueError):
        module_lab.wait("a", "nosuch", "x")
    with pytest.raises(NetlabError, match="lab '.*' has no node 'zz'") as e:
        module_lab.exec("zz", "true")
    assert e.value.errno == errno.ENOENT


def test_no_such_lab():
    with pytest.raises(NetlabError, match="no lab 't-no-such-lab' is up") as e:
        Lab("t-no-such-lab").exec("a", "true")
    assert e.value.errno == errno.ENOENT


def test_bad_topology(tmp_path: Path):
    f = tmp_path / "bad.conf"
    f.write_text("node a\nlink a -- zz\n")
    with pytest.raises(NetlabError, match=r"bad.conf:2:\d+: .*zz") as e:
        Lab.up(f, name="t-pytest-bad")
    assert e.value.errno == errno.EINVAL


def test_link_and_not_route(module_lab: Lab):
    module_lab.link("a:eth0", "down")
    module_lab.wait("b", "route", "10.0.0.0/30", negate=True, timeout=5)
    module_lab.link("a:eth0", True)
    module_lab.wait("b", "route", "10.0.0.0/30", timeout=5)
    with pytest.raises(ValueError):
        module_lab.link("a-eth0", "down")
    with pytest.raises(NetlabError, match="eth9"):
        module_lab.link("a:eth9", "down")


def test_converge(module_lab: Lab):
    d = module_lab.converge(quiet=0.3)
    assert d["converged"] and d["changes"] == 0 and d["last_node"] is None
    assert [n["name"] for n in d["nodes"]] == ["a", "b"]
    module_lab.link("a:eth0", "down")
    d = module_lab.converge(quiet=0.3, since_fault=True)
    assert d["reference"] == "fault" and "a:eth0" in d["fault"]
    module_lab.link("a:eth0", "up")


def test_not_converged(module_lab: Lab):
    # A route that flaps in a loop for longer than the timeout.
    module_lab.exec("a", ["sh", "-c", "(for i in $(seq 40); do ip route add blackhole 10.77.0.0/16; "
                                      "sleep 0.05; ip route del blackhole 10.77.0.0/16; sleep 0.05; "
                                      "done) >/dev/null 2>&1 &"])
    with pytest.raises(NotConverged) as e:
        module_lab.converge(quiet=1, timeout=0.8)
    assert e.value.result["converged"] is False and e.value.result["last_node"] == "a"
    module_lab.wait("a", "route", "10.77.0.0/16", negate=True, stable=0.5, timeout=10)


def test_artifacts(module_lab: Lab, tmp_path: Path):
    module_lab.artifacts(tmp_path / "art")
    files = {p.name for p in (tmp_path / "art").rglob("*")}
    assert "events.log" in files and any("route" in f for f in files), files


def test_function_scoped_lab(lab: Lab, module_lab: Lab):
    assert lab.name != module_lab.name
    assert lab.exec("b", "hostname").stdout == "b\n"


@pytest.mark.netlab("../../topologies/minimal.conf")
def test_marker_chooses_the_topology(lab: Lab):
    assert lab.exec("h1", "hostname").stdout.strip() == "h1"
