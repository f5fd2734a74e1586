"""kraken-tui: a terminal trading monitor for Kraken (WebSocket v2)."""

__version__ = "0.1.0"
