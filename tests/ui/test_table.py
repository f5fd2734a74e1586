"""KeyedTable: rows in insertion order, changed rows redrawn alone, stale rows colourless."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from ui_scenarios import wait_for

from kraken_tui.ui.widgets.table import Column, KeyedTable

COLUMNS = (Column("name", "Name"), Column("qty", "Qty", 6, "right"))


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table = KeyedTable(id="t")
        table.set_columns(COLUMNS)
        table.styles.height = 6
        yield table


def lines(table: KeyedTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_rows_keep_their_order_and_only_changed_rows_are_redrawn() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        for name, qty in (("BTC", "1"), ("ETH", "20"), ("SOL", "300")):
            table.set_row(name, {"name": name, "qty": qty})
        await wait_for(pilot, lambda: table.row_renders >= 3, 5, "first paint")
        assert [line.split() for line in lines(table)[:4]] == [
            ["Name", "Qty"], ["BTC", "1"], ["ETH", "20"], ["SOL", "300"],
        ]
        before = table.row_renders
        table.set_row("ETH", {"name": "ETH", "qty": "21"})
        table.set_row("SOL", {"name": "SOL", "qty": "300"})  # unchanged: no redraw
        await wait_for(pilot, lambda: table.row_renders > before, 5, "a repaint")
        await pilot.pause()  # the pass that drew it drew every dirty row
        assert table.row_renders - before == 1
        assert lines(table)[2].split() == ["ETH", "21"]
        table.remove_row("BTC")
        await pilot.pause()
        assert table.row_keys == ["ETH", "SOL"]
        assert lines(table)[1].split() == ["ETH", "21"]


async def test_a_batch_of_changes_fits_the_widths_once() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        with table.batch():
            for i in range(100):
                table.set_row(f"r{i}", {"name": f"N{i}", "qty": "1"})
        await pilot.pause()
        fits = table.width_fits
        with table.batch():  # a once-a-second refresh of every row, a row gone, one new
            for i in range(100):
                table.set_cell(f"r{i}", "qty", str(i))
            table.remove_row("r0")
            table.set_row("new", {"name": "A-MUCH-LONGER-NAME", "qty": "7"})
        assert table.width_fits == fits + 1
        await pilot.pause()
        assert table.row_keys[0] == "r1" and table.row_keys[-1] == "new"
        assert lines(table)[1].split() == ["N1", "1"]
        assert lines(table)[1].rindex("1") == lines(table)[2].rindex("2")  # one width
        assert lines(table)[1].rindex("1") > len("A-MUCH-LONGER-NAME")  # it grew
        fits = table.width_fits
        for i in range(1, 4):  # outside a batch, each change fits on its own
            table.set_cell(f"r{i}", "qty", "9")
        assert table.width_fits == fits + 3


async def test_auto_width_grows_and_right_justifies() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.set_row("a", {"name": "A", "qty": "1"})
        await pilot.pause()
        narrow = lines(table)[1]
        table.set_row("b", {"name": "LONGER-NAME", "qty": "22"})
        await pilot.pause()
        first, second = lines(table)[1:3]
        assert first.index("1") == second.index("22") + 1  # right edges line up
        assert first.index("1") > narrow.index("1")  # the name column grew


async def test_style_only_changes_repaint_and_stale_drops_colours() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.set_row("x", {"name": Text("LIVE", style="bold green"), "qty": "1"})
        await pilot.pause()

        def name_style() -> object:
            segment = next(s for s in table.render_line(1) if "LIVE" in s.text)
            return segment.style

        live = name_style()
        assert live.bold and live.color is not None and live.color.name == "green"
        table.set_row("x", {"name": Text("LIVE", style="bold red"), "qty": "1"})
        await pilot.pause()
        assert name_style().color.name == "red"  # same text, new style: redrawn
        table.set_stale(True)
        await pilot.pause()
        stale = name_style()
        assert not stale.bold and stale.color.name not in ("red", "green")
        assert table.has_class("-stale")


async def test_multi_line_rows_and_a_header_that_stays_when_scrolled() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.set_row("two", {"name": "first\nsecond", "qty": "1"}, height=2)
        for i in range(10):
            table.set_row(f"r{i}", {"name": f"row{i}", "qty": str(i)})
        await pilot.pause()
        shown = lines(table)
        assert shown[1].split() == ["first", "1"] and shown[2].split() == ["second"]
        table.scroll_to(y=5, animate=False)
        await pilot.pause()
        shown = lines(table)
        assert shown[0].split() == ["Name", "Qty"]
        assert shown[1].split() == ["row3", "3"]  # body lines 5.. (row0 is body line 2)


async def test_rows_added_to_a_scrolling_table_move_its_scrollbar_without_a_layout_pass(
) -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        for i in range(8):
            table.set_row(f"r{i}", {"name": f"row{i}", "qty": str(i)})
        await wait_for(pilot, lambda: table.show_vertical_scrollbar, 5, "a scrollbar")
        await wait_for(pilot, lambda: table.vertical_scrollbar.region.height > 0, 5, "placed")
        await pilot.pause()  # the layout pass that placed it has finished
        layouts = []
        screen = app.screen
        refresh_layout = screen._refresh_layout
        screen._refresh_layout = lambda *a, **k: (layouts.append(a), refresh_layout(*a, **k))
        table.set_row("r8", {"name": "row8", "qty": "8"})
        table.remove_row("r0")
        table.set_row("r9", {"name": "row9", "qty": "9"})
        await wait_for(pilot, lambda: table.virtual_size.height == 10, 5, "9 rows + header")
        await pilot.pause()
        assert layouts == []
        assert table.vertical_scrollbar.window_virtual_size == 10
        table.scroll_end(animate=False)
        await pilot.pause()
        assert lines(table)[-1].split() == ["row9", "9"]
        for i in range(1, 8):
            table.remove_row(f"r{i}")
        # A scrollbar going away does need one.
        await wait_for(pilot, lambda: not table.show_vertical_scrollbar and layouts, 5, "layout")
        await pilot.pause()
        assert [line.split() for line in lines(table)[:3]] == [
            ["Name", "Qty"], ["row8", "8"], ["row9", "9"],
        ]


class DecimalApp(App[None]):
    """Price and size line up on the point; notes go first, then the type, when cramped."""

    COLUMNS = (Column("sym", "Sym"), Column("type", "Type", drop=1),
               Column("price", "Price", justify="right", decimal=True),
               Column("qty", "Qty", justify="right", decimal=True),
               Column("note", "Note", drop=2))

    def compose(self) -> ComposeResult:
        table = KeyedTable(id="t")
        table.set_columns(self.COLUMNS)
        yield table


ROWS = (
    {"sym": "BTC", "type": "stop-loss", "price": "62,803.5", "qty": "0.0006678",
     "note": "a long note nobody needs"},
    {"sym": "DOGE", "type": "limit", "price": "0.1234546", "qty": "3,740,179.04934745",
     "note": "x"},
    {"sym": "ETH", "type": "limit", "price": "3,050", "qty": "2", "note": ""},
)


async def test_numbers_line_up_on_the_decimal_point() -> None:
    app = DecimalApp()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(KeyedTable)
        for i, row in enumerate(ROWS):
            table.set_row(str(i), row)
        await pilot.pause()
        body = lines(table)[1:4]
        # Each number's point (or, without one, where it would be) is in one column.
        price_points = [point(body[0], "62,803.5"), point(body[1], "0.1234546"),
                        body[2].index("3,050") + len("3,050")]
        qty_points = [point(body[0], "0.0006678"), point(body[1], "3,740,179.04934745"),
                      body[2].index(" 2 ") + 2]
        assert len(set(price_points)) == 1
        assert len(set(qty_points)) == 1


def point(line: str, number: str) -> int:
    return line.index(number) + number.index(".")


async def test_cramped_tables_drop_columns_by_priority_never_cut_a_number() -> None:
    app = DecimalApp()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(KeyedTable)
        for i, row in enumerate(ROWS):
            table.set_row(str(i), row)
        await pilot.pause()
        assert table.shown_columns == ["sym", "type", "price", "qty", "note"]
        await pilot.resize_terminal(60, 10)
        await pilot.pause()
        assert table.shown_columns == ["sym", "type", "price", "qty"]
        await pilot.resize_terminal(45, 10)
        await pilot.pause()
        assert table.shown_columns == ["sym", "price", "qty"]
        text = "\n".join(lines(table))
        assert "3,740,179.04934745" in text and "0.0006678" in text and "…" not in text
        await pilot.resize_terminal(100, 10)
        await pilot.pause()
        assert table.shown_columns == ["sym", "type", "price", "qty", "note"]


async def test_set_rows_reorders_and_redraws_only_changed_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.set_rows([("a", {"name": "A", "qty": "1"}), ("b", {"name": "B", "qty": "2"})])
        await wait_for(pilot, lambda: table.row_renders >= 2, 5, "first paint")
        before = table.row_renders
        # A new row on top, "a" changed, "b" only moved: "b" keeps its rendered strip.
        table.set_rows([("c", {"name": "C", "qty": "3"}), ("a", {"name": "A", "qty": "9"}),
                        ("b", {"name": "B", "qty": "2"})])
        await wait_for(pilot, lambda: table.row_renders >= before + 2, 5, "a repaint")
        await pilot.pause()
        assert table.row_keys == ["c", "a", "b"]
        assert [line.split() for line in lines(table)[1:4]] == [["C", "3"], ["A", "9"],
                                                                ["B", "2"]]
        assert table.row_renders - before == 2
        table.set_rows([("b", {"name": "B", "qty": "2"})])
        await pilot.pause()
        assert table.row_keys == ["b"] and lines(table)[2].strip() == ""


async def test_the_orders_panel_keeps_its_scrollbar_so_orders_coming_and_going_cost_no_layout(
) -> None:
    """The demo's orders crossed the panel's height about every two seconds; each time a
    scrollbar appeared or went, Textual laid out the whole screen. The panel's scrollbar
    now stays, in the panel's own colour while every order shows."""
    from ui_scenarios import live_script, make_app, settle

    from kraken_tui.ui.widgets.orders import OrdersTable

    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        table = app.query_one(OrdersTable)
        await wait_for(pilot, lambda: table.row_count == 4, 5, "the script's 4 orders")
        assert table.show_vertical_scrollbar and table.has_class("-fits")
        styles = table.styles
        assert styles.scrollbar_color == styles.scrollbar_background == styles.background
        await pilot.pause()
        layouts = []
        screen = app.screen
        refresh_layout = screen._refresh_layout
        screen._refresh_layout = lambda *a, **k: (layouts.append(a), refresh_layout(*a, **k))
        keys = [f"extra{i}" for i in range(12)]
        for key in keys:
            table.set_row(key, {"symbol": key})
        await wait_for(pilot, lambda: not table.has_class("-fits"), 5, "rows overflow")
        assert table.max_scroll_y > 0
        assert table.styles.scrollbar_color != table.styles.scrollbar_background
        for key in keys:
            table.remove_row(key)
        await wait_for(pilot, lambda: table.has_class("-fits"), 5, "every row shows again")
        await pilot.pause()
        assert layouts == []
