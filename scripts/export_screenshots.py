"""Regenerate screenshots/*.svg from the same scripted states as the snapshot tests.

    .venv/bin/python scripts/export_screenshots.py [--out screenshots]

Fixed data, fixed clock, no animation and no toasts, so the README pictures
match what the snapshot tests check.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "ui"))

import ladder_scenarios as ls  # noqa: E402
import ui_scenarios as sc  # noqa: E402

#: name -> (script, size, keys pressed after it settles, config overrides)
EXTRA: dict[str, tuple[object, tuple[int, int], tuple[str, ...], dict[str, object]]] = {
    "big-screen": (sc.live_script, (200, 60), (), {}),
    "narrow-panels": (sc.live_script, (80, 24), ("t",), {}),
    "deep-book-scrolled": (ls.deep_script, (120, 34), ("pageup", "pageup", "up"),
                           {"depth": 1000}),
    "grouped-book": (ls.deep_script, (120, 34), ("g",), {"depth": 1000}),
    "my-orders-on-ladder": (ls.own_orders_script, (120, 34), (), {"depth": 1000}),
    "unlisted-symbol": (sc.unlisted_script, (120, 34), (),
                        {"symbols": sc.UNLISTED_SYMBOLS}),
}

SHOTS = {
    "main": (sc.live_script, (120, 34)),
    "stale-book": (sc.stale_script, (120, 34)),
    "maintenance": (sc.maintenance_script, (120, 34)),
    "cancel-only": (sc.cancel_only_script, (120, 34)),
    "checksum-resync": (sc.resync_script, (120, 34)),
    "public-only": (sc.public_only_script, (120, 34)),
    "limit-only": (sc.limit_only_script, (120, 34)),
    "narrow": (sc.live_script, (80, 24)),
    "keys-rejected": (sc.keys_rejected_script, (120, 34)),
    "dms-failing": (sc.dms_failing_script, (120, 34)),
}


async def shoot(name: str, out: Path) -> Path:
    if name in EXTRA:
        script, size, keys, config = EXTRA[name]
    else:
        (script, size), keys, config = SHOTS[name], (), {}
    app, holder = sc.make_app(script(), **config)  # type: ignore[operator]
    async with app.run_test(size=size) as pilot:
        await sc.settle(pilot, holder)
        for key in keys:
            await pilot.press(key)
        await sc.settle(pilot, holder)
        app.save_screenshot(f"{name}.svg", path=str(out))
    return out / f"{name}.svg"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("names", nargs="*", help="some of the names in SHOTS and EXTRA "
                        "(default: all)")
    args = parser.parse_args()
    names = {**SHOTS, **EXTRA}
    unknown = [n for n in args.names if n not in names]
    if unknown:
        parser.error(f"unknown screenshot {unknown[0]!r}")
    logging.disable(logging.WARNING)  # the scripted resync logs a warning; keep output clean
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.names or names:
        print(asyncio.run(shoot(name, out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
