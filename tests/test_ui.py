# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""The desktop window with pytest-qt: each screen on a fresh temporary database, the
store worker synchronous (jobs run at once), the clock fixed where a screen takes one."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest_ui import (  # noqa: F401 - fixtures
    APPLE,
    GATEWAY,
    PHONE,
    XIAOMI,
    _no_real_home,
    db_path,
    interfaces,
    now,
    traffic,
    worker,
    write_traffic,
)
from PySide6.QtCore import QSettings, Qt

from hotspot_manager.store import Store
from hotspot_manager.ui import i18n
from hotspot_manager.ui.dashboard import DashboardScreen, LiveDevicesModel
from hotspot_manager.ui.devices import DevicesModel, DevicesScreen
from hotspot_manager.ui.main_window import SCREENS, MainWindow


@pytest.fixture(autouse=True)
def _english(qapp):
    i18n.install_language("en")
    yield
    i18n.install_language("en")


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, worker, settings, traffic, interfaces):
    w = MainWindow(worker, settings, clock=lambda: traffic.now + 0.5, interfaces=interfaces)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    return w


# ---------------------------------------------------------------------- the shell


def test_sidebar_lists_every_screen_and_switches(window, qtbot):
    items = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert items == ["Dashboard", "Devices", "Customers", "Billing", "Alerts", "Settings"]
    for name in SCREENS:
        window.show_screen(name)
        assert window.current_screen() == name
    window.sidebar.setCurrentRow(1)
    assert window.stack.currentWidget() is window.devices


def test_closing_with_a_tray_only_hides_and_never_touches_the_agent(window, qtbot, monkeypatch):
    killed = []
    monkeypatch.setattr("os.kill", lambda *a: killed.append(a))
    window.keep_in_tray = True
    with qtbot.waitSignal(window.hidden_to_tray):
        window.close()
    assert not window.isVisible()
    window.keep_in_tray = False
    with qtbot.waitSignal(window.closing):
        window.close()
    assert killed == []


def test_status_bar_says_counting_goes_on(window):
    window.show_screen("dashboard")
    window.dashboard.refresh()
    assert "Closing this window does not stop counting" in window.agent_label.text()


# ---------------------------------------------------------------------- dashboard


@pytest.fixture
def dashboard(qtbot, worker, traffic):
    d = DashboardScreen(worker, clock=lambda: traffic.now + 0.5)
    qtbot.addWidget(d)
    d.resize(1200, 600)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_dashboard_graph_holds_the_stored_seconds(dashboard, traffic):
    g = dashboard.graph
    now = traffic.now
    for s in range(now - 60, now):
        i = s - g.base
        assert g.down[i] == traffic.inet_down(s) * 8
        assert g.up[i] == traffic.inet_up(s) * 8
    # seconds before the visible window were not loaded: not drawn
    assert np.isnan(g.down[now - 700 - g.base])
    # the curves draw the visible slice only, up to the last complete second
    x, y = g.down_curve.getData()
    assert x[-1] == now - 1
    assert len(x) < 700


def test_dashboard_top_clients_are_the_biggest_downloaders(dashboard, traffic):
    g = dashboard.graph
    store = Store.open(dashboard.worker.db_path)
    try:
        from hotspot_manager.store import views

        names = views.device_names(store, g.client_ids[:2])
    finally:
        store.close()
    assert [names[i]["mac"] for i in g.client_ids[:2]] == [XIAOMI, APPLE]
    s = traffic.now - 5
    assert g.clients[0, s - g.base] == traffic.inet_down(s, {XIAOMI}) * 8
    assert "Top clients" in g.legend.text()


def test_dashboard_cards_and_connected_devices(dashboard, traffic):
    a = dashboard.agent_card
    assert a.state.text() == "counting"
    assert "wlan0" in a.note.text()
    assert dashboard.stop_button.isVisibleTo(dashboard)
    assert not dashboard.start_button.isVisibleTo(dashboard)
    assert dashboard.uplink_card.headline.text() == "Monitor not running"
    assert dashboard.router_card.headline.text() == "Monitor not running"
    m = dashboard.live_model
    labels = [m.index(r, LiveDevicesModel.DEVICE).data() for r in range(m.rowCount())]
    assert labels[0].startswith("Xiaomi")  # sorted by download, biggest first
    assert PHONE not in labels and all("ff:ff" not in x for x in labels)
    assert dashboard.today_card.headline.text().endswith("MB")


