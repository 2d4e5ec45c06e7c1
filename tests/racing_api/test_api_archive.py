"""The raw archive keeps every body with its request, so the database can be rebuilt offline."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from darkhorses.racing_api import RacingApiClient, RawArchive, read_archive
from darkhorses.racing_api.models import RacecardsPage, parse_body

from .conftest import FakeApi, fixture_json, fixture_text


def fixed_now() -> datetime:
    return datetime(2025, 10, 13, 6, 30, tzinfo=UTC)


async def test_every_response_is_archived_with_request_and_time(fake: FakeApi, make_client: Callable[..., RacingApiClient],
                                                                tmp_path: Path) -> None:
    archive = RawArchive(tmp_path, now=fixed_now)
    client = make_client(archive=archive)
    body = fixture_json("racecards_pro.json")
    body["total"] = 2
    fake.add("/v1/racecards/pro", {"detail": "busy"}, status=503).add("/v1/racecards/pro", body)
    fake.add("/v1/horses/hrs_6181308/standard", fixture="horse_standard.json")
    await client.racecards_pro(date(2025, 10, 13), region_codes=["gb"])
    await client.horse_standard("hrs_6181308")
    await client.aclose()

    assert archive.path is not None and archive.path.parent == tmp_path / "2025-10-13"
    assert archive.path.name.startswith("20251013T063000Z-") and archive.path.name.endswith(".jsonl.gz")
    records = list(read_archive(tmp_path))
    assert [(r.endpoint, r.path, r.status) for r in records] == [
        ("/v1/racecards/pro", "/v1/racecards/pro", 503),
        ("/v1/racecards/pro", "/v1/racecards/pro", 200),
        ("/v1/horses/{horse_id}/standard", "/v1/horses/hrs_6181308/standard", 200),
    ]
    assert records[1].params == [("date", "2025-10-13"), ("region_codes", "gb"), ("limit", "500"), ("skip", "0")]
    assert records[1].fetched_at == "2025-10-13T06:30:00+00:00"
    assert records[2].body == fixture_text("horse_standard.json")
    # re-parsing the archive gives the same models as the live call
    reparsed = parse_body(RacecardsPage, records[1].body)
    assert [c.race_id for c in reparsed.racecards] == ["rac_11744434", rac_second(body)]


def rac_second(body: dict) -> str:  # type: ignore[type-arg]
    return body["racecards"][1]["race_id"]


async def test_archive_is_compressed_and_readable_line_by_line_after_each_record(
    fake: FakeApi, make_client: Callable[..., RacingApiClient], tmp_path: Path
) -> None:
    archive = RawArchive(tmp_path)
    client = make_client(archive=archive)
    fake.add("/v1/courses", fixture="courses_all_regions.json")
    await client.courses()
    # flushed: readable before close, as after a crash
    assert archive.path is not None
    assert b'"endpoint": "/v1/courses"' not in archive.path.read_bytes()  # compressed on disk
    assert len(list(read_archive(archive.path))) == 1
    await client.aclose()
    assert len(gzip.decompress(archive.path.read_bytes()).decode().splitlines()) == 1


async def test_no_archive_no_files(fake: FakeApi, client: RacingApiClient, tmp_path: Path) -> None:
    fake.add("/v1/courses", fixture="courses.json")
    await client.courses()
    assert client.archive is None and list(tmp_path.iterdir()) == []


def test_archive_from_settings_follows_the_switch(tmp_path: Path) -> None:
    from .conftest import make_settings

    archive = RawArchive.from_settings(make_settings(archive_enabled=True, archive_dir=tmp_path))
    assert archive is not None and archive.directory == tmp_path
    assert RawArchive.from_settings(make_settings(archive_enabled=False)) is None
