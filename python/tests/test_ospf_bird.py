# SPDX-License-Identifier: MIT
"""topologies/ospf-bird.conf as a protocol test: five BIRD routers in a ring (OSPFv2 and
OSPFv3), two hosts. Waits on BIRD and on the kernel's JSON, cuts a link, waits for the
withdrawal, measures convergence from the fault, and restores the link.

    h1 -- r1 -- r2 -- r3 -- h2          r1:eth0 -- r2:eth0 is 10.0.0.0/30
          |            |                r1:eth1 goes to r5
          r5 -------- r4
"""

import os
import shutil

import pytest

from netlab import Lab

NETLAB_TOPOLOGY = "../../topologies/ospf-bird.conf"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="netlab labs need root"),
    pytest.mark.skipif(shutil.which("bird") is None, reason="bird2 is not installed"),
]

ROUTERS = ["r1", "r2", "r3", "r4", "r5"]
BIRDC = "birdc -s /etc/bird/bird.ctl"


def loopback(n: int) -> str:
    return f"10.255.0.{n}"


def test_bird_adjacencies_full(module_lab: Lab):
    # Every router has its two OSPFv2 neighbours in state Full (birdc prints a table).
    for r in ROUTERS:
        module_lab.wait(r, "cmd", cmd=f"[ $({BIRDC} show ospf neighbors ospf4 | grep -c Full) = 2 ]",
                        timeout=60)


def test_routes_learned_from_bird(module_lab: Lab):
    # The kernel's own JSON: every loopback, installed by bird.
    for r in ROUTERS:
        want = [{"dst": loopback(n), "protocol": "bird"} for n in range(1, 6) if f"r{n}" != r]
        module_lab.wait(r, "json", cmd="ip -j route", match=want, timeout=60)
    module_lab.wait("h1", "reach", "10.0.0.25", timeout=30)


def test_initial_convergence_is_quiet(module_lab: Lab):
    d = module_lab.converge(quiet=2, timeout=60)
    assert d["converged"]


def test_cut_withdraw_and_converge(module_lab: Lab):
    via_r2 = [{"dst": loopback(2), "dev": "eth0"}]
    module_lab.wait("r1", "json", cmd=f"ip -j route show {loopback(2)}", match=via_r2)
    module_lab.link("r1:eth0", "down")
    # converge sees only the changes made after it subscribed, so it starts right after the
    # fault: waiting for the withdrawal first could let every router settle before it looks
    # (BIRD's SPF runs on its 1 s tick, so the routers' changes come after the subscription).
    d = module_lab.converge(quiet=3, timeout=60, since_fault=True)
    assert d["converged"] and d["reference"] == "fault"
    assert d["last_node"] in ROUTERS and d["changes"] > 0, d
    assert 0 <= d["watch_start_ms"] <= d["converged_ms"] <= d["end_ms"], d
    print(f"converged {d['converged_ms']} ms after the cut; {d['last_node']} last, "
          f"{d['changes']} route changes")
    # Converged: the cut link's subnet is withdrawn everywhere, and r1 reaches r2 the long way.
    module_lab.wait("r4", "route", "10.0.0.0/30", negate=True, timeout=10)
    module_lab.wait("r1", "json", cmd=f"ip -j route show {loopback(2)}",
                    match=[{"dst": loopback(2), "dev": "eth1"}], timeout=10)
    module_lab.wait("h1", "reach", "10.0.0.25", timeout=10)


def test_restore(module_lab: Lab):
    module_lab.link("r1:eth0", "up")
    module_lab.wait("r4", "route", "10.0.0.0/30", timeout=30)
    module_lab.wait("r1", "json", cmd=f"ip -j route show {loopback(2)}",
                    match=[{"dst": loopback(2), "dev": "eth0"}], timeout=30, stable=1)
    d = module_lab.converge(quiet=2, timeout=60, since_fault=True)
    assert d["converged"]
