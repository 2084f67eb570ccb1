# SPDX-License-Identifier: MIT
"""ctypes declarations of libnetlab (include/netlab.h). Internal: use :mod:`netlab`."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import POINTER, c_bool, c_char_p, c_int, c_size_t, c_uint, c_void_p

#: netlab.h's NETLAB_API_VERSION this binding was written against.
API_VERSION = 1

# enum netlab_wait_kind
WAIT_KINDS = {"addr": 0, "route": 1, "tcp": 2, "reach": 3, "cmd": 4, "json": 5}


class ExecResult(ctypes.Structure):
    """struct netlab_exec_result"""

    _fields_ = [
        ("status", c_int),
        ("out", c_void_p),
        ("out_len", c_size_t),
        ("err", c_void_p),
        ("err_len", c_size_t),
    ]


class WaitSpec(ctypes.Structure):
    """struct netlab_wait_spec"""

    _fields_ = [
        ("kind", c_int),
        ("arg", c_char_p),
        ("argv", POINTER(c_char_p)),
        ("match", c_char_p),
        ("negate", c_bool),
        ("stable_ms", c_uint),
        ("timeout_ms", c_uint),
    ]


def _candidates() -> list[str]:
    env = os.environ.get("NETLAB_LIBRARY")
    if env:
        return [env]
    found = ctypes.util.find_library("netlab")
    names = [found] if found else []
    # `meson install` puts it under /usr/local by default, which ld.so.cache may not list yet.
    names += ["libnetlab.so.0", "/usr/local/lib/x86_64-linux-gnu/libnetlab.so.0",
              "/usr/local/lib/libnetlab.so.0"]
    return names


def _load() -> ctypes.CDLL:
    errors = []
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name, use_errno=True)
            break
        except OSError as e:
            errors.append(f"{name}: {e}")
    else:
        raise ImportError(
            "libnetlab is not installed (meson install, or set NETLAB_LIBRARY to "
            "build/libnetlab.so.0): " + "; ".join(errors))
    errp = POINTER(c_void_p)
    sig = {
        "netlab_version": (c_char_p, []),
        "netlab_topo_load": (c_int, [c_char_p, POINTER(c_void_p), errp]),
        "netlab_topo_free": (None, [c_void_p]),
        "netlab_topo_lab": (c_char_p, [c_void_p]),
        "netlab_topo_n_nodes": (c_size_t, [c_void_p]),
        "netlab_topo_node": (c_char_p, [c_void_p, c_size_t]),
        "netlab_up": (c_int, [c_void_p, c_char_p, errp]),
        "netlab_down": (c_int, [c_char_p, errp]),
        "netlab_exec": (c_int, [c_char_p, c_char_p, POINTER(c_char_p), POINTER(ExecResult), errp]),
        "netlab_exec_result_clear": (None, [POINTER(ExecResult)]),
        "netlab_wait_for": (c_int, [c_char_p, c_char_p, POINTER(WaitSpec), errp]),
        "netlab_link_set": (c_int, [c_char_p, c_char_p, c_char_p, c_bool, errp]),
        "netlab_converge": (c_int, [c_char_p, c_uint, c_uint, c_bool, POINTER(c_void_p), errp]),
        "netlab_artifacts": (c_int, [c_char_p, c_char_p, errp]),
    }
    for fn, (res, args) in sig.items():
        f = getattr(lib, fn)
        f.restype = res
        f.argtypes = args
    return lib


lib = _load()
_libc = ctypes.CDLL(None)
_libc.free.argtypes = [c_void_p]
_libc.free.restype = None


def take_string(p: c_void_p) -> str:
    """A malloc'd C string from the library, as str; frees it."""
    if not p.value:
        return ""
    try:
        return ctypes.string_at(p.value).decode(errors="replace")
    finally:
        _libc.free(p.value)
        p.value = None


def argv(args: list[str]) -> ctypes.Array:
    """A NULL-terminated char *argv[]."""
    arr = (c_char_p * (len(args) + 1))()
    arr[:-1] = [a.encode() for a in args]
    arr[-1] = None
    return arr
