"""Replay every real book capture and check each checksum Kraken sent."""

from __future__ import annotations

import json
import zlib
from decimal import Decimal
from typing import Any

from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookFrame, decode_frame


def replay(frames: list[str], book: OrderBook) -> list[bool]:
    """Verification result of every book message, in order."""
    results: list[bool] = []
    for text in frames:
        frame = decode_frame(text)
        if isinstance(frame, BookFrame):
            for data in frame.books:
                assert data.checksum is not None
                results.append(book.apply(data, frame.is_snapshot))
    return results


def test_guide_example_checksum(docs_examples: dict[str, Any]) -> None:
    example = docs_examples["book_checksum_guide_btcusd"]
    book = OrderBook("BTC/USD", 10, example["price_precision"], example["qty_precision"])
    frame = decode_frame(json.dumps(example["message"]))
    assert isinstance(frame, BookFrame)
    assert book.apply(frame.books[0], frame.is_snapshot)
    assert book.checksum() == 3310070434


def test_matic_reference_snapshot_then_update(docs_examples: dict[str, Any]) -> None:
    example = docs_examples["book_channel_reference_matic_usd"]
    book = OrderBook("MATIC/USD", 10, example["price_precision"], example["qty_precision"])
    assert replay([json.dumps(example["snapshot"])], book) == [True]
    assert book.checksum() == 2439117997
    assert replay([json.dumps(example["update_applied_to_snapshot"])], book) == [True]
    assert book.checksum() == 2114181697


def test_python_kraken_sdk_capture_all_510_verify(pks_frames: list[str]) -> None:
    results = replay(pks_frames, OrderBook("BTC/USD", 10, 1, 8))
    assert len(results) == 510
    assert all(results)


def test_mina_gbp_live_capture_all_30_verify(mina_frames: list[str]) -> None:
    results = replay(mina_frames, OrderBook("MINA/GBP", 25, 4, 8))
    assert len(results) == 30
    assert all(results)


def test_mina_gbp_book_stays_at_depth(mina_frames: list[str]) -> None:
    book = OrderBook("MINA/GBP", 25, 4, 8)
    replay(mina_frames, book)
    bids, asks = book.levels()
    assert len(bids) == len(asks) == 25
    assert [Decimal(p) for p, _ in bids] == sorted((Decimal(p) for p, _ in bids), reverse=True)
    assert [Decimal(p) for p, _ in asks] == sorted(Decimal(p) for p, _ in asks)


def test_skipping_truncation_fails_the_capture(pks_frames: list[str]) -> None:
    """A book that never truncates (depth far above 10) disagrees with most frames."""
    results = replay(pks_frames, OrderBook("BTC/USD", 10_000, 1, 8))
    assert results[0]  # the snapshot itself is fine
    assert sum(results) < len(results) // 2


class FloatTextBook:
    """The tempting wrong way: values rendered from float text instead of at precision."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}

    def apply(self, message: dict[str, Any]) -> bool:
        data = message["data"][0]
        if message["type"] == "snapshot":
            self.bids, self.asks = {}, {}
        for side, levels, best_first in (
            (self.asks, data["asks"], False),
            (self.bids, data["bids"], True),
        ):
            for level in levels:
                price, qty = float(level["price"]), float(level["qty"])
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty
            for price in sorted(side, reverse=best_first)[self.depth :]:
                del side[price]

        def text(value: float) -> str:
            return repr(value).replace(".", "").lstrip("0")

        parts = [text(p) + text(self.asks[p]) for p in sorted(self.asks)[:10]]
        parts += [text(p) + text(self.bids[p]) for p in sorted(self.bids, reverse=True)[:10]]
        return zlib.crc32("".join(parts).encode()) == data["checksum"]


def test_float_text_rendering_fails_both_captures(
    pks_frames: list[str], mina_frames: list[str]
) -> None:
    pks = FloatTextBook(10)
    pks_results = [pks.apply(json.loads(t)) for t in pks_frames]
    assert sum(pks_results) < len(pks_results) // 10
    mina = FloatTextBook(25)
    mina_results = [
        mina.apply(json.loads(t)) for t in mina_frames if isinstance(decode_frame(t), BookFrame)
    ]
    assert len(mina_results) == 30
    assert not all(mina_results)
