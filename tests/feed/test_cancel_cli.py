"""``kraken-tui cancel`` and ``cancel-all`` against the simulator (issue 16): the list,
the question, one JSON line per order and a summary, the exit status, never the secret."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kraken_tui.cli import main
from kraken_tui.sim import SimulatorThread


class Tty(io.StringIO):
    """A terminal on stdin that types ``answer``."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    monkeypatch.setenv("KRAKEN_TUI_CONFIG", str(empty))
    with SimulatorThread(seed=11, order_flow=False) as handle:
        monkeypatch.setenv("KRAKEN_API_KEY", handle.sim.api_key)
        monkeypatch.setenv("KRAKEN_API_SECRET", handle.sim.api_secret)
        yield handle.sim


def run(sim: Any, capsys: pytest.CaptureFixture[str], *argv: str,
        ws_auth_url: str | None = None) -> tuple[int, list[dict[str, Any]], str]:
    """Exit status, the JSON lines on stdout, and stderr (neither may hold the secret)."""
    urls = ["--ws-auth-url", ws_auth_url or sim.ws_auth_url, "--rest-url", sim.rest_url]
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main([*argv, *urls]))
    out, err = capsys.readouterr()
    assert sim.api_secret not in out + err
    assert all(token not in out + err for token in sim.tokens)
    code = exited.value.code
    return int(code) if code is not None else 0, [json.loads(line) for line in
                                                  out.splitlines()], err


def place_spread(sim: Any) -> dict[str, str]:
    return {
        "btc_buy": sim.place_order("BTC/USD", "buy", "0.5", "30000.0"),
        "btc_sell": sim.place_order("BTC/USD", "sell", "0.25", "99000.0"),
        "eth": sim.place_order("ETH/USD", "sell", "2", "9000.00"),
        "doge": sim.place_order("DOGE/USD", "buy", "100000", "0.0500000"),
    }


def test_cancel_all_yes_over_ws_prints_each_order_and_a_summary(
        sim: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ids = place_spread(sim)
    code, lines, err = run(sim, capsys, "cancel-all", "--yes")
    assert code == 0 and sim.truth_open_orders() == {}
    *outcomes, summary = lines
    assert {o["order_id"] for o in outcomes} == set(ids.values())
    assert all(o["event"] == "cancel" and o["outcome"] == "cancelled" and o["via"] == "ws"
               for o in outcomes)
    assert {o["symbol"] for o in outcomes} == {"BTC/USD", "ETH/USD", "DOGE/USD"}
    assert summary == {**summary, "event": "cancel_summary", "method": "cancel_all",
                       "via": "ws", "orders": 4, "cancelled": 4, "count": 4, "ok": True}
    assert "Open orders: 4" in err and ids["eth"] in err  # the list came first


def test_cancel_all_of_one_symbol_leaves_the_others(
        sim: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ids = place_spread(sim)
    code, lines, err = run(sim, capsys, "cancel-all", "--symbol", "btc/usd", "--yes")
    assert code == 0
    *outcomes, summary = lines
    assert sorted(o["order_id"] for o in outcomes) == sorted([ids["btc_buy"], ids["btc_sell"]])
    assert (summary["method"], summary["cancelled"]) == ("cancel_order", 2)
    assert set(sim.truth_open_orders()) == {ids["eth"], ids["doge"]}
    assert "Open orders on BTC/USD: 2" in err


def test_cancel_by_id_unknown_ids_fail_and_closed_ones_are_already_gone(
        sim: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ids = place_spread(sim)
    sim.cancel_order(ids["eth"])  # closed before the command runs
    code, lines, err = run(sim, capsys, "cancel", ids["btc_buy"], ids["eth"],
                           "OBOGUS-AAAAA-BBBBBB", "--yes")
    assert code == 1
    *outcomes, summary = lines
    by_id = {o["order_id"]: o for o in outcomes}
    assert by_id[ids["btc_buy"]]["outcome"] == "cancelled"
    assert by_id[ids["eth"]]["outcome"] == "already_gone"
    assert (by_id["OBOGUS-AAAAA-BBBBBB"]["outcome"], by_id["OBOGUS-AAAAA-BBBBBB"]["error"]) == (
        "rejected", "EOrder:Unknown order")
    assert (summary["cancelled"], summary["already_gone"], summary["rejected"], summary["ok"]) \
        == (1, 1, 1, False)
    assert "not open (canceled)" in err and "unknown to Kraken" in err
    code, lines, _ = run(sim, capsys, "cancel", ids["eth"], "--yes")
    assert code == 0 and lines[0]["outcome"] == "already_gone"


def test_private_socket_unavailable_cancels_over_rest(
        sim: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ids = place_spread(sim)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        dead = f"ws://127.0.0.1:{closed.getsockname()[1]}/v2"
    code, lines, err = run(sim, capsys, "cancel", ids["eth"], "--yes", ws_auth_url=dead)
    assert code == 0 and "cancelling over REST" in err
    assert (lines[0]["outcome"], lines[0]["via"]) == ("cancelled", "rest")
    code, lines, _ = run(sim, capsys, "cancel-all", "--yes", ws_auth_url=dead)
    assert code == 0 and lines[-1]["via"] == "rest" and lines[-1]["count"] == 3
    assert sim.truth_open_orders() == {}


def test_maintenance_sends_nothing_and_exits_1(
        sim: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ids = place_spread(sim)
    sim.faults.start_maintenance()
    code, lines, err = run(sim, capsys, "cancel-all", "--yes")
    assert code == 1 and "maintenance" in err
    assert {o["outcome"] for o in lines[:-1]} == {"rejected"}
    assert {o["via"] for o in lines} == {"none"}
    assert set(sim.truth_open_orders()) == set(ids.values())


def test_without_yes_it_asks_on_the_terminal(
        sim: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ids = place_spread(sim)
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    code, lines, err = run(sim, capsys, "cancel", ids["eth"])
    assert code == 1 and lines == [] and "Cancel this order? [y/N]" in err
    assert "aborted: nothing was sent" in err and ids["eth"] in sim.truth_open_orders()
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    code, lines, err = run(sim, capsys, "cancel-all")
    assert code == 0 and "Cancel these 4 orders? [y/N]" in err
    assert sim.truth_open_orders() == {}


def test_refuses_to_ask_without_a_terminal(
        sim: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ids = place_spread(sim)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # a pipe: nobody to ask
    code, lines, err = run(sim, capsys, "cancel-all")
    assert code == 2 and lines == [] and "add --yes" in err
    assert set(sim.truth_open_orders()) == set(ids.values())


@pytest.mark.parametrize(("argv", "message"), [
    (["cancel", "--symbol", "BTC/USD", "OABC", "--yes"], "--symbol: only with cancel-all"),
    (["cancel", "not an id", "--yes"], "is not a Kraken order id"),
    (["cancel-all", "--symbol", "BTCUSD", "--yes"], "is not a pair"),
    (["cancel-all", "--yes", "--depth", "7"], "--depth: 7 is not a Kraken book depth"),
])
def test_bad_arguments_exit_2(sim: Any, capsys: pytest.CaptureFixture[str], argv: list[str],
                              message: str) -> None:
    code, lines, err = run(sim, capsys, *argv)
    assert code == 2 and lines == [] and message in err


def test_without_keys_exit_2(sim: Any, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KRAKEN_API_KEY")
    monkeypatch.delenv("KRAKEN_API_SECRET")
    code, _, err = run(sim, capsys, "cancel-all", "--yes")
    assert code == 2 and "needs API keys" in err
