"""Writing the current tables (CourseReadiness, EmployeeReadiness, StationQualification, StationCoverage)
and the day's line and plant snapshots from the SQL of readiness.sql.

On PostgreSQL a roll-up writes only the rows whose figures changed (table_sync: one statement per
table diffs the new rows against the stored ones), so the nightly reconcile and the day change touch
a few thousand rows, not every plant's 40,000. SQLite (development, tests) rewrites the rows in
scope; the contents are the same. These functions run inside the caller's transaction, under the
plant's lock that readiness.recompute takes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from assessments.models import StationCoverage, StationShiftCoverage
from assessments.readiness.sql import (
    CELL_COLUMNS,
    CELL_SELECT,
    COV_COLUMNS,
    COV_CTES,
    COV_SELECT,
    CURRENT_ECS_CTE,
    CURRENT_HELD_CTE,
    EMP_CTE,
    ER_CTE,
    FIGURES_COLUMNS,
    LINE_CTES,
    LINE_SELECT,
    PLANT_CTES,
    PLANT_SELECT,
    QUALIFIED_CTES,
    REQ_CTE,
    STATION_COURSES_CTES,
    STORED_COV_CTE,
    STORED_ECS_CTE,
    STORED_ER_CTE,
    STORED_STATION_QUALIFIED_CTE,
    UPSERT_FIGURES,
    execute,
    fetch,
    id_filter,
    statement_params,
    with_ctes,
)
from employees.models import Plant


@dataclass(frozen=True)
class Table:
    """A current table as table_sync writes it: key columns, compared value columns, stamped columns."""

    name: str
    keys: tuple[str, ...]
    values: tuple[str, ...]
    stamps: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *self.values, *self.stamps)


COURSE_ROWS = Table(
    "assessments_coursereadiness",
    ("employee_id", "course_id"),
    ("plant_id", "line_id", "is_met", "is_met_confirmed", "level", "provisional", "expires_on"),
)
EMPLOYEE_ROWS = Table(
    "assessments_employeereadiness",
    ("employee_id",),
    (
        "plant_id",
        "line_id",
        "station_id",
        "required_count",
        "met_count",
        "met_confirmed_count",
        "qualified",
        "qualified_confirmed",
        "completion",
        "next_expiry",
        "expiring_30",
        "expiring_60",
        "expiring_90",
    ),
    ("computed_at",),
)
QUALIFICATION_ROWS = Table(
    "assessments_stationqualification", ("employee_id", "station_id"), ("plant_id", "line_id", "shift", "is_trainer")
)


def table_sync(
    table: Table, *, ctes: Sequence[str], select: str, scope: str, params: dict, touch: bool = False, **filters: str
) -> set[tuple]:
    """Make the table's rows in `scope` (a WHERE condition) equal to the rows `select` returns; returns
    the keys of the rows deleted, updated or inserted.

    `select` returns table.columns in order. PostgreSQL: one statement diffs the new rows against
    the stored ones on the keys and deletes, updates and inserts only the difference (with `touch`
    every new row counts as changed, so its stamps are written). SQLite: delete the scope, insert,
    and compare the rows in scope before and after (stamps aside).
    The rows to delete and update are found by their IDs as an array (`= ANY`), an index lookup
    each: joined to the diff instead, PostgreSQL hashed the whole table (600,000 rows for a
    few hundred changes) whenever its estimate of the diff was large.
    """
    columns = ", ".join(table.columns)
    keys = ", ".join(table.keys)
    if connection.vendor != "postgresql":
        # Identifiers come from the Table constants and values are parameters: nothing from users.
        rows = f"SELECT {', '.join((*table.keys, *table.values))} FROM {table.name} WHERE {scope}"  # noqa: S608
        before = set(fetch(rows, params, hash_joins=False))
        execute(f"DELETE FROM {table.name} WHERE {scope}", params)  # noqa: S608 - fixed names
        execute(with_ctes(ctes, f"INSERT INTO {table.name} ({columns})\n{select}", **filters), params, hash_joins=False)
        after = set(fetch(rows, params, hash_joins=False))
        changed = before ^ after
        if touch:
            changed |= after
        return {row[: len(table.keys)] for row in changed}
    on_keys = " AND ".join(f"new.{k} = old.{k}" for k in table.keys)
    new_values = ", ".join(f"new.{v}" for v in table.values)
    old_values = ", ".join(f"old.{v}" for v in table.values)
    assignments = ", ".join(f"{c} = diff.{c}" for c in (*table.values, *table.stamps))
    t_keys = ", ".join(f"t.{k}" for k in table.keys)
    params = {**params, "touch": touch}
    # Identifiers come from the Table constants and values are parameters: nothing from users.
    statement = f"""
