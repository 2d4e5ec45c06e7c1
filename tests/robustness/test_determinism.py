"""What made two clean runs differ: values that depended on which unit happened to finish last."""

from __future__ import annotations

import json
from pathlib import Path

from darkhorses.ingest.transform import racecard_rows
from darkhorses.racing_api.models import Racecard

CARDS = json.loads((Path(__file__).parents[1] / "fixtures" / "api" / "racecards_pro.json").read_text())["racecards"]


def test_a_jockey_is_named_without_the_racecards_claim_allowance() -> None:
    runner = next(r for c in CARDS for r in c["runners"] if r["jockey"] == "James Turner(5)")
    card = next(c for c in CARDS if runner in c["runners"])
    batch = racecard_rows(Racecard.model_validate(card))
    names = {row["id"]: row["name"] for row in batch.upserts["ra_mst_jockeys"]}
    assert names[runner["jockey_id"]] == "James Turner"  # as results name him
    declared = {row["horse_id"]: row["jockey_name"] for row in batch.upserts["ra_mst_runners"]}
    assert declared[runner["horse_id"]] == "James Turner(5)"  # the racecard's own text stays on the runner
