"""The staff list's filters over many synthetic conversations: correct rows, and (on SQLite,
whose planner does not depend on table statistics) served by indexes rather than table scans.
Timings at 100,000 conversations: `python -m devkit.staff_data --url URL`."""

from __future__ import annotations

import re

import pytest

from bot.storage.queries import list_query
from bot.storage.store import Store
from devkit import staff_data as synthetic


@pytest.fixture
def filled(db_url) -> Store:
    synthetic.populate(db_url, 400)
    return Store(db_url)


@pytest.mark.parametrize("name", list(synthetic.FILTERS))
def test_each_filter_returns_matching_rows_newest_first(filled, name):
    filters = synthetic.FILTERS[name]
    rows = filled.list_conversations(filters, 50)
    verdicts = filled.latest_verdicts([r.id for r in rows])
    for row in rows:
        assert filters.channel in (None, row.channel)
        assert filters.reviewed is None or (row.review_status == "reviewed") == filters.reviewed
        assert filters.started_from is None or row.started_at >= filters.started_from
        assert filters.started_before is None or row.started_at < filters.started_before
        if filters.verdict and filters.nct_id:
            assert verdicts[row.id][filters.nct_id] == filters.verdict
        elif filters.verdict:
            assert filters.verdict in verdicts[row.id].values()
    keys = [(r.started_at, r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize("name", list(synthetic.FILTERS))
def test_sqlite_serves_each_filter_from_indexes(tmp_path, name):
    store = Store(f"sqlite:///{tmp_path / 'list.db'}")
    synthetic.populate(store.url, 50)
    query = list_query(synthetic.FILTERS[name], 50)
    with store.engine.connect() as connection:
        compiled = query.compile(store.engine)
        params = tuple(compiled.params[key] for key in compiled.positiontup)
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", params))
    assert not re.search(r"SCAN (conversations|trial_results)(?! USING)", plan), plan
    assert "USE TEMP B-TREE" not in plan, plan  # rows come in index order, no sort
