"""The desktop app (PySide6). The only package that imports Qt; see docs/gui.md."""

from .qtfix import guard_singleton_refcounts

# before anything emits a signal (pyqtgraph does on every redraw)
guard_singleton_refcounts()
