"""What the feed watches and where: a frozen value, so it can cross threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kraken_tui.config import (
    DEFAULT_REST_URL,
    DEFAULT_WS_AUTH_URL,
    DEFAULT_WS_URL,
    DEPTHS,
    Config,
)


@dataclass(frozen=True)
class FeedConfig:
    """What to watch and where. Endpoints default to Kraken's; tests point them at the simulator."""

    symbols: tuple[str, ...] = ("BTC/USD",)
    depth: int = 10
    ws_url: str = DEFAULT_WS_URL
    ws_auth_url: str = DEFAULT_WS_AUTH_URL
    rest_url: str = DEFAULT_REST_URL
    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)
    #: None: private channels whenever credentials are present.
    private: bool | None = None
    heartbeat_timeout: float = 5.0
    ping_interval: float = 15.0
    dead_man_switch: int | None = None
    #: 0 emits a book view on every frame; > 0 at most one per interval per book: the
    #: first change after a quiet interval goes out at once, later ones as one view
    #: when the interval is up (so an isolated update waits for nothing).
    book_emit_interval: float = 0.0
    #: Levels per side in emitted views: a screen shows a few dozen, and a full
    #: depth-1000 view costs about a millisecond to build.
    view_levels: int = 50
    stats_interval: float = 1.0
    backoff_initial: float = 1.0
    backoff_cap: float = 60.0
    connect_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.depth not in DEPTHS:
            raise ValueError(f"depth must be one of {DEPTHS}, not {self.depth}")
        if not self.symbols:
            raise ValueError("at least one symbol is needed")
        if self.heartbeat_timeout <= 0:
            raise ValueError("heartbeat_timeout must be positive")

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key and self.api_secret)

    @property
    def wants_private(self) -> bool:
        return self.has_credentials if self.private is None else self.private


def feed_config(config: Config, **overrides: Any) -> FeedConfig:
    """The user's resolved settings as a FeedConfig; ``overrides`` are the command's own.

    The monitor's feed factory and ``kraken-tui events`` both build their feed here,
    so nothing is resolved twice.
    """
    values: dict[str, Any] = dict(
        symbols=config.symbols,
        depth=config.depth,
        ws_url=config.ws_url,
        ws_auth_url=config.ws_auth_url,
        rest_url=config.rest_url,
        api_key=config.api_key,
        api_secret=config.api_secret,
        heartbeat_timeout=config.heartbeat_timeout,
        dead_man_switch=config.dead_man_switch,
    )
    values.update(overrides)
    return FeedConfig(**values)
