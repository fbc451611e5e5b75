# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""Keep counting: the app starts the real agent again after it is killed, and stops when
the operator stops it or when the agent cannot start."""

from __future__ import annotations

import json
import os
import signal

import pytest
from conftest_ui import _no_real_home, db_path, worker  # noqa: F401 - fixtures

from hotspot_manager.agent.runner import STATE_KEY
from hotspot_manager.commands.agent import agent_status
from hotspot_manager.store import Store
from hotspot_manager.ui.agent_control import AgentControl
from hotspot_manager.ui.keeper import AgentKeeper, set_keep
from hotspot_manager.ui.settings import INTERFACE_KEY

IN_CI = os.environ.get("CI") == "true"


def _setup(db_path, interface: str, keep: bool) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path) as store:
        store.set_setting(INTERFACE_KEY, interface)
        set_keep(store, keep)


def _agent(db_path) -> dict:
    with Store.open(db_path) as store:
        status = agent_status(store)["agent"]
        raw = store.get_setting(STATE_KEY)
    status["pid"] = json.loads(raw)["pid"] if raw else None
    return status


def _keeper(qtbot, worker, db_path):
    control = AgentControl(str(db_path))
    keeper = AgentKeeper(worker, control, every_ms=250, retry_after=1.0)
    return control, keeper


def test_a_killed_agent_is_started_again_until_the_operator_stops_it(qtbot, worker, db_path):
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("CI=true: this test runs the real agent, which needs root here")
        pytest.skip("runs the real agent on lo, which needs CAP_NET_RAW (root in CI)")
    _setup(db_path, "lo", keep=True)
    control, keeper = _keeper(qtbot, worker, db_path)
    pids = []
    try:
        keeper.start()
        qtbot.waitUntil(lambda: _agent(db_path)["running"], timeout=20_000)
        first = _agent(db_path)["pid"]
        pids.append(first)
        os.kill(first, signal.SIGKILL)  # a crash: no flush, no goodbye
        qtbot.waitUntil(
            lambda: _agent(db_path)["running"] and _agent(db_path)["pid"] != first,
            timeout=30_000,
        )
        second = _agent(db_path)["pid"]
        pids.append(second)
        assert keeper.starts == 2
        # the operator stops counting: the window forgets it, then stops the agent
        with Store.open(db_path) as store:
            set_keep(store, False)
        os.kill(second, signal.SIGTERM)
        qtbot.waitUntil(lambda: not _agent(db_path)["running"], timeout=15_000)
        qtbot.wait(2_500)  # several checks and more than the retry pause
        assert keeper.starts == 2 and not _agent(db_path)["running"]
    finally:
        keeper.stop()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_an_agent_that_cannot_start_is_not_retried(qtbot, worker, db_path):
    _setup(db_path, "nosuchif0", keep=True)  # exits at once, status 2, needing no rights
    control, keeper = _keeper(qtbot, worker, db_path)
    failures = []
    control.failed.connect(failures.append)
    keeper.start()
    qtbot.waitUntil(lambda: bool(failures), timeout=15_000)
    qtbot.wait(2_000)  # twice the retry pause
    keeper.stop()
    assert keeper.starts == 1 and keeper.gave_up
    assert "nosuchif0" in failures[0]
    keeper.operator_started()  # the operator presses Start: allowed again
    assert not keeper.gave_up


def test_nothing_is_started_unless_counting_was_wanted(qtbot, worker, db_path):
    _setup(db_path, "lo", keep=False)
    control = AgentControl(str(db_path), popen=lambda *a, **k: pytest.fail("started"))
    keeper = AgentKeeper(worker, control, every_ms=100, retry_after=0.0)
    keeper.start()
    qtbot.wait(600)
    keeper.stop()
    assert keeper.starts == 0


def test_open_at_login_writes_an_entry_whose_command_opens_the_app(qtbot, tmp_path):
    import shlex
    import subprocess

    from PySide6.QtCore import QSettings

    from hotspot_manager.ui import autostart
    from hotspot_manager.ui.settings import SetupForm, save_qsettings

    if not autostart.supported():
        pytest.skip("XDG autostart is for Linux desktops")
    form = SetupForm(interfaces=[])
    qtbot.addWidget(form)
    form.load({}, {})
    assert not form.autostart.isChecked()
    form.autostart.setChecked(True)
    settings = QSettings(str(tmp_path / "qs.ini"), QSettings.Format.IniFormat)
    save_qsettings(settings, form.values())
    entry = autostart.entry_path()
    assert entry.is_file() and entry.parent.name == "autostart"
    text = entry.read_text()
    exec_line = next(ln for ln in text.splitlines() if ln.startswith("Exec="))[5:]
    argv = shlex.split(exec_line)  # the spec's quoting is a subset of the shell's
    assert argv[-2:] == ["gui", "--tray"]
    # the very command the session will run opens the app (offscreen: no tray, so the
    # window), here with --startup-check so that it closes itself
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [*argv, "--startup-check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "window shown" in done.stdout, done.stderr
    again = SetupForm(interfaces=[])
    qtbot.addWidget(again)
    again.load({}, {})
    assert again.autostart.isChecked()  # what is on disk is what the box shows
    again.autostart.setChecked(False)
    save_qsettings(settings, again.values())
    assert not entry.exists()
    assert autostart._quote("/opt/Hotspot Manager/bin") == '"/opt/Hotspot Manager/bin"'
    assert autostart._quote('a"$b') == '"a\\"\\$b"'
