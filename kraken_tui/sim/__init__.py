"""A faithful local Kraken WebSocket v2 + REST exchange on loopback, for --demo and tests.

Where things live: ``market`` (books, trades, ticker), ``accounts`` (orders, fills, ledger),
``ws`` (both WS endpoints), ``rest`` (HTTP API and signing), ``faults`` (fault injection and
scenarios), ``server`` (the Simulator that ties them together), ``cli`` (``kraken-tui sim``).
"""

from kraken_tui.sim.server import Simulator, SimulatorThread

__all__ = ["Simulator", "SimulatorThread"]
