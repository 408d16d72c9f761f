"""Run a call in a forked child and give up on it after a generous time: a guard against hangs.

Speed is measured in ``bench/``, not here. These tests feed inputs that made a pattern
backtrack without bound (minutes to hours before the fix, milliseconds after) and only
check that the call comes back at all, with a limit a hundred times what it needs, so
that a regression fails the test instead of stalling the suite. A regex holds the GIL,
so a thread could not be stopped: the call runs in a child process that is killed.
"""
from __future__ import annotations

import multiprocessing as mp
import traceback

LIMIT = 60.0  # seconds; every guarded call needs under 1 s even on the loaded shared 2-core machine


def _child(conn, fn, args, kwargs):
    try:
        conn.send(("ok", fn(*args, **kwargs)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as text
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    finally:
        conn.close()


def returns(fn, *args, limit: float = LIMIT, **kwargs):
    """``fn(*args, **kwargs)`` computed in a forked child; AssertionError if it takes over ``limit`` s."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, kwargs), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(limit):
            raise AssertionError(f"{getattr(fn, '__name__', fn)} did not return within {limit:.0f} s")
        status, value = parent.recv()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if status == "error":
        raise AssertionError(f"{getattr(fn, '__name__', fn)} raised {value}")
    return value