def test_connected_devices_sort_by_any_column(dashboard):
    m = dashboard.live_model
    m.sort(LiveDevicesModel.ADDRESS, Qt.SortOrder.AscendingOrder)
    addresses = [m.index(r, LiveDevicesModel.ADDRESS).data() for r in range(m.rowCount())]
    assert addresses == ["192.168.50.1", "192.168.50.11", "192.168.50.13"]
    m.sort(LiveDevicesModel.UP, Qt.SortOrder.DescendingOrder)
    ups = [m.row(r)["inet_tx_bytes"] for r in range(m.rowCount())]
    assert ups == sorted(ups, reverse=True)


def test_the_demo_window_offers_no_agent_buttons(qtbot, worker, settings, traffic):
    w = MainWindow(worker, settings, demo_note="DEMO", clock=lambda: traffic.now + 0.5)
    qtbot.addWidget(w)
    w.show()
    w.dashboard.refresh()
    assert w.banner.isVisibleTo(w) and w.banner.text() == "DEMO"
    assert not w.dashboard.stop_button.isVisibleTo(w)
    assert not w.dashboard.start_button.isVisibleTo(w)


def test_dashboard_refreshes_only_while_visible(dashboard, qtbot):
    assert dashboard.timer.isActive()
    dashboard.hide()
    assert not dashboard.timer.isActive()
    ticks = dashboard.ticks
    qtbot.wait(1300)
    assert dashboard.ticks == ticks
    dashboard.show()
    assert dashboard.timer.isActive()
    assert dashboard.ticks == ticks + 1


def test_dashboard_skips_a_tick_while_the_last_read_is_pending(dashboard):
    dashboard.worker._busy_keys.add("dashboard")
    ticks = dashboard.ticks
    dashboard.refresh()
    assert dashboard.ticks == ticks
    dashboard.worker._busy_keys.discard("dashboard")


def test_dashboard_shows_a_stopped_agent(qtbot, worker, db_path, now):
    write_traffic(db_path, now - 600, seconds=30)  # its heartbeat is ten minutes old
    d = DashboardScreen(worker, clock=lambda: now)
    qtbot.addWidget(d)
    d.show()
    assert d.agent_card.state.text() == "stopped"
    assert d.start_button.isVisibleTo(d)
    assert "not counting" in d.empty_label.text()


def test_dashboard_uplink_and_router_cards_from_the_monitor(qtbot, worker, db_path, traffic):
    from hotspot_manager.store import monitoring

    doc = {
        "running": True,
        "status_interval": 5.0,
        "uplink": {"state": "up", "interface": None},
        "targets": [
            {
                "name": "1.1.1.1",
                "state": "ok",
                "latency_ms": 48.5,
                "jitter_ms": 3.2,
                "loss_percent": 0.0,
                "call_quality": {"r_factor": 88, "mos": 4.3, "verdict": "good"},
            }
        ],
        "router": {"address": "192.168.1.1", "state": "reachable", "latency_ms": 1.2},
        "call_quality": {"r_factor": 88, "mos": 4.3, "verdict": "good", "target": "1.1.1.1"},
    }
    with Store.open(db_path) as store:
        monitoring.write_status(store, doc, updated=traffic.now)
    d = DashboardScreen(worker, clock=lambda: traffic.now + 0.5)
    qtbot.addWidget(d)
    d.show()
    up = d.uplink_card
    assert up.state.text() == "up"
    values = {a.text(): b.text() for a, b in up._rows.values()}
    assert values["Latency"] == "48.5 ms"
    assert values["Video calls"].startswith("good")
    assert d.router_card.headline.text() == "192.168.1.1"
    assert d.router_card.state.text() == "reachable"


def test_graph_scrolls_back_and_asks_for_older_seconds(dashboard, qtbot, traffic):
    g = dashboard.graph
    vb = g.plot.getPlotItem().getViewBox()
    asked = []
    g.need_range.connect(lambda a, b: asked.append((a, b)))
    g._user_moved()
    before = g.loaded_from
    left = traffic.now - 3 * 3600
    vb.setXRange(left, left + 600, padding=0)
    assert not g.follow and g.live_button.isVisibleTo(g)
    assert asked[-1][1] == before  # (nested: the first ask is recorded last)
    # the reads came back through the worker, chunk after chunk, until the view is loaded
    assert g.loaded_from <= left
    assert g.down[left - g.base] == 0.0  # loaded, no traffic then
    g.go_live()
    assert g.follow


# ---------------------------------------------------------------------- devices


