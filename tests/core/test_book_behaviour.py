"""OrderBook semantics: deletes, repeats, truncation, views, number rules, and a naive
reference implementation to compare against on generated streams up to depth 1000."""

from __future__ import annotations

import random
import zlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_tui.kraken.book import BookDataError, OrderBook, checksum_fragment
from kraken_tui.kraken.frames import BookData

Level = tuple[str, str]


def data(
    bids: list[Level] = (),
    asks: list[Level] = (),
    checksum: int | None = None,  # type: ignore[assignment]
    symbol: str = "BTC/USD",
) -> BookData:
    return BookData(symbol, list(bids), list(asks), checksum, None)


def snapshot_book(depth: int = 10) -> OrderBook:
    book = OrderBook("BTC/USD", depth, 1, 8)
    book.apply(
        data(
            bids=[("100.0", "1.00000000"), ("99.5", "2.00000000"), ("99.0", "3.00000000")],
            asks=[("100.5", "0.50000000"), ("101.0", "1.50000000")],
        ),
        is_snapshot=True,
    )
    return book


class NaiveBook:
    """Obviously-correct reference: Decimal dicts, full sort after every message."""

    def __init__(self, depth: int, pp: int, qp: int) -> None:
        self.depth, self.pp, self.qp = depth, pp, qp
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def apply(self, bids: list[Level], asks: list[Level], is_snapshot: bool) -> None:
        if is_snapshot:
            self.bids, self.asks = {}, {}
        for side, levels, best_first in ((self.asks, asks, False), (self.bids, bids, True)):
            for price, qty in levels:
                if Decimal(qty) == 0:
                    side.pop(Decimal(price), None)
                else:
                    side[Decimal(price)] = Decimal(qty)
            for price in sorted(side, reverse=best_first)[self.depth :]:
                del side[price]

    def levels(self) -> tuple[list[Level], list[Level]]:
        def render(side: dict[Decimal, Decimal], best_first: bool) -> list[Level]:
            return [
                (f"{p:.{self.pp}f}", f"{side[p]:.{self.qp}f}")
                for p in sorted(side, reverse=best_first)
            ]

        return render(self.bids, True), render(self.asks, False)

    def checksum(self) -> int:
        bids, asks = self.levels()
        text = "".join(
            p.replace(".", "").lstrip("0") + q.replace(".", "").lstrip("0")
            for p, q in asks[:10] + bids[:10]
        )
        return zlib.crc32(text.encode())


def test_delete_of_unknown_price_is_a_no_op() -> None:
    book = snapshot_book()
    before = (book.levels(), book.checksum())
    assert book.apply(
        data(bids=[("42.0", "0.00000000")], asks=[("999.0", "0")], checksum=before[1]),
        is_snapshot=False,
    )
    assert (book.levels(), book.checksum()) == before


def test_multiple_updates_to_one_price_apply_in_array_order() -> None:
    book = snapshot_book()
    book.apply(
        data(bids=[("99.5", "5.00000000"), ("99.5", "0.00000000"), ("99.5", "7.0")]),
        is_snapshot=False,
    )
    assert book.levels()[0][1] == ("99.5", "7.00000000")
    book.apply(data(asks=[("100.7", "1.0"), ("100.7", "0.00000000")]), is_snapshot=False)
    assert "100.7" not in [p for p, _ in book.levels()[1]]


def test_insert_beyond_depth_is_truncated_after_the_message() -> None:
    book = OrderBook("BTC/USD", 10, 1, 8)
    book.apply(data(asks=[(f"{100 + i}.0", "1.0") for i in range(10)]), is_snapshot=True)
    book.apply(data(asks=[("99.0", "2.0")]), is_snapshot=False)
    asks = book.levels()[1]
    assert len(asks) == 10
    assert asks[0] == ("99.0", "2.00000000")
    assert asks[-1][0] == "108.0"  # 109.0 was pushed out, with no delete sent


def test_snapshot_replaces_the_whole_book() -> None:
    book = snapshot_book()
    book.apply(data(bids=[("50.0", "1.0")]), is_snapshot=True)
    assert book.levels() == ([("50.0", "1.00000000")], [])


def test_view_has_cumulative_sizes_spread_and_mid() -> None:
    view = snapshot_book().view()
    assert [lv.price for lv in view.bids] == [Decimal("100.0"), Decimal("99.5"), Decimal("99.0")]
    assert [lv.cum_qty for lv in view.bids] == [Decimal(1), Decimal(3), Decimal(6)]
    assert [lv.cum_qty for lv in view.asks] == [Decimal("0.5"), Decimal(2)]
    assert view.spread == Decimal("0.5")
    assert view.mid == Decimal("100.25")
    assert view.checksum == snapshot_book().checksum()
    assert len(snapshot_book().view(2).bids) == 2


def test_view_is_cached_until_the_book_changes() -> None:
    book = snapshot_book()
    first = book.view()
    assert book.view() is first
    book.apply(data(bids=[("99.9", "1.0")]), is_snapshot=False)
    second = book.view()
    assert second is not first
    assert second.bids[1].price == Decimal("99.9")


def test_checksum_reported_mismatch() -> None:
    book = snapshot_book()
    good = book.checksum()
    assert not book.apply(data(bids=[("99.9", "1.0")], checksum=good), is_snapshot=False)
    assert book.apply(data(bids=[("99.9", "0.0")], checksum=good), is_snapshot=False)