new ({columns}) AS ({select}),
old AS (SELECT id, {", ".join((*table.keys, *table.values))} FROM {table.name} WHERE {scope}),
diff AS (
    SELECT old.id AS old_id, new.{table.keys[0]} IS NULL AS gone, {", ".join(f"new.{c}" for c in table.columns)}
    FROM new FULL JOIN old ON {on_keys}
    WHERE old.id IS NULL OR new.{table.keys[0]} IS NULL OR %(touch)s
        OR ROW({new_values}) IS DISTINCT FROM ROW({old_values})
),
removed AS (
    DELETE FROM {table.name} t WHERE t.id = ANY(ARRAY(SELECT old_id FROM diff WHERE gone)) RETURNING {t_keys}
),
changed AS (
    UPDATE {table.name} t SET {assignments} FROM diff
    WHERE t.id = ANY(ARRAY(SELECT old_id FROM diff WHERE NOT gone)) AND t.id = diff.old_id RETURNING {t_keys}
),
added AS (
    INSERT INTO {table.name} ({columns}) SELECT {columns} FROM diff WHERE diff.old_id IS NULL RETURNING {keys}
)
SELECT {keys} FROM removed UNION ALL SELECT {keys} FROM changed UNION ALL SELECT {keys} FROM added"""  # noqa: S608
    return set(fetch(with_ctes(ctes, "", **filters).rstrip() + "," + statement, params, hash_joins=False))


def store_employees(
    *,
    plant_id: int,
    on_date: datetime.date,
    now: datetime.datetime,
    employee_ids: set[int] | None,
    moved_here: Iterable[int] = (),
    line_ids: set[int] | None = None,
    plant: Plant | None = None,
) -> set[tuple[int, int]]:
    """CourseReadiness, EmployeeReadiness and StationQualification of the plant's active employees (all, or
    these) on D.

    Scope of the rows replaced: these employees' rows wherever they are; for the whole plant,
    the plant's rows and those still kept at another plant for employees who moved here (not one
    filter on plant OR employee's plant: that OR scanned the table of every plant). `line_ids`: the
    lines these employees are on now, if known (their stations are the only ones they can qualify for).
    Returns the (employee, station) qualifications that appeared or went.
    """
    params = statement_params(plant_id=plant_id, on_date=on_date, now=now, plant=plant)
    employee_filter = id_filter("e.id", "emp", employee_ids, params)
    if employee_ids is None:
        scope = "plant_id = %(plant)s"
        if moved_here:
            scope += " OR " + id_filter("employee_id", "moved", moved_here, params).removeprefix(" AND ")
    else:
        scope = id_filter("employee_id", "scope", employee_ids, params).removeprefix(" AND ")
    table_sync(
        COURSE_ROWS,
        ctes=[EMP_CTE, REQ_CTE, CURRENT_ECS_CTE],
        select="""SELECT employee_id, course_id, plant_id, line_id, is_met, is_met_confirmed, level, provisional,
                expires_on FROM ecs""",
        scope=scope,
        params=params,
        employee_filter=employee_filter,
    )
    table_sync(
        EMPLOYEE_ROWS,
        ctes=[STORED_ECS_CTE, ER_CTE],
        select="""SELECT employee_id, plant_id, line_id, station_id, required_count, met_count, met_confirmed_count,
                met_count = required_count, met_confirmed_count = required_count,
                CASE WHEN required_count = 0 THEN 1.0
                    ELSE CAST(met_count AS DOUBLE PRECISION) / required_count END,
                next_expiry, expiring_30, expiring_60, expiring_90, %(now)s
            FROM er""",
        scope=scope,
        params=params,
        touch=employee_ids is not None,
        employee_filter=employee_filter,
        # The course rows just written, read back: the plant's, or these employees' (all at this plant).
        ecs_scope="plant_id = %(plant)s"
        if employee_ids is None
        else id_filter("employee_id", "stored_emp", employee_ids, params).removeprefix(" AND "),
    )
    # The stations of their line each employee is qualified for (all stations: no station filter), with
    # their shift and whether a trainer: a change of either recounts the station.
    return table_sync(
        QUALIFICATION_ROWS,
        ctes=[CURRENT_HELD_CTE, STATION_COURSES_CTES, QUALIFIED_CTES],
        select="SELECT employee_id, station_id, %(plant)s, line_id, shift, is_trainer FROM qualified",
        scope=scope,
        params=params,
        employee_filter=employee_filter,
        line_filter=id_filter("l.id", "qualification_line", line_ids, params),
    )


def store_aggregates(
    *,
    plant_id: int,
    on_date: datetime.date,
    now: datetime.datetime,
    line_ids: set[int] | None,
    station_ids: set[int] | None = None,
    plant: Plant | None = None,
) -> None:
    """Station coverage of these stations (or of these lines, or all), the line snapshots of these lines
    (or all) and the plant snapshot, from the stored rows."""
    params = statement_params(plant_id=plant_id, on_date=on_date, now=now, plant=plant)
    line_filter = id_filter("l.id", "line", line_ids, params)
    # The stored rows read back: only those of the lines recomputed (the plant snapshot reads them all).
    stored_filter = id_filter("line_id", "stored_line", line_ids, params)
    if station_ids != set():
        filters = {
            "line_filter": line_filter,
            "stored_filter": stored_filter,
            "station_filter": id_filter("st.id", "station", station_ids, params),
        }
        for model, columns, select in (
            (StationCoverage, COV_COLUMNS, COV_SELECT),
            (StationShiftCoverage, CELL_COLUMNS, CELL_SELECT),
        ):
            rows = model.objects.filter(plant_id=plant_id)
            if line_ids is not None:
                rows = rows.filter(line_id__in=line_ids)
            if station_ids is not None:
                rows = rows.filter(station_id__in=station_ids)
            rows.delete()
            execute(
                with_ctes(
                    [STATION_COURSES_CTES, STORED_STATION_QUALIFIED_CTE, COV_CTES],
                    f"INSERT INTO {model._meta.db_table} ({columns})" + select,
                    **filters,
                ),
                params,
                hash_joins=False,
            )
    line_snapshots_upsert(
        [STORED_ER_CTE, STORED_COV_CTE],
        params,
        line_filter=line_filter,
        stored_filter=stored_filter,
        hash_joins=False,
    )
    plant_snapshot_upsert([STORED_ER_CTE, STORED_COV_CTE], params, hash_joins=False)


def line_snapshots_upsert(
    ctes: list[str],
    params: dict,
    *,
    line_filter: str,
    employee_filter: str = "",
    stored_filter: str = "",
    hash_joins: bool = True,
) -> None:
    execute(
        with_ctes(
            [*ctes, LINE_CTES],
            f"INSERT INTO assessments_linesnapshot (line_id, plant_id, {FIGURES_COLUMNS})"
            + LINE_SELECT
            + f"\nON CONFLICT (line_id, on_date) DO UPDATE SET plant_id = excluded.plant_id, {UPSERT_FIGURES}",
            line_filter=line_filter,
            employee_filter=employee_filter,
            stored_filter=stored_filter,
        ),
        params,
        hash_joins=hash_joins,
    )


def plant_snapshot_upsert(ctes: list[str], params: dict, *, hash_joins: bool = True) -> None:
    execute(
        with_ctes(
            [*ctes, PLANT_CTES],
            f"INSERT INTO assessments_plantsnapshot (plant_id, {FIGURES_COLUMNS})"
            + PLANT_SELECT
            + f"\nON CONFLICT (plant_id, on_date) DO UPDATE SET {UPSERT_FIGURES}",
            line_filter="",
            employee_filter="",
            stored_filter="",
        ),
        params,
        hash_joins=hash_joins,
    )
