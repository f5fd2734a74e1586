"""The short chaos soak on every submission: every fault kind once, nothing wrong afterwards.

The full soak (``benchmarks/chaos_soak.py --duration 1800``) reports timings; this
asserts only the figures that must be exactly 0 and that every kind was injected and
recovered from. No timing asserts here: timings belong to the benchmark.
"""

from __future__ import annotations

from types import ModuleType


async def test_short_soak_every_fault_kind_recovers_with_nothing_wrong(
    chaos_soak: ModuleType,
) -> None:
    cfg = chaos_soak.SoakConfig(duration=25.0, seed=3, cover_all=True, gap=(0.1, 0.5),
                                recover_deadline=25.0)
    result = await chaos_soak.run_soak(cfg)
    detail = {k: result.get(k) for k in ("mismatch_samples", "stale_samples",
                                          "exception_samples")}
    assert result["mismatches"] == 0, detail
    assert result["stale_shown_as_live"] == 0, detail
    assert result["unhandled_exceptions"] == 0, detail
    assert all(result["faults"][k] >= 1 for k in chaos_soak.FAULT_KINDS), result["faults"]
    assert result["recoveries"] == result["faults"]
    assert result["valid_views_checked"] > 0
