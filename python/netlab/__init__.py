# SPDX-License-Identifier: MIT
"""netlab from Python: labs of network namespaces for protocol tests.

A thin binding of libnetlab (the library the ``netlab`` command is built from) through
ctypes: every method calls the same C function the command runs, and errors come back as
:class:`NetlabError` carrying netlab's own message. Needs root, like the command.

    from netlab import Lab

    with Lab.up("topologies/ospf-bird.conf", name="demo") as lab:
        lab.wait("r1", "route", "10.255.0.3/32", timeout=60)
        print(lab.exec("h1", "ping -c1 h2").stdout)

The pytest fixtures (``lab``, ``module_lab``) are in :mod:`netlab.pytest_plugin`.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import json as _json
import os
from ctypes import c_char_p, c_void_p
from dataclasses import dataclass
from typing import Any, Sequence

from . import _lib

__all__ = ["Lab", "ExecResult", "NetlabError", "WaitTimeout", "NotConverged", "version"]

_Cmd = str | Sequence[str]


class NetlabError(Exception):
    """A libnetlab call failed. ``errno`` is the error number (ENOENT: no such lab or node,
    EEXIST: already up, EPERM: not root...), ``message`` what ``netlab`` would print."""

    def __init__(self, err: int, message: str):
        super().__init__(message or os.strerror(err))
        self.errno = err
        self.message = message or os.strerror(err)


class WaitTimeout(NetlabError, AssertionError):
    """A wait timed out: the message names what was last seen (for JSON conditions, every path
    that did not match). An AssertionError too, so pytest reports it as a failed check."""


class NotConverged(NetlabError, AssertionError):
    """Routing tables still changed at the timeout; ``result`` is the converge document."""

    def __init__(self, err: int, message: str, result: dict[str, Any]):
        super().__init__(err, message)
        self.result = result


@dataclass(frozen=True)
class ExecResult:
    """What a command run in a node did: its exit status (126/127 cannot execute / not found,
    128+N killed by signal N) and everything it wrote."""

    status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """The command exited 0."""
        return self.status == 0


def version() -> str:
    """libnetlab's version, "0.1.0"."""
    return _lib.lib.netlab_version().decode()


def _check(r: int, err: c_void_p, cls: type[NetlabError] = NetlabError) -> int:
    msg = _lib.take_string(err)
    if r < 0:
        if -r == _errno.ETIMEDOUT and cls is NetlabError:
            cls = WaitTimeout
        raise cls(-r, msg)
    return r


def _b(s: str | None) -> bytes | None:
    return None if s is None else s.encode()


def _argv(cmd: _Cmd) -> list[str]:
    """A string runs through ``sh -c`` (pipes, redirections); a sequence is the argv itself."""
    if isinstance(cmd, str):
        return ["sh", "-c", cmd]
    args = list(cmd)
    if not args:
        raise ValueError("empty command")
    return args


