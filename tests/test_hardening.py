"""Issue 17: what probing the public site and the newsroom as an attacker found, one test per
item (the item's number is in the test's name)."""

from __future__ import annotations

import asyncio

from romareact.serve import make_datasette
from romareact.workspace import open_workspace


def run(coroutine):
    return asyncio.run(coroutine)


def empty_site(data_dir):
    open_workspace(data_dir).close()
    return make_datasette(data_dir)


def test_item1_huge_values_and_results_are_a_quick_400(data_dir):
    datasette = empty_site(data_dir)
    rows = "with recursive r(i) as (select 1 union all select i + 1 from r limit {}) "
    attacks = [
        "select zeroblob(100000000) as b",
        "select length(randomblob(999999999))",
        rows.format(200000) + "select group_concat(printf('%.1000c', 'x')) from r",
        # Each value allowed, but together far more than one page may hold.
        rows.format(1000) + "select zeroblob(3000000) from r",
    ]
    for sql in attacks:
        response = run(datasette.client.get("/public.json", params={"sql": sql}))
        assert response.status_code == 400, sql
        assert "too big" in response.json()["error"]
        assert len(response.content) < 10_000
    fine = run(datasette.client.get("/public.json", params={"sql": "select 'ok' as a"}))
    assert fine.status_code == 200 and fine.json()["rows"] == [["ok"]]
