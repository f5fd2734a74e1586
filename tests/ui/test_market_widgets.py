"""The market panels, each mounted alone: what they draw live, stale, narrow and short."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from market_scenarios import TICKER, make_candles, make_fill, trade
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget
from ui_scenarios import iso, wait_for

from kraken_tui.ui.widgets.chart import BARS, PriceChart
from kraken_tui.ui.widgets.fills import MyFills
from kraken_tui.ui.widgets.paced import PacedLines
from kraken_tui.ui.widgets.ticker import TickerStrip
from kraken_tui.ui.widgets.trades import MAX_ROWS, TIMES, TradeTape

NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")


class Host(App[None]):
    """One widget, sized by ``css``."""

    def __init__(self, widget: Widget, css: str = "") -> None:
        self.CSS = css
        super().__init__()
        self.widget = widget
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        self.theme = "textual-dark"


async def painted(pilot, widget: PacedLines) -> None:
    await wait_for(pilot, lambda: widget.paints > 0 and not widget.pending, 5, "a paint")


class ThemeColour:
    """A theme colour that equals any drawn colour within rounding of it."""

    def __init__(self, color: Color) -> None:
        self.rgb = color.rgb

    def __eq__(self, other: object) -> bool:
        return isinstance(other, tuple) and all(
            abs(a - b) <= 2 for a, b in zip(self.rgb, other, strict=True))

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"ThemeColour{self.rgb}"


def theme_color(app: App[None], name: str) -> ThemeColour:
    return ThemeColour(Color.parse(getattr(app.current_theme, name)))


def colour_of(strip: Strip, text: str) -> tuple[int, int, int] | None:
    """The colour the first segment containing ``text`` is drawn in (RGB)."""
    style: Style = next(s.style for s in strip if text in s.text)
    color = style.color
    return None if color is None or color.triplet is None else tuple(color.triplet)


# -- ticker strip ----------------------------------------------------------------------


async def test_ticker_shows_every_figure_coloured_by_direction() -> None:
    strip = TickerStrip()
    app = Host(strip)
    async with app.run_test(size=(120, 5)) as pilot:
        strip.show("BTC/USD", TICKER, True)
        await painted(pilot, strip)
        text = strip.text_lines[0]
        for piece in ("BTC/USD", "97,215.4", "▲ +1,250.6 (+1.30%)", "H 97,480.5",
                      "L 95,120.0", "Vol 1,843.27718520", "VWAP 96,802.7"):
            assert piece in text
        assert colour_of(strip.render_line(0), "97,215.4") == theme_color(app, "success")
        assert not strip.has_class("-stale")

        falling = replace(TICKER, change=Decimal("-310.0"), change_pct=Decimal("-0.32"))
        strip.show("BTC/USD", falling, True)
        await wait_for(pilot, lambda: "▼ -310.0 (-0.32%)" in strip.text_lines[0], 5, "down")
        assert colour_of(strip.render_line(0), "97,215.4") == theme_color(app, "error")


async def test_a_theme_change_recolours_the_ticker_and_the_fills() -> None:
    class Both(App[None]):
        def compose(self) -> ComposeResult:
            yield TickerStrip()
            yield MyFills()

    app = Both()
    async with app.run_test(size=(100, 12)) as pilot:
        app.theme = "textual-dark"
        strip, fills = app.query_one(TickerStrip), app.query_one(MyFills)
        strip.show("BTC/USD", TICKER, True)
        fills.add(make_fill("TA", -600, "buy"))
        await painted(pilot, strip)
        await pilot.pause()
        app.theme = "gruvbox"
        green = theme_color(app, "success")
        assert green != colour_of(strip.render_line(0), "97,215.4")  # a different green
        await wait_for(pilot, lambda: colour_of(strip.render_line(0), "97,215.4") == green,
                       5, "the ticker in the new theme")
        await wait_for(pilot, lambda: colour_of(fills.render_line(1), "BUY") == green, 5,
                       "the fills in the new theme")


async def test_ticker_drops_whole_fields_as_it_narrows_and_never_cuts_a_number() -> None:
    strip = TickerStrip()
    whole = {"97,215.4", "+1,250.6", "(+1.30%)", "+1.30%", "97,480.5", "95,120.0",
             "1,843.27718520", "96,802.7"}
    async with Host(strip).run_test(size=(120, 5)) as pilot:
        strip.show("BTC/USD", TICKER, True)
        await painted(pilot, strip)
        assert strip.fit(40) == ["symbol", "last", "change"]  # VWAP, volume, high/low gone
        assert strip.fit(70) == ["symbol", "last", "change", "range"]
        assert strip.fit(90) == ["symbol", "last", "change", "range", "volume"]
        for width in range(8, 120):
            line = strip.build(width, 1)[0].text
            assert len(line) == width
            for number in NUMBER.findall(line):
                assert number.strip("()") in {w.strip("()") for w in whole}, (width, line)
        await pilot.resize_terminal(40, 5)
        await wait_for(pilot, lambda: len(strip.text_lines[0]) == 40, 5, "resize")
        assert strip.text_lines[0].rstrip() == " BTC/USD  97,215.4  ▲ +1,250.6 (+1.30%)"


async def test_a_stale_ticker_is_dim_with_its_reason_even_when_narrow() -> None:
    strip = TickerStrip()
    app = Host(strip)
    async with app.run_test(size=(120, 5)) as pilot:
        strip.show("BTC/USD", TICKER, True)
        await painted(pilot, strip)
        strip.show("BTC/USD", None, False, "heartbeat_timeout")
        await wait_for(pilot, lambda: "STALE" in strip.text_lines[0], 5, "stale")
        line = strip.render_line(0)
        assert "STALE · heartbeat timeout" in line.text
        assert "97,215.4" in line.text  # the last known price, but not as live:
        assert colour_of(line, "97,215.4") not in (theme_color(app, "success"),
                                                  theme_color(app, "error"))
        assert strip.has_class("-stale")
        assert "STALE · heartbeat timeout" in strip.build(40, 1)[0].text
        assert "STALE" in strip.build(16, 1)[0].text
        strip.show("ETH/USD", None, False, "awaiting_snapshot")  # another symbol: no BTC figures
        await wait_for(pilot, lambda: "ETH/USD" in strip.text_lines[0], 5, "switch")
        assert "97,215.4" not in strip.text_lines[0]
        assert "waiting for ticker" in strip.text_lines[0]


# -- trade tape --------------------------------------------------------------------------

TAPE_CSS = "TradeTape { width: 44; height: 16; }"


def rows(tape: TradeTape) -> list[str]:
    return [line.strip() for line in tape.text_lines[1:]]


async def test_the_tape_puts_the_newest_on_top_and_groups_one_timestamp() -> None:
    tape = TradeTape()
    async with Host(tape, TAPE_CSS).run_test(size=(60, 20)) as pilot:
        tape.add([trade("97000.0", "0.10000000", "sell", 1.0, 1)], snapshot=True)
        # One taker order sweeping three levels: one timestamp, one side.
        tape.add([trade("97000.1", "1.00000000", "buy", 2.5, 2),
                  trade("97000.6", "3.00000000", "buy", 2.5, 3)])
        tape.add([trade("97000.6", "0.50000000", "buy", 2.5, 4),  # same order, next batch
                  trade("97001.0", "0.20000000", "sell", 2.5, 5),  # same time, other side
                  trade("97001.0", "0.20000000", "buy", 3.0, 6),
                  trade("97001.0", "0.30000000", "buy", 3.0, 7)])
        await wait_for(pilot, lambda: len(rows(tape)) >= 4 and not tape.pending, 5, "rows")
        assert tape.text_lines[0].split() == ["Time", "Price", "Qty"]
        # VWAP of the sweep: (97000.1*1 + 97000.6*3.5) / 4.5 = 97000.488.. -> 97000.5
        assert rows(tape)[:4] == [
            f"12:00:03  ▲  97,001.0  0.50000000 {TIMES}2",  # equal prices: the price, unmarked
            "12:00:02  ▼  97,001.0  0.20000000",
            f"12:00:02  ▲ ≈97,000.5  4.50000000 {TIMES}3",
            "12:00:01  ▼  97,000.0  0.10000000",
        ]
        assert tape.border_subtitle == "LIVE"


async def test_large_trades_stand_out_against_the_recent_mean() -> None:
    tape = TradeTape()
    async with Host(tape, TAPE_CSS).run_test(size=(60, 20)) as pilot:
        tape.add([trade("100.0", "0.10", "buy", i, i) for i in range(20)], snapshot=True)
        tape.add([trade("100.0", "0.25", "sell", 30, 30)])  # 2.5x the mean: not large
        tape.add([trade("100.0", "0.40", "sell", 31, 31)])  # >= 3x: large
        await wait_for(pilot, lambda: "0.40" in tape.text_lines[1] and not tape.pending, 5,
                       "the large trade")
        base_bg = next(iter(tape.render_line(5))).style.bgcolor

        def highlighted(y: int) -> bool:
            style = next(s.style for s in tape.render_line(y) if "100.0" in s.text)
            return bool(style.bold) and style.bgcolor != base_bg

        assert [tape.rows[0].large, tape.rows[1].large, tape.rows[2].large] == [True, False,
                                                                                False]
        assert highlighted(1) and not highlighted(2) and not highlighted(3)
        sell = next(s.style for s in tape.render_line(1) if "100.0" in s.text)
        assert sell.color is not None and sell.color.triplet is not None
        assert theme_color(tape.app, "error") == tuple(sell.color.triplet)


async def test_a_stale_tape_loses_its_colours_until_trades_arrive_again() -> None:
    tape = TradeTape()
    app = Host(tape, TAPE_CSS)
    async with app.run_test(size=(60, 20)) as pilot:
        tape.add([trade("100.0", "0.1", "buy", 1, 1), trade("100.1", "0.1", "sell", 2, 2)],
                 snapshot=True)
        await painted(pilot, tape)
        tape.set_stale("disconnected")
        await wait_for(pilot, lambda: "STALE" in tape.text_lines[0], 5, "stale header")
        assert tape.text_lines[0].strip() == "STALE — disconnected"
        assert tape.border_subtitle == "STALE — disconnected" and tape.has_class("-stale")
        colours = {colour_of(tape.render_line(y), p) for y, p in ((1, "100.1"), (2, "100.0"))}
        assert len(colours) == 1  # buy and sell alike
        assert colours.pop() not in (theme_color(app, "success"), theme_color(app, "error"))
        # The resubscribe's snapshot: live again, with a mark where trades may be missing.
        tape.add([trade("100.2", "0.1", "buy", 9, 9)], snapshot=True)
        await wait_for(pilot, lambda: "STALE" not in tape.text_lines[0], 5, "live again")
        assert "100.2" in tape.text_lines[1]
        assert "resubscribed" in tape.text_lines[2]
        assert tape.border_subtitle == "LIVE"


async def test_a_burst_of_trades_costs_one_paint_per_slot_and_the_tape_stays_bounded() -> None:
    tape = TradeTape()
    async with Host(tape, TAPE_CSS).run_test(size=(60, 20)) as pilot:
        tape.add([trade("100.0", "0.1", "buy", 0, 0)], snapshot=True)
        await painted(pilot, tape)
        before = tape.paints
        for i in range(1, 600):  # all in one turn of the loop, as a burst of messages
            tape.add([trade(str(100 + i % 7), "0.1", "buy" if i % 2 else "sell", i, i)])
        assert tape.paints <= before + 1  # the rest wait for the next slot of the cap
        await wait_for(pilot, lambda: not tape.pending, 5, "the capped paint")
        assert tape.paints <= before + 2
        assert len(tape.rows) == MAX_ROWS
        assert tape.text_lines[1].split()[0] == "12:09:59"  # the newest, 599 s after T0
        tape.clear()
        await wait_for(pilot, lambda: "waiting for trades" in "".join(tape.text_lines), 5,
                       "cleared")
        assert not tape.rows and tape.stale


# -- my fills ---------------------------------------------------------------------------


async def test_fills_are_deduplicated_by_exec_id_and_newest_on_top() -> None:
    fills = MyFills()
    async with Host(fills, "MyFills { height: 10; }").run_test(size=(90, 12)) as pilot:
        assert fills.add(make_fill("TA", -600, "buy", "97000.0", "0.01000000"))
        assert fills.add(make_fill("TC", -60, "sell", "97100.5", "0.02000000", "taker"))
        assert fills.add(make_fill("TB", -300, "buy", "97050.0", "0.03000000"))  # a late one
        assert not fills.add(make_fill("TC", -60, "sell", "97100.5", "0.02000000", "taker"))
        await pilot.pause()
        assert fills.row_keys == ["TC", "TB", "TA"]
        lines = [fills.render_line(y).text.split() for y in range(4)]
        assert lines[0] == ["Time", "Symbol", "Side", "Price", "Qty", "Fee", "Liq"]
        assert lines[1] == ["11:59:00", "BTC/USD", "SELL", "97,100.5", "0.02000000",
                            "0.37863", "USD", "taker"]
        assert lines[3][:3] == ["11:50:00", "BTC/USD", "BUY"]
        assert fills.border_subtitle == "3 fills"
        assert colour_of(fills.render_line(1), "SELL") == theme_color(fills.app, "error")


async def test_fills_stale_and_narrow() -> None:
    fills = MyFills()
    async with Host(fills, "MyFills { height: 8; }").run_test(size=(90, 12)) as pilot:
        fills.add(make_fill("TA", -600, "buy", "97000.0", "0.01000000"))
        fills.set_stale("disconnected")
        await pilot.pause()
        assert fills.has_class("-stale")
        assert fills.border_subtitle == "STALE — disconnected"
        fills.set_stale(False)
        assert not fills.has_class("-stale") and fills.border_subtitle == "1 fill"
        await pilot.resize_terminal(38, 12)
        await wait_for(pilot, lambda: "fee" not in fills.column_keys, 5, "narrow columns")
        assert fills.column_keys == ("side", "price", "qty")  # liquidity, fee, symbol, time went
        await pilot.pause()
        assert fills.render_line(1).text.split() == ["BUY", "97,000.0", "0.01000000"]


# -- price chart ------------------------------------------------------------------------

CHART_CSS = "PriceChart { height: 14; width: 60; border: none; }"


async def test_candles_merge_by_interval_begin() -> None:
    chart = PriceChart()
    async with Host(chart, CHART_CSS).run_test(size=(70, 16)) as pilot:
        candles = make_candles(30)
        chart.set_candles(candles[:20])
        chart.set_candles(candles[10:25])  # overlapping: replaced, not doubled
        last = replace(candles[24], close=Decimal("99999.9"), high=Decimal("99999.9"))
        chart.set_candles([last])
        await painted(pilot, chart)
        assert len(chart.candles) == 25
        assert chart.candles[-1].close == Decimal("99999.9")
        assert [c.interval_begin for c in chart.candles] == [
            c.interval_begin for c in candles[:25]]
        assert any("◀ 99,999.9" in line for line in chart.text_lines)


async def test_the_chart_draws_candles_with_the_last_price_marked() -> None:
    chart = PriceChart()
    app = Host(chart, CHART_CSS)
    async with app.run_test(size=(70, 16)) as pilot:
        begin = iso(-60)
        up = make_candles(1)[0]
        up = replace(up, open=Decimal("100.0"), close=Decimal("110.0"), high=Decimal("120.0"),
                     low=Decimal("90.0"), interval_begin=begin)
        chart.set_candles([up])
        await painted(pilot, chart)
        lines = chart.text_lines
        assert len(lines) == 14
        x = 60 - len(" ◀ 120.0") - 1  # the only candle: the plot's last column
        column = "".join(line[x] for line in lines[:13])
        assert column.strip(" ")[0] in "│╵" and column.strip(" ")[-1] in "│╷"  # the wicks
        assert "█" in column  # the body
        assert lines[0].rstrip().endswith("120.0") and lines[12].rstrip().endswith("90.0")
        marked = [line for line in lines if "◀ 110.0" in line]
        assert len(marked) == 1 and "┈" in marked[0]  # a guide across the plot
        y = lines.index(marked[0])
        assert colour_of(chart.render_line(y), "█") == theme_color(app, "success")
        assert "11:59" in lines[13]


async def test_the_chart_becomes_a_sparkline_when_short_and_dims_when_stale() -> None:
    chart = PriceChart()
    app = Host(chart, "PriceChart { height: 4; width: 50; border: none; }")
    async with app.run_test(size=(60, 8)) as pilot:
        candles = make_candles(120)
        chart.set_candles(candles)
        await painted(pilot, chart)
        line = chart.text_lines[0]
        assert line.rstrip().endswith(" 96,564.1")  # the last close
        spark = line.rstrip()[: -len(" 96,564.1")]
        assert len(spark) == 50 - 9 and set(spark) <= set(BARS)
        assert len(chart.text_lines) == 1
        chart.set_stale("heartbeat_timeout")
        await wait_for(pilot, lambda: "STALE" in chart.text_lines[0], 5, "stale")
        assert chart.text_lines[0].rstrip().endswith("96,564.1 STALE — heartbeat timeout")
        assert chart.border_subtitle == "STALE — heartbeat timeout"
        bar = next(ch for ch in chart.text_lines[0] if ch in BARS)
        assert colour_of(chart.render_line(0), bar) not in (theme_color(app, "success"),
                                                           theme_color(app, "error"))


async def test_a_stale_chart_says_so_on_its_time_axis() -> None:
    chart = PriceChart()
    app = Host(chart, CHART_CSS)
    async with app.run_test(size=(70, 16)) as pilot:
        chart.set_candles(make_candles(80))
        await painted(pilot, chart)
        # 60 columns less the axis (" ◀ 96,564.1"): the last 49 candles, 11:11 to 11:59.
        assert chart.text_lines[-1].split() == ["11:11", "11:59"]
        chart.set_stale("disconnected")
        await wait_for(pilot, lambda: "STALE" in chart.text_lines[-1], 5, "stale")
        assert chart.text_lines[-1].split() == ["11:11", "STALE", "—", "disconnected", "11:59"]
        assert chart.has_class("-stale")
        chart.set_candles(make_candles(80)[-1:])
        await wait_for(pilot, lambda: "STALE" not in chart.text_lines[-1], 5, "live")
        assert not chart.has_class("-stale")
