"""`kraken-tui events --alert RULE`: alert lines right after the event that made them true.

Driven by recordings (``events --replay``: the live feed's own code path, no network) so
the prices are scripted exactly, and by the demo exchange for the config file's rules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.recordings import META, recording, status, ticker


def events(*argv: str, code: int = 0, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "kraken_tui", "events", *argv],
                          capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == code, done.stderr
    return done


def lines_of(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_price_rule_fires_once_per_crossing_rearms_and_ignores_stale_data(
    tmp_path: Path,
) -> None:
    frames = [ticker("99.0"), ticker("101.0"),   # baseline, then the crossing: fires
              ticker("100.5"), ticker("102.0"),  # still above: nothing
              ticker("99.8"),                    # back under the 0.1 % band: re-armed
              status("maintenance"), ticker("101.5"),  # crossing on stale data: nothing
              status("online"), ticker("101.6")]       # valid again and above: fires
    path = recording(tmp_path / "prices.ndjson", frames)
    out = lines_of(events("--replay", str(path), "--every-frame",
                          "--alert", "BTC/USD last > 100"))
    kinds = [(e["event"], e.get("last"), e.get("valid")) for e in out
             if e["event"] in ("ticker", "alert")]
    alerts = [e for e in out if e["event"] == "alert"]
    assert [(a["rule"], a["kind"], a["symbol"], a["value"]) for a in alerts] == [
        ("BTC/USD last > 100", "price", "BTC/USD", "101.0"),
        ("BTC/USD last > 100", "price", "BTC/USD", "101.6"),
    ]
    # each alert is written right after the ticker event that made it true
    first = kinds.index(("ticker", "101.0", True))
    assert kinds[first + 1][0] == "alert"
    assert kinds[-2:] == [("ticker", "101.6", True), ("alert", None, None)]
    assert ("ticker", "101.5", False) in kinds  # shown, but stale: never fired on
    assert alerts[0]["message"] == "BTC/USD last 101.0 > 100"
    assert alerts[0]["time"].endswith("Z") and "T" in alerts[0]["time"]


def test_a_bad_rule_is_one_line_naming_it_before_anything_runs(tmp_path: Path) -> None:
    done = events("--replay", str(tmp_path / "never-read.ndjson"),
                  "--alert", "BTC/USD last = 7", code=2)
    assert done.stderr.splitlines()[-1] == (
        "kraken-tui events: error: alert rule 'BTC/USD last = 7': "
        "operator '=' is not one of >, >=, <, <=")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_config_rules_apply_and_a_bad_one_names_the_file(tmp_path: Path) -> None:
    frames = [ticker("99.0"), ticker("101.0")]
    path = recording(tmp_path / "prices.ndjson", frames)
    config = tmp_path / "config.toml"
    config.write_text('# my alerts\n[[alerts]]\nrule = "BTC/USD last > 100"\n')
    env = {"KRAKEN_TUI_CONFIG": str(config), "PATH": "/usr/bin:/bin"}
    out = lines_of(events("--replay", str(path), env=env))
    assert [e["value"] for e in out if e["event"] == "alert"] == ["101.0"]
    config.write_text('[[alerts]]\nrule = "BTC/USD last >> 100"\n')
    done = events("--replay", str(path), env=env, code=2)
    assert done.stderr.splitlines()[-1].startswith(f"kraken-tui events: error: {config}: ")
    assert "Traceback" not in done.stderr


def execution(exec_id: str, qty: str = "0.50000000") -> str:
    report = ('{"order_id":"OABC-1","exec_id":"' + exec_id + '","exec_type":"trade",'
              '"symbol":"BTC/USD","side":"buy","last_qty":' + qty + ',"last_price":62800.1,'
              '"liquidity_ind":"t","order_status":"partially_filled","order_qty":1.00000000,'
              '"cum_qty":0.50000000,"timestamp":"2026-12-03T00:00:01.000000Z",'
              '"fees":[{"asset":"USD","qty":0.05}]}')
    return '{"channel":"executions","type":"update","sequence":2,"data":[' + report + "]}"


def test_a_fill_of_mine_is_a_fill_event_and_fires_a_fill_rule_once(tmp_path: Path) -> None:
    snapshot = '{"channel":"executions","type":"snapshot","sequence":1,"data":[]}'
    lines = [json.dumps(META), f'{{"t":0,"conn":"private","frame":{snapshot}}}',
             f'{{"t":1,"conn":"private","frame":{execution("T-1")}}}',
             # the same execution again (as after a reconnect): neither shown nor fired twice
             f'{{"t":2,"conn":"private","frame":{execution("T-1")}}}']
    path = tmp_path / "fills.ndjson"
    path.write_text("\n".join(lines) + "\n")
    out = lines_of(events("--replay", str(path), "--alert", "fill"))
    fills = [e for e in out if e["event"] == "fill"]
    assert fills == [{"event": "fill", "symbol": "BTC/USD", "order_id": "OABC-1",
                      "exec_id": "T-1", "side": "buy", "price": "62800.1",
                      "qty": "0.50000000", "fee": "0.05", "liquidity": "taker"}]
    alerts = [e for e in out if e["event"] == "alert"]
    assert [(a["rule"], a["kind"], a["symbol"]) for a in alerts] == [("fill", "fill", "BTC/USD")]
    assert out.index(alerts[0]) == out.index(fills[0]) + 1