@pytest.fixture
def devices(qtbot, worker, traffic):
    d = DevicesScreen(worker, clock=lambda: traffic.now + 0.5)
    qtbot.addWidget(d)
    d.resize(1200, 700)
    d.show()
    qtbot.waitExposed(d)
    return d


def _column(screen, col):
    p = screen.proxy
    return [p.index(r, col).data() for r in range(p.rowCount())]


def test_devices_lists_every_unicast_device_with_badges(devices):
    macs = _column(devices, DevicesModel.MAC)
    assert sorted(macs) == sorted([APPLE, XIAOMI, PHONE, GATEWAY])
    p = devices.proxy
    badge = {
        p.index(r, DevicesModel.MAC).data(): p.index(r, DevicesModel.MAC).data(
            Qt.ItemDataRole.UserRole + 1
        )
        for r in range(p.rowCount())
    }
    assert badge[PHONE] is True and badge[APPLE] is False
    assert devices.count_label.text() == "4 device(s)"


def test_devices_search_and_sort(devices, qtbot):
    devices.search.setText("xiaomi")
    assert _column(devices, DevicesModel.MAC) == [XIAOMI]
    devices.search.setText("192.168.50.1")  # also matches .10, .11, .13
    assert len(_column(devices, DevicesModel.MAC)) == 4
    devices.search.setText("")
    devices.table.sortByColumn(DevicesModel.TODAY, Qt.SortOrder.DescendingOrder)
    assert _column(devices, DevicesModel.MAC)[:2] == [XIAOMI, APPLE]
    devices.table.sortByColumn(DevicesModel.MAC, Qt.SortOrder.AscendingOrder)
    assert _column(devices, DevicesModel.MAC) == sorted([APPLE, XIAOMI, PHONE, GATEWAY])


def test_rename_by_editing_the_name_cell_writes_the_store(devices, db_path):
    p = devices.proxy
    row = _column(devices, DevicesModel.MAC).index(PHONE)
    assert p.setData(p.index(row, DevicesModel.NAME), "  Teléfono de Ana ")
    assert p.index(row, DevicesModel.NAME).data() == "Teléfono de Ana"
    with Store.open(db_path) as store:
        got = store._conn.execute("SELECT name FROM devices WHERE mac = ?", (PHONE,)).fetchone()
    assert got == ("Teléfono de Ana",)


def test_device_history_chart(devices, traffic):
    model = devices.model
    xiaomi = next(r for r in model.rows if r["mac"] == XIAOMI)
    devices.select_device(xiaomi["id"])
    assert devices.rename_button.isEnabled()
    h = devices.history
    assert "Xiaomi" in h.title.text()
    h.set_kind("hour")
    heights = h.down_bars.opts["height"]
    assert len(heights) == 48
    want = traffic.per_mac(0, traffic.now + 1)[XIAOMI][2] / 1e6
    assert abs(float(np.sum(heights)) - want) < 1e-9
    for kind in ("day", "month"):
        h.set_kind(kind)
        assert abs(float(np.sum(h.down_bars.opts["height"])) - want) < 1e-9


# ---------------------------------------------------------------------- settings


def test_settings_save_to_the_store_and_qsettings(qtbot, window, db_path):
    window.show_screen("settings")
    s = window.settings_screen
    f = s.form
    f.business.setText("WiFi Los Pinos")
    f.currency.setCurrentIndex(f.currency.findData("USD"))
    f.interface.setCurrentIndex(f.interface.findData("wlan0"))
    assert f.lan.text() == "192.168.50.0/24"
    applied = []
    s.applied.connect(applied.append)
    s.save()
    assert s.message.text() == "Saved."
    assert applied and applied[0]["business"] == "WiFi Los Pinos"
    with Store.open(db_path) as store:
        assert store.get_setting("billing.business_name") == "WiFi Los Pinos"
        assert store.get_setting("gui.currency") == "USD"
        assert store.get_setting("gui.interface") == "wlan0"
        assert store.get_setting("lan") == '["192.168.50.0/24"]'
    from hotspot_manager.ui.settings import setup_done

    assert setup_done(window.settings)


def test_settings_refuse_a_bad_lan(window):
    s = window.settings_screen
    s.form.lan.setText("192.168.1.0/24, not-a-range")
    s.save()
    assert "not-a-range" in s.message.text()


