"""The one mapping from the user's resolved settings to what the feed needs.

The monitor (``ui/run.py``'s feed factory) and ``kraken-tui events`` both build
their ``FeedConfig`` here, so nothing is resolved twice.
"""

from __future__ import annotations

from typing import Any

from kraken_tui.config import Config
from kraken_tui.feed.connection import FeedConfig


def feed_config(config: Config, **overrides: Any) -> FeedConfig:
    """``config`` as a FeedConfig; ``overrides`` are the command's own choices."""
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
