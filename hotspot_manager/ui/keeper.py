"""Keep counting: start the agent again when it is not running and the operator wants it.

When the operator presses Start counting, the store remembers it (``agent.keep``);
Stop counting forgets it. While the app runs (window shown or in the tray), the keeper
looks every few seconds, on the store worker, at the agent's heartbeat: if counting is
wanted and no agent is running here (it crashed, was killed, or the computer restarted
after a power cut and the app was opened again), it starts one with the same command as
the Start button. An agent that exits at once for want of capture rights or of its
interface (status 3 or 2) stops the retries until the operator starts it again, so one
problem gives one message; a crash or a kill is retried (at most every 30 s).

Nothing here runs as root; the agent it starts needs only its capture right.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

from .settings import INTERFACE_KEY

KEEP_KEY = "agent.keep"
CHECK_EVERY_MS = 10_000
RETRY_AFTER_S = 30.0  # at most one start per this long, whatever happens
GIVE_UP_STATUS = (2, 3)


def set_keep(store, keep: bool) -> None:
    store.set_setting(KEEP_KEY, "1" if keep else "0")


def read_keep(store) -> dict:
    """Whether counting is wanted, on which interface, and whether an agent runs."""
    from hotspot_manager.commands.agent import agent_status

    agent = agent_status(store)["agent"]
    return {
        "keep": store.get_setting(KEEP_KEY) == "1",
        "interface": store.get_setting(INTERFACE_KEY) or "",
        "running": bool(agent["running"]),
    }


class AgentKeeper(QObject):
    """Restarts the agent while the operator wants counting (see the module's text)."""

    def __init__(
        self,
        worker,
        control,
        parent=None,
        every_ms: int = CHECK_EVERY_MS,
        retry_after: float = RETRY_AFTER_S,
        clock=time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.control = control
        self.retry_after = retry_after
        self.clock = clock
        self.last_start: float | None = None
        self.gave_up = False
        self.starts = 0
        control.exited.connect(self._failed)
        self._timer = QTimer(self)
        self._timer.setInterval(every_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()
        QTimer.singleShot(0, self.check)

    def stop(self) -> None:
        self._timer.stop()

    def operator_started(self) -> None:
        """The operator pressed Start counting: retries are allowed again."""
        self.gave_up = False
        self.last_start = self.clock()

    def check(self) -> None:
        self.worker.submit(read_keep, self._checked, lambda exc: None, key="keeper")

    def _checked(self, state: dict) -> None:
        if not state["keep"] or state["running"] or not state["interface"] or self.gave_up:
            return
        if self.control.starting:  # one was just started and is still being watched
            return
        now = self.clock()
        if self.last_start is not None and now - self.last_start < self.retry_after:
            return
        self.last_start = now
        if self.control.start(state["interface"]):
            self.starts += 1

    def _failed(self, code: int) -> None:
        # As the system service's RestartPreventExitStatus: a bad interface or database (2)
        # and missing capture rights (3) need the operator; a crash or a kill is retried.
        if code in GIVE_UP_STATUS:
            self.gave_up = True
