"""Pure Kraken WebSocket v2 protocol core: frames, book, market data, instruments, orders,
balances.

No I/O, no asyncio, no Textual: everything here takes decoded frames and returns
values, so it can be tested exhaustively and reused by the feed and the simulator.
"""

from kraken_tui.kraken.balances import Balances
from kraken_tui.kraken.book import BookDataError, OrderBook, checksum_fragment
from kraken_tui.kraken.frames import (
    BalancesFrame,
    BookData,
    BookFrame,
    ExecutionsFrame,
    Frame,
    FrameError,
    HeartbeatFrame,
    InstrumentFrame,
    MethodResponse,
    PongFrame,
    StatusFrame,
    TickerFrame,
    TradeFrame,
    decode_frame,
    ping_request,
    subscribe_request,
    unsubscribe_request,
)
from kraken_tui.kraken.instruments import InstrumentTable, normalize_asset
from kraken_tui.kraken.market import Candle, OhlcFrame, Ticker, Trade
from kraken_tui.kraken.models import (
    Balance,
    BookView,
    Order,
    PairInfo,
    SequenceGap,
    ViewLevel,
)
from kraken_tui.kraken.orders import OpenOrders, orders_from_rest
from kraken_tui.kraken.requests import cancel_all_request, cancel_order_request
from kraken_tui.kraken.trading import CancelReply, cancel_reply, decode_cancel_reply

__all__ = [
    "Balance",
    "Balances",
    "BalancesFrame",
    "BookData",
    "BookDataError",
    "BookFrame",
    "BookView",
    "CancelReply",
    "Candle",
    "ExecutionsFrame",
    "Frame",
    "FrameError",
    "HeartbeatFrame",
    "InstrumentFrame",
    "InstrumentTable",
    "MethodResponse",
    "OhlcFrame",
    "OpenOrders",
    "Order",
    "OrderBook",
    "PairInfo",
    "PongFrame",
    "SequenceGap",
    "StatusFrame",
    "Ticker",
    "TickerFrame",
    "Trade",
    "TradeFrame",
    "ViewLevel",
    "cancel_all_request",
    "cancel_order_request",
    "cancel_reply",
    "checksum_fragment",
    "decode_cancel_reply",
    "decode_frame",
    "normalize_asset",
    "orders_from_rest",
    "ping_request",
    "subscribe_request",
    "unsubscribe_request",
]
