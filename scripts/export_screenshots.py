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

import ui_scenarios as sc  # noqa: E402

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
    script, size = SHOTS[name]
    app, holder = sc.make_app(script())
    async with app.run_test(size=size) as pilot:
        await sc.settle(pilot, holder)
        app.save_screenshot(f"{name}.svg", path=str(out))
    return out / f"{name}.svg"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(SHOTS)} (default: all)")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in SHOTS]
    if unknown:
        parser.error(f"unknown screenshot {unknown[0]!r}")
    logging.disable(logging.WARNING)  # the scripted resync logs a warning; keep output clean
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.names or SHOTS:
        print(asyncio.run(shoot(name, out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
