"""A guard against a reference-count bug of PySide6 6.12.0 on Python 3.10/3.11.

The 6.12.0 wheels return the singletons ``None``, ``True`` and ``False`` without taking a
new reference to them: every call of a C++ method that returns nothing (``setText``,
``update``, ``resize``…) loses one reference to ``None``, every ``Signal.emit()`` one to
``True``. On Python 3.12+ these objects are immortal and nothing happens; on 3.11 the
counts fall with every call, and when one reaches zero the interpreter aborts ("Fatal
Python error: none_dealloc" / "bool_dealloc"): seconds to minutes into a live graph.

The guard detects the bug at start-up and only then gives each of these singletons 2**40
extra references: what Python 3.12 does by making them immortal. Nothing can be freed by
it (the singletons are static objects, never deallocated on purpose). The real fix is a
PySide6 release without the bug, or Python 3.12+ for the desktop app.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_EXTRA = 1 << 40
_SINGLETONS = (None, True, False, NotImplemented, Ellipsis)
_done = False


def drops_references() -> bool:
    """Whether PySide6 loses references to ``None`` or ``True`` here."""
    from PySide6.QtCore import QObject, QRectF, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    rect = QRectF()
    none, true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
        rect.setWidth(1.0)
    return sys.getrefcount(None) < none or sys.getrefcount(True) < true


def guard_singleton_refcounts() -> bool:
    """Apply the guard when this Python and PySide6 need it; True if applied."""
    global _done
    if _done or sys.version_info >= (3, 12):
        return False
    if not drops_references():
        return False
    for obj in _SINGLETONS:
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA
    _done = True
    log.info(
        "PySide6 %s loses references to None/True on Python %s.%s: singletons pinned "
        "(see hotspot_manager/ui/qtfix.py)",
        __import__("PySide6").__version__,
        *sys.version_info[:2],
    )
    return True
