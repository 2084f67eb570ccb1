# SPDX-License-Identifier: MIT
"""topologies/bgp-frr.conf as a protocol test: three FRR routers in a triangle, one AS each.
Waits on vtysh's JSON (every session Established), cuts a link, waits until r1's summary no
longer shows every peer up, measures convergence, and restores the link (held for 2 s).

    r1:eth0 -- r2:eth0,  r2:eth1 -- r3:eth0,  r3:eth1 -- r1:eth1
"""

import os

import pytest

from netlab import Lab

NETLAB_TOPOLOGY = "../../topologies/bgp-frr.conf"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="netlab labs need root"),
    pytest.mark.skipif(not os.access("/usr/lib/frr/bgpd", os.X_OK), reason="frr is not installed"),
]

VTYSH = "vtysh --vty_socket /run/frr -c 'show bgp summary json'"
ALL_UP = {"ipv4Unicast": {"totalPeers": 2, "failedPeers": 0}}


def test_sessions_established(module_lab: Lab):
    for r in ("r1", "r2", "r3"):
        module_lab.wait(r, "json", cmd=VTYSH, match=ALL_UP, timeout=60)
    # Each peer by its address, as vtysh names them.
    peers = module_lab.json("r1", VTYSH)["ipv4Unicast"]["peers"]
    assert len(peers) == 2
    module_lab.wait("r1", "json", cmd=VTYSH, timeout=10,
                    match={"ipv4Unicast": {"peers": {p: {"state": "Established"} for p in peers}}})
    for n in (2, 3):
        module_lab.wait("r1", "route", f"10.255.0.{n}/32", timeout=30)


def test_cut_and_restore(module_lab: Lab):
    module_lab.converge(quiet=2, timeout=60)
    module_lab.link("r1:eth0", "down")
    # FRR reacts to the interface going down at once (fast external failover), often before
    # converge has subscribed: what it saw may be nothing, but it must settle.
    d = module_lab.converge(quiet=2, timeout=60, since_fault=True)
    assert d["converged"] and d["watch_start_ms"] >= 0, d
    module_lab.wait("r1", "json", cmd=VTYSH, match=ALL_UP, negate=True, timeout=10)
    # r2's loopback is still reached, through r3.
    module_lab.wait("r1", "json", cmd="ip -j route show 10.255.0.2", match=[{"dev": "eth1"}])
    module_lab.link("r1:eth0", "up")
    module_lab.wait("r1", "json", cmd=VTYSH, match=ALL_UP, stable=2, timeout=60)