def test_first_run_dialog(qtbot, interfaces):
    from hotspot_manager.ui.settings import FirstRunDialog

    dlg = FirstRunDialog(interfaces=interfaces)
    qtbot.addWidget(dlg)
    dlg.form.load({"language": "es", "theme": "dark"}, {})
    assert dlg.form.interface.count() == 2
    assert "192.168.50.1" in dlg.form.interface.itemText(0)
    assert dlg.form.lan.text() == "192.168.50.0/24"  # detected from wlan0
    dlg.form.lan.setText("nonsense")
    dlg._accept()
    assert dlg.error.isVisibleTo(dlg) and dlg.result() == 0
    dlg.form.lan.setText("192.168.50.0/24")
    dlg._accept()
    assert dlg.result() == dlg.DialogCode.Accepted
    v = dlg.form.values()
    assert (v["language"], v["theme"], v["interface"]) == ("es", "dark", "wlan0")


def test_language_switch_rebuilds_the_window_in_spanish(qtbot, db_path, traffic, interfaces):
    from hotspot_manager.ui.app import App, qsettings

    app = App(str(db_path), qsettings(), synchronous=True, use_tray=False, interfaces=interfaces)
    try:
        app.window.show()
        old = app.window
        app.window.show_screen("settings")
        f = app.window.settings_screen.form
        f.language.setCurrentIndex(f.language.findData("es"))
        app.window.settings_screen.save()
        qtbot.waitUntil(lambda: app.window is not old)
        w = app.window
        assert w.sidebar.item(0).text() == "Panel"
        assert w.current_screen() == "settings"
        assert w.settings_screen.save_button.text() == "Guardar"
    finally:
        app.window.quitting = True
        app.window.close()
        app.close()


# ---------------------------------------------------------------------- agent control


class _FakeProc:
    def __init__(self, code):
        self.code = code

    def poll(self):
        return self.code


def test_missing_capture_rights_explain_the_exact_fix(qtbot, tmp_path, monkeypatch):
    from hotspot_manager.capture.live import grant_hint
    from hotspot_manager.ui.agent_control import AgentControl, CaptureRightsDialog

    calls = []

    def popen(cmd, **kw):
        calls.append((cmd, kw))
        kw["stderr"].write(b"hotspot-manager: error: capture on wlan0: Operation not permitted\n")
        return _FakeProc(3)

    ctl = AgentControl(str(tmp_path / "h.db"), popen=popen)
    assert ctl.start("wlan0")
    cmd, kw = calls[0]
    assert cmd[-4:] == ["-i", "wlan0", "--db", str(tmp_path / "h.db")]
    assert kw["start_new_session"] is True  # outlives the window
    qtbot.waitUntil(lambda: hasattr(ctl, "rights_dialog"), timeout=3000)
    dlg = ctl.rights_dialog
    qtbot.addWidget(dlg)
    assert isinstance(dlg, CaptureRightsDialog)
    command = next(ln for ln in grant_hint().splitlines() if "setpriv" in ln)
    assert command in dlg.hint.toPlainText().splitlines()  # the exact command, untouched
    assert "Operation not permitted" in dlg.detail.text()
    dlg.close()


def test_an_agent_that_fails_otherwise_reports_its_message(qtbot, tmp_path):
    from hotspot_manager.ui.agent_control import AgentControl

    def popen(cmd, **kw):
        kw["stderr"].write(b"hotspot-manager: error: no such interface: wlan9\n")
        return _FakeProc(2)

    ctl = AgentControl(str(tmp_path / "h.db"), popen=popen)
    with qtbot.waitSignal(ctl.failed, timeout=3000) as sig:
        ctl.start("wlan9")
    assert "no such interface: wlan9" in sig.args[0]


def test_start_without_an_interface_asks_for_one(qtbot, tmp_path):
    from hotspot_manager.ui.agent_control import AgentControl

    ctl = AgentControl(str(tmp_path / "h.db"), popen=lambda *a, **k: pytest.fail("started"))
    with qtbot.waitSignal(ctl.failed):
        assert not ctl.start("")


# ---------------------------------------------------------------------- command line


def test_no_arguments_opens_the_window_and_help_still_works(monkeypatch, capsys):
    from hotspot_manager import cli
    from hotspot_manager.commands import gui

    opened = []
    monkeypatch.setattr(gui, "open_window", lambda: opened.append(True) or 0)
    assert cli.main([]) == 0
    assert opened == [True]
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "demo" in capsys.readouterr().out


def test_other_commands_do_not_load_qt():
    code = (
        "import sys; from hotspot_manager import cli; cli.build_parser(); "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt loaded'"
    )
    subprocess.run([__import__("sys").executable, "-c", code], check=True, timeout=60)