class Lab:
    """A running lab, by name. :meth:`up` brings one up from a topology file; ``Lab(name)``
    attaches to one that is up already (``netlab up`` in a shell, a ``netlab run``)."""

    def __init__(self, name: str):
        self.name = name
        self._owned = False

    # ---- life ---------------------------------------------------------------------------

    @classmethod
    def up(cls, topology: str | os.PathLike[str], name: str | None = None) -> "Lab":
        """``netlab up TOPOLOGY -l NAME``: returns once every node is configured. On failure
        nothing of the lab remains and :class:`NetlabError` says why (``file:line:col:
        message`` for a file that does not validate)."""
        t = c_void_p()
        err = c_void_p()
        _check(_lib.lib.netlab_topo_load(os.fsencode(topology), ctypes.byref(t),
                                         ctypes.byref(err)), err)
        try:
            lab_name = name or _lib.lib.netlab_topo_lab(t).decode()
            _check(_lib.lib.netlab_up(t, _b(lab_name), ctypes.byref(err)), err)
        finally:
            _lib.lib.netlab_topo_free(t)
        lab = cls(lab_name)
        lab._owned = True
        return lab

    def down(self) -> None:
        """``netlab down``: the kernel releases everything the lab made."""
        err = c_void_p()
        _check(_lib.lib.netlab_down(_b(self.name), ctypes.byref(err)), err)
        self._owned = False

    def __enter__(self) -> "Lab":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owned:
            self.down()

    # ---- commands -----------------------------------------------------------------------

    def exec(self, node: str, cmd: _Cmd, check: bool = False) -> ExecResult:
        """Runs ``cmd`` in ``node`` as ``netlab exec`` does (inside the lab, stdin from
        /dev/null) and returns its status and output. A string runs through ``sh -c``. With
        ``check``, a non-zero status raises :class:`NetlabError` with the command's stderr."""
        args = _argv(cmd)
        res = _lib.ExecResult()
        err = c_void_p()
        _check(_lib.lib.netlab_exec(_b(self.name), _b(node), _lib.argv(args), ctypes.byref(res),
                                    ctypes.byref(err)), err)
        status = res.status  # netlab_exec_result_clear() zeroes the structure
        try:
            out = ctypes.string_at(res.out, res.out_len).decode(errors="replace") if res.out else ""
            errs = ctypes.string_at(res.err, res.err_len).decode(errors="replace") if res.err else ""
        finally:
            _lib.lib.netlab_exec_result_clear(ctypes.byref(res))
        r = ExecResult(status, out, errs)
        if check and not r.ok:
            raise NetlabError(_errno.EIO, f"'{args[0]}' exited with status {r.status} in node "
                                          f"'{node}': {errs.strip() or out.strip()}")
        return r

    def json(self, node: str, cmd: _Cmd) -> Any:
        """Runs ``cmd`` in ``node`` and parses its standard output as JSON (``ip -j route``,
        ``vtysh -c 'show ip ospf neighbor json'``). Raises :class:`NetlabError` when the
        command fails and ValueError when its output is not JSON."""
        r = self.exec(node, cmd, check=True)
        return _json.loads(r.stdout)

    def wait(self, node: str, condition: str, arg: str | None = None, *,
             cmd: _Cmd | None = None, match: Any = None, negate: bool = False,
             stable: float = 0.0, timeout: float = 30.0) -> None:
        """``netlab wait``: returns when ``condition`` holds in ``node``, or raises
        :class:`WaitTimeout` with what was last seen.

        ``condition`` is ``addr``, ``route``, ``tcp`` or ``reach`` with ``arg``; ``cmd`` with
        ``cmd=`` (exits 0); ``json`` with ``cmd=`` and ``match=`` (a Python value or JSON text:
        the command's output must contain it, netlab(1) gives the rules). ``negate=True`` waits
        until it does *not* hold (``netlab wait NODE not ...``); ``stable`` (seconds) asks it to
        hold that long without a break. Times are in seconds."""
        kind = _lib.WAIT_KINDS.get(condition)
        if kind is None:
            raise ValueError(f"unknown condition '{condition}' (one of {', '.join(_lib.WAIT_KINDS)})")
        spec = _lib.WaitSpec(kind=kind, negate=negate, stable_ms=int(stable * 1000),
                             timeout_ms=max(1, int(timeout * 1000)))
        keep: list[object] = []
        if condition in ("cmd", "json"):
            if cmd is None:
                raise ValueError(f"'{condition}' needs cmd=")
            a = _lib.argv(_argv(cmd))
            keep.append(a)
            spec.argv = ctypes.cast(a, ctypes.POINTER(c_char_p))
            if condition == "json":
                if match is None:
                    raise ValueError("'json' needs match=")
                spec.match = (match if isinstance(match, str) else _json.dumps(match)).encode()
        else:
            if arg is None:
                raise ValueError(f"'{condition}' needs an argument")
            spec.arg = arg.encode()
        err = c_void_p()
        _check(_lib.lib.netlab_wait_for(_b(self.name), _b(node), ctypes.byref(spec),
                                        ctypes.byref(err)), err)

    # ---- faults and convergence ------------------------------------------------------------

    def link(self, endpoint: str, state: str | bool) -> None:
        """``netlab link NODE:IF down|up``: ``state`` is "down"/"up" or False/True. Both ends of
        the link change, and the fault is recorded in the lab's events.log (for
        :meth:`converge` with ``since_fault``)."""
        node, sep, ifname = endpoint.partition(":")
        if not sep or not node or not ifname:
            raise ValueError(f"'{endpoint}' is not NODE:IF")
        if isinstance(state, str):
            if state not in ("up", "down"):
                raise ValueError(f"link state '{state}' is not up or down")
            state = state == "up"
        err = c_void_p()
        _check(_lib.lib.netlab_link_set(_b(self.name), _b(node), _b(ifname), bool(state),
                                        ctypes.byref(err)), err)

    def converge(self, quiet: float = 2.0, timeout: float = 60.0,
                 since_fault: bool = False) -> dict[str, Any]:
        """``netlab converge --json``: waits until no node's routing table changed for
        ``quiet`` seconds and returns the document of docs/schema/converge.schema.json
        (``converged_ms``, ``last_node``, ``changes``, per node ``changes`` and
        ``last_change_ms``). Raises :class:`NotConverged` (with ``.result``) when the tables
        still changed at ``timeout``. Only the changes made after it subscribed are seen (then
        ``converged_ms`` and ``last_node`` are absent or None): call it right after the fault,
        before waiting for the fault's effects."""
        doc = c_void_p()
        err = c_void_p()
        r = _lib.lib.netlab_converge(_b(self.name), max(1, int(quiet * 1000)),
                                     max(1, int(timeout * 1000)), since_fault,
                                     ctypes.byref(doc), ctypes.byref(err))
        text = _lib.take_string(doc)
        if r == -_errno.ETIMEDOUT:
            raise NotConverged(-r, _lib.take_string(err), _json.loads(text))
        _check(r, err)
        return _json.loads(text)

    def artifacts(self, directory: str | os.PathLike[str]) -> None:
        """What ``netlab run --artifacts`` keeps: logs, topology, state and events, and per
        node ``ip -j addr``, ``ip -j route`` and ``ip -j link``, into ``directory``."""
        err = c_void_p()
        _check(_lib.lib.netlab_artifacts(_b(self.name), os.fsencode(directory),
                                         ctypes.byref(err)), err)

    def __repr__(self) -> str:
        return f"Lab({self.name!r})"

