"""Balances from the balances channel (kraken-async-rs frames) and REST Balance."""

from __future__ import annotations

import json
from decimal import Decimal

from kraken_tui.kraken.balances import Balances
from kraken_tui.kraken.frames import BalancesFrame, decode_frame
from kraken_tui.kraken.models import Balance, SequenceGap


def balances_frame(text: str) -> BalancesFrame:
    frame = decode_frame(text)
    assert isinstance(frame, BalancesFrame)
    return frame


def test_snapshot_then_ledger_updates(kar_frames: dict[str, list[str]]) -> None:
    balances = Balances()
    assert balances.apply(balances_frame(kar_frames["balances_snapshot"][0])) == []
    assert balances.get("KAR") == Balance("KAR", Decimal("774.6366982600"), ())
    assert balances.get("USD") == Balance(
        "USD", Decimal("160.2405"), (("spot", "main", Decimal("1.34")),)
    )
    gaps = balances.apply(balances_frame(kar_frames["usd_update"][0]))
    assert gaps == [SequenceGap("balances", 2, 4)]
    assert balances.get("USD") == Balance(
        "USD", Decimal("118.0677"), (("spot", "main", Decimal("118.0677")),)
    )
    assert balances.apply(balances_frame(kar_frames["base_update"][0])) == []
    assert balances.get("ADX").total == Decimal("147.1906006900")
    assert [b.asset for b in balances.balances()] == ["ADX", "BRICK", "KAR", "KEEP", "MULTI", "USD"]
    assert balances.last_sequence == 5


DOC_SNAPSHOT = (
    '{"channel":"balances","data":[{"asset":"MATIC","asset_class":"currency",'
    '"balance":500,"wallets":[{"type":"spot","id":"main","balance":300},'
    '{"type":"earn","id":"flex","balance":200}]}],"type":"snapshot","sequence":1}'
)


def test_ledger_update_sets_the_named_wallet_so_wallets_sum_to_total() -> None:
    balances = Balances()
    balances.apply(balances_frame(DOC_SNAPSHOT))
    update = json.dumps(
        {
            "channel": "balances",
            "type": "update",
            "sequence": 2,
            "data": [
                {
                    "asset": "MATIC",
                    "wallet_type": "earn",
                    "wallet_id": "flex",
                    "amount": "x",
                    "balance": "450.5",
                    "type": "staking",
                }
            ],
        }
    )
    balances.apply(balances_frame(update))
    matic = balances.get("MATIC")
    assert matic.total == Decimal("450.5")
    assert dict(((t, i), a) for t, i, a in matic.wallets) == {
        ("spot", "main"): Decimal(300),
        ("earn", "flex"): Decimal("150.5"),
    }


def test_snapshot_resets_sequence_and_replaces_assets() -> None:
    balances = Balances()
    balances.apply(balances_frame(DOC_SNAPSHOT))
    balances.apply(
        balances_frame(
            '{"channel":"balances","type":"snapshot","sequence":1,"data":[{"asset":"BTC","balance":1.2}]}'
        )
    )
    assert [b.asset for b in balances.balances()] == ["BTC"]
    assert (
        balances.apply(
            balances_frame('{"channel":"balances","type":"update","sequence":2,"data":[]}')
        )
        == []
    )


def test_malformed_entries_are_skipped() -> None:
    balances = Balances()
    balances.apply(
        balances_frame(
            '{"channel":"balances","type":"snapshot","sequence":1,"data":[{"asset":"BTC",'
            '"balance":"many"},{"asset":"ETH"},{"asset":"USD","balance":5,"wallets":[{"id":1}]},'
            '{"asset":"EUR","balance":7}]}'
        )
    )
    assert [b.asset for b in balances.balances()] == ["EUR"]
    assert balances.ignored_entries == 3


def test_replace_from_rest_uses_v2_names() -> None:
    balances = Balances()
    balances.replace_from_rest(
        {
            "error": [],
            "result": {
                "ZUSD": "171288.6158",
                "XXBT": "1011.1908877900",
                "XXDG": "5",
                "ETH2.S": "198.39",
                "USD.M": "1213029.2780",
                "BAD": "n/a",
            },
        }
    )
    assert {b.asset: b.total for b in balances.balances()} == {
        "USD": Decimal("171288.6158"),
        "BTC": Decimal("1011.1908877900"),
        "DOGE": Decimal(5),
        "ETH2.S": Decimal("198.39"),
        "USD.M": Decimal("1213029.2780"),
    }