@pytest.mark.parametrize(
    ("price", "qty", "price_precision", "fragment"),
    [
        ("45285.2", "0.00100000", 1, "452852100000"),
        ("0.0288", "1.5", 4, "288150000000"),
        ("0.566", "148.3464", 4, "5660" + "14834640000"),
        ("62807", "4", 1, "628070400000000"),
        ("1.00", "2.000000000000", 1, "10200000000"),
    ],
)
def test_checksum_fragment_pads_to_precision(
    price: str, qty: str, price_precision: int, fragment: str
) -> None:
    assert checksum_fragment(price, qty, price_precision, 8) == fragment


@pytest.mark.parametrize(
    "token",
    [
        "1e5",
        "1E-3",
        "-1.0",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "",
        ".5",
        "0x10",
        "1_000",
        " 1",
        "1 ",
        "+1",
        "\uff11",  # fullwidth digit one: isdigit() but not ASCII
        "٣",
        "1.23",
        "9" * 200,
        "1.0.0",
        "abc",
    ],
)
def test_unusable_price_raises_and_clears(token: str) -> None:
    book = snapshot_book()
    with pytest.raises(BookDataError):
        book.apply(data(bids=[(token, "1.0")]), is_snapshot=False)
    assert book.levels() == ([], [])


@pytest.mark.parametrize("token", ["-0.5", "1e-8", "0.000000001", "NaN", "x", "9" * 100])
def test_unusable_qty_raises(token: str) -> None:
    with pytest.raises(BookDataError):
        snapshot_book().apply(data(asks=[("100.5", token)]), is_snapshot=False)


def test_zero_price_and_foreign_symbol_are_rejected() -> None:
    with pytest.raises(BookDataError):
        snapshot_book().apply(data(bids=[("0.0", "1.0")]), is_snapshot=False)
    with pytest.raises(BookDataError):
        snapshot_book().apply(data(symbol="ETH/USD"), is_snapshot=False)


def test_extra_trailing_zeros_beyond_precision_are_accepted() -> None:
    book = snapshot_book()
    book.apply(data(bids=[("99.5000", "4.000000000")]), is_snapshot=False)
    assert ("99.5", "4.00000000") in book.levels()[0]


# --- generated streams vs the naive reference ---------------------------------------------

PP, QP = 2, 4


def price_text(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def qty_text(ticks: int, pad: bool) -> str:
    text = f"{ticks // 10_000}.{ticks % 10_000:04d}"
    return text if pad else text.rstrip("0").rstrip(".") or "0"


@st.composite
def streams(draw: st.DrawFn) -> tuple[int, list[tuple[bool, list[Level], list[Level]]]]:
    depth = draw(st.sampled_from([10, 25, 100, 500, 1000]))
    seed = draw(st.integers(0, 2**32))
    rng = random.Random(seed)
    size = draw(st.integers(0, depth + 60))  # more than depth: the snapshot gets truncated
    span = draw(st.sampled_from([size + 20, 3 * size + 50]))  # dense or sparse prices

    def level(pad: bool) -> Level:
        return price_text(rng.randrange(1, span + 2)), qty_text(
            rng.choice([0, 0, rng.randrange(1, 10**7)]), pad
        )

    messages = [(True, [level(True) for _ in range(size)], [level(True) for _ in range(size)])]
    for _ in range(draw(st.integers(1, 40))):
        pad = draw(st.booleans())
        count_bids, count_asks = draw(st.integers(0, 4)), draw(st.integers(0, 4))
        bids = [level(pad) for _ in range(count_bids)]
        asks = [level(pad) for _ in range(count_asks)]
        if bids and draw(st.booleans()):
            bids.append((bids[0][0], qty_text(rng.randrange(0, 100), pad)))  # same price twice
        messages.append((False, bids, asks))
    return depth, messages


@settings(max_examples=60, deadline=None)
@given(streams())
def test_matches_naive_reference(
    stream: tuple[int, list[tuple[bool, list[Level], list[Level]]]],
) -> None:
    depth, messages = stream
    ours = OrderBook("X/Y", depth, PP, QP)
    reference = NaiveBook(depth, PP, QP)
    for is_snapshot, bids, asks in messages:
        reference.apply(bids, asks, is_snapshot)
        expected = reference.checksum()
        assert ours.apply(BookData("X/Y", bids, asks, expected, None), is_snapshot)
        assert ours.levels() == reference.levels()
        assert ours.checksum() == expected
    view = ours.view()
    bids, _ = reference.levels()
    running = Decimal(0)
    for level, (price, qty) in zip(view.bids, bids, strict=True):
        running += Decimal(qty)
        assert (level.price, level.qty, level.cum_qty) == (Decimal(price), Decimal(qty), running)


def test_price_cache_is_bounded_and_trimming_keeps_the_book_right() -> None:
    book = OrderBook("X/Y", 10, 2, 4)
    limit = book._price_cache_limit
    reference = NaiveBook(10, 2, 4)
    rng = random.Random(3)
    messages: list[tuple[list[Level], list[Level]]] = [
        ([(price_text(rng.randrange(1, 10**7)), qty_text(rng.randrange(0, 10**6), True))
          for _ in range(3)], [])
        for _ in range(limit + 500)
    ]
    for bids, asks in messages:
        reference.apply(bids, asks, False)
        assert book.apply(BookData("X/Y", bids, asks, reference.checksum(), None), False)
        assert len(book._price_cache) <= limit
    assert book.levels() == reference.levels()
