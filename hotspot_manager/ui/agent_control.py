"""Starting and stopping the counting agent from the window.

The agent is its own process, started detached (its own session), so closing or crashing
the window never stops counting. When it cannot capture for lack of rights (exit status 3)
the window explains the exact fix for this system, as Wireshark does for dumpcap: the
text comes from ``capture.live.grant_hint``, the same the command line prints.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

STARTUP_WATCH_S = 4.0
EXIT_PERMISSION = 3


def agent_command(db_path: str, interface: str) -> list[str]:
    return [sys.executable, "-m", "hotspot_manager", "agent", "-i", interface, "--db", db_path]


def log_path(db_path: str) -> Path:
    return Path(db_path + ".agent.log")


def rights_text(hint: str, platform: str = sys.platform) -> str:
    """The fix in the window's language: our translated sentences around the exact commands
    of ``capture.live.grant_hint`` (its lines indented by two spaces), which stay as they
    are. Anything we cannot take apart is shown as the agent wrote it."""

    def tr(text: str) -> str:
        return QCoreApplication.translate("CaptureRights", text)

    commands = [ln for ln in hint.splitlines() if ln.startswith("  ") and ln.strip()]
    if platform.startswith("linux") and commands:
        return "\n".join(
            [
                tr(
                    "Capturing needs the CAP_NET_RAW capability. Start the agent with that "
                    "one capability under your own user:"
                ),
                *commands,
                tr(
                    "(or run it from a systemd unit with AmbientCapabilities=CAP_NET_RAW). "
                    "Never give the capability to a general-purpose interpreter such as python3."
                ),
            ]
        )
    if platform == "darwin":
        return tr(
            "Capturing needs read access to /dev/bpf*: install the BPF permission helper "
            "shipped with the app (as Wireshark's ChmodBPF does), then log out and in."
        )
    if platform.startswith("win"):
        return tr("Capturing needs Npcap (https://npcap.com); install it, then restart the agent.")
    return hint


class CaptureRightsDialog(QDialog):
    """Why the agent cannot count, and the exact command that fixes it here."""

    def __init__(self, hint: str, detail: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Capture rights are missing"))
        lay = QVBoxLayout(self)
        lead = QLabel(
            self.tr(
                "The agent cannot read the hotspot's traffic: this system has not given it "
                "the right to capture. Nothing is counted until this is fixed. Do this once:"
            )
        )
        lead.setWordWrap(True)
        lay.addWidget(lead)
        hint = rights_text(hint)
        self.hint = QPlainTextEdit(hint)
        self.hint.setReadOnly(True)
        self.hint.setMinimumWidth(620)
        self.hint.setMinimumHeight(130)
        lay.addWidget(self.hint)
        self.detail = QLabel(self.tr("What the agent said: %1").replace("%1", detail))
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        self.detail.setVisible(bool(detail))
        lay.addWidget(self.detail)
        note = QLabel(
            self.tr(
                "The window itself never needs these rights; only the small counting agent does."
            )
        )
        note.setWordWrap(True)
        lay.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton(self.tr("Copy the instructions"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(hint))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        lay.addWidget(buttons)


class AgentControl(QObject):
    """Starts the agent as a detached process and watches its first seconds."""

    failed = Signal(str)  # a translated message
    started = Signal()
    exited = Signal(int)  # it stopped within its first seconds, with this status

    def __init__(self, db_path: str, parent=None, popen=subprocess.Popen) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.popen = popen
        self.proc = None
        self._since = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._watch)

    @property
    def starting(self) -> bool:
        """An agent was just started and its first seconds are being watched."""
        return self._timer.isActive()

    def start(self, interface: str) -> bool:
        if not interface:
            self.failed.emit(self.tr("Choose the hotspot interface in Settings first."))
            return False
        log = log_path(self.db_path)
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log_start = log.stat().st_size if log.exists() else 0
        with open(log, "ab") as err:
            self.proc = self.popen(
                agent_command(self.db_path, interface),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # not our child in spirit: it outlives the window
                close_fds=True,
            )
        self._since = time.monotonic()
        self._timer.start()
        return True

    def _watch(self) -> None:
        if self.proc is None:
            self._timer.stop()
            return
        code = self.proc.poll()
        if code is None:
            if time.monotonic() - self._since > STARTUP_WATCH_S:
                self._timer.stop()
                self.started.emit()
            return
        self._timer.stop()
        self.proc = None
        self.exited.emit(code)
        detail = self._log_tail()
        if code == EXIT_PERMISSION:
            from hotspot_manager.capture.live import grant_hint

            dlg = CaptureRightsDialog(grant_hint(), detail, self._window())
            dlg.open()
            self.rights_dialog = dlg
        else:
            self.failed.emit(
                self.tr("The agent stopped at once (status %1): %2")
                .replace("%1", str(code))
                .replace("%2", detail or "–")
            )

    def _log_tail(self) -> str:
        try:
            data = log_path(self.db_path).read_bytes()[getattr(self, "_log_start", 0) :]
        except OSError:
            return ""
        lines = [ln for ln in data.decode(errors="replace").splitlines() if ln.strip()]
        return lines[-1].strip() if lines else ""

    def _window(self):
        p = self.parent()
        return p if p is not None and hasattr(p, "isWindow") else None

    def stop(self, agent: dict) -> bool:
        """SIGTERM to the agent named in the status (it flushes, then exits)."""
        pid = agent.get("pid")
        if not pid or int(pid) == os.getpid():  # the demo's replay runs in this process
            return False
        host = agent.get("host")
        if host and host != socket.gethostname():
            self.failed.emit(
                self.tr("The agent runs on another computer (%1).").replace("%1", host)
            )
            return False
        try:
            os.kill(int(pid), signal.SIGTERM)
        except ProcessLookupError:
            return True
        except PermissionError:
            QMessageBox.information(
                self._window(),
                self.tr("Stop counting"),
                self.tr(
                    "The agent (process %1) was started by another user or by the system "
                    "service, so this window may not stop it. Stop it where it was started, "
                    "e.g. with: sudo kill %1"
                ).replace("%1", str(pid)),
            )
            return False
        return True
