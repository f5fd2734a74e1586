"""Alerts in the monitor: rules evaluated beside the feed, firings in the Alerts panel,
a toast and the bell. Prices are scripted as a recording replayed through the real feed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static
from ui_scenarios import demo_config, fixed_clock, market_drawn, shown_toasts, wait_for

from kraken_tui.alerts.settings import AlertOutputs, AlertSettings, parse_cli_rules
from kraken_tui.record.replay import ReplayFeed, plan_replay
from kraken_tui.ui.app import KrakenMonitor
from kraken_tui.ui.replay import ReplayState
from kraken_tui.ui.screens import AlertRulesScreen
from kraken_tui.ui.widgets.alerts import AlertsPanel
from tests.recordings import recording, ticker


def crossings(path: Path) -> Path:
    return recording(path, [ticker("99.0"), ticker("101.0"), ticker("99.8"), ticker("101.2")])


def alert_app(path: Path, *rules: str, outputs: AlertOutputs | None = None,
              toasts: bool = False) -> KrakenMonitor:
    plan = plan_replay(path, measure=True)
    settings = AlertSettings(parse_cli_rules(rules), outputs or AlertOutputs())
    app = KrakenMonitor(
        demo_config(symbols=plan.symbols, depth=plan.depth),
        lambda config, sink: ReplayFeed(plan, sink, progress=True), clock=fixed_clock,
        toasts=toasts, replay=ReplayState(path.name, None, duration=plan.duration),
        exit_at_replay_end=False, alerts=settings)
    app.animation_level = "none"
    return app


async def test_each_crossing_is_a_row_a_toast_and_the_bell(tmp_path: Path) -> None:
    app = alert_app(crossings(tmp_path / "c.ndjson"), "BTC/USD last > 100", toasts=True)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        panel = app.query_one(AlertsPanel)
        await wait_for(pilot, lambda: len(panel.fired) == 2 and app.replay.finished, 10,
                       "two firings")
        assert [a.value for a in panel.fired] == ["101.0", "101.2"]
        assert len(bells) == 2
        await pilot.pause()
        assert sum("ALERT BTC/USD last 101.0 > 100" in t for t in shown_toasts(app)) == 1
        await pilot.press("x")
        await wait_for(pilot, lambda: panel.fired == [] and panel.row_keys == [], 5, "cleared")


async def test_silent_outputs_only_record(tmp_path: Path) -> None:
    outputs = AlertOutputs(modes=(("toast", "price", "silent"), ("bell", "price", "off")))
    app = alert_app(crossings(tmp_path / "c.ndjson"), "BTC/USD last > 100", outputs=outputs,
                    toasts=True)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        panel = app.query_one(AlertsPanel)
        await wait_for(pilot, lambda: len(panel.fired) == 2, 10, "two firings")
        await pilot.pause()
        assert bells == [] and not any("ALERT" in t for t in shown_toasts(app))


async def test_no_rules_no_panel_and_no_clear_key(tmp_path: Path) -> None:
    app = alert_app(crossings(tmp_path / "c.ndjson"))
    async with app.run_test(size=(120, 34)):
        assert not app.query(AlertsPanel) and app.check_action("clear_alerts", ()) is False


def test_the_alerts_panel_on_screen(snap_compare, tmp_path: Path) -> None:
    app = alert_app(crossings(tmp_path / "c.ndjson"), "BTC/USD last > 100",
                    "BTC/USD last < 99.9")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        panel = pilot.app.query_one(AlertsPanel)
        await wait_for(pilot, lambda: len(panel.fired) == 3 and app.replay.finished, 10,
                       "three firings")
        pilot.app.tick()
        await wait_for(pilot, lambda: market_drawn(pilot.app), 5, "the market panels drawn")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 34), run_before=run_before)



def config_with_comment(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('# my settings\ndepth = 10  # keep it short\n')
    return path


async def test_rules_are_added_checked_saved_and_removed_from_the_monitor(
    tmp_path: Path, monkeypatch,
) -> None:
    config = config_with_comment(tmp_path)
    monkeypatch.setenv("KRAKEN_TUI_CONFIG", str(config))
    app = alert_app(crossings(tmp_path / "c.ndjson"))
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_for(pilot, lambda: app.replay.finished, 10, "the replay's end")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertRulesScreen), 5, "dialog")
        await pilot.press(*"BTC/USD last = 7", "enter")
        error = app.screen.query_one("#rule-error", Static)
        await wait_for(pilot, lambda: "operator '=' is not one of" in str(error.render()),
                       5, "the parser's message")
        assert "alerts" not in config.read_text()  # nothing saved
        app.screen.query_one(Input).value = ""
        await pilot.press(*"ETH/USD spread_bps >= 5", "enter")
        await wait_for(pilot, lambda: [r.text for r in app._rules()] == [
            "ETH/USD spread_bps >= 5"], 5, "the rule in the engine")
        saved = config.read_text()
        assert saved.startswith("# my settings\ndepth = 10  # keep it short\n")
        assert 'rule = "ETH/USD spread_bps >= 5"' in saved
        assert app.query(AlertsPanel)  # the panel appears with the first rule
        await pilot.press("shift+tab", "delete")  # to the list; remove the highlighted rule
        await wait_for(pilot, lambda: app._rules() == (), 5, "rule removed")
        assert config.read_text() == '# my settings\ndepth = 10  # keep it short\n'


def test_the_rules_dialog_on_screen(snap_compare, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KRAKEN_TUI_CONFIG", str(config_with_comment(tmp_path)))
    app = alert_app(crossings(tmp_path / "c.ndjson"), "BTC/USD last > 100")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, lambda: app.replay.finished, 10, "the replay's end")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertRulesScreen), 5, "dialog")
        await pilot.press(*"BTC/USD move_pct 2 in", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 34), run_before=run_before)
