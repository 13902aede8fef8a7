"""The singular dbt tests that reconcile two tables (tests/dbt) fire on a disagreement: each
case breaks one rule in a copy of the demo warehouse, runs the test with dbt and reads the rows
its compiled query returns."""

import json
import shutil

import duckdb
from conftest import query

from lifecycle.dbt_runner import run_dbt


def test_a_best_send_hour_with_fewer_engagements_than_another_hour_fails(built_warehouse, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    hours = [f"engagements_hour_{hour:02d}" for hour in range(24)]
    # a person with engagement at their best hour and an hour without any
    rows = query(
        db,
        f"""
        select profiles.customer_key, profiles.best_send_hour_local, [{", ".join(hours)}] as per_hour
        from marts.customer_profiles as profiles
        inner join (
            select customer_key, {", ".join(f"sum({hour}) as {hour}" for hour in hours)}
            from marts.customer_channel_engagement
            group by customer_key
        ) as engagement on profiles.customer_key = engagement.customer_key
        where profiles.best_send_hour_local is not null
        order by profiles.customer_key
        """,
    )
    person, _, per_hour = next(row for row in rows if per_hour_has_a_quiet_hour(row[2], row[1]))
    quiet_hour = per_hour.index(0)
    con = duckdb.connect(str(db))
    con.execute(
        "update marts.customer_profiles set best_send_hour_local = ? where customer_key = ?",
        [quiet_hour, person],
    )
    con.close()

    assert failing_rows(db, tmp_path, "customer_profiles_agree_with_channel_engagement") == [
        (person, "a local hour has more engagements")
    ]


def failing_rows(db, tmp_path, test_name: str) -> list[tuple]:
    """Runs the dbt test, which must fail, and returns the rows of its compiled query."""
    target = tmp_path / "target"
    assert run_dbt(["test", "--select", test_name, "--target-path", str(target)], db) == 1
    (result,) = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return query(db, result["compiled_code"])


def per_hour_has_a_quiet_hour(per_hour: list[int], best: int) -> bool:
    return per_hour[best] > 0 and 0 in per_hour
