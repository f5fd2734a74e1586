"""The command palette: one entry per thing, and a screenshot that says where it went."""

from __future__ import annotations

from pathlib import Path

from ui_scenarios import live_script, make_app, settle, shown_toasts


async def test_palette_lists_help_once_and_no_keys_twin() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Help") == 1
        assert "Keys" not in titles
        assert titles.count("Screenshot") == 1


async def test_screenshot_saved_and_its_path_shown(tmp_path: Path) -> None:
    app, holder = make_app(live_script(), toasts=True)
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        await settle(pilot, holder)
        path = app.action_save_screenshot(tmp_path)
        await pilot.pause()
        assert path is not None and path.parent == tmp_path
        assert path.read_text().startswith("<svg")
        assert any(str(path) in toast for toast in shown_toasts(app))


async def test_screenshot_failure_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    app, holder = make_app(live_script(), toasts=True)
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        await settle(pilot, holder)
        assert app.action_save_screenshot(missing) is None
        await pilot.pause()
        toasts = shown_toasts(app)
        assert any("Screenshot not saved" in t and "No such file or directory" in t
                   for t in toasts), toasts
