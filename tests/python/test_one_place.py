"""Facts the project writes down once (issue 21): checks that fail when a second copy appears."""

from __future__ import annotations

import ast
import json
import re
import subprocess

import pytest
import yaml

from lifecycle import macro_values, paths
from lifecycle import manifest as dbt_manifest


def tracked_files(*patterns: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", *patterns], cwd=paths.project_dir(), capture_output=True, text=True, check=True
    )
    return [line for line in out.stdout.splitlines() if line]


def test_the_project_cites_no_document_it_does_not_ship():
    # the product brief the project was built from is not part of it: each rule is documented
    # where it lives (model docs, macros, README, docs/)
    root = paths.project_dir()
    citing = [
        f"{name}:{number}"
        for name in tracked_files("*.sql", "*.yml", "*.py", "*.md", "*.toml", "*.cfg")
        if name != "CHANGELOG.md"
        for number, line in enumerate((root / name).read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bSPEC\b", line) and "SPEC\\b" not in line
    ]
    assert citing == []


def repeated_constraints(manifest: dict) -> list[str]:
    """not_null and unique tests, and the not_null columns and unique keys of row_checks tests,
    that repeat a constraint of an enforced contract (DuckDB enforces not_null, unique and
    primary_key constraints when it builds the table, so such a check does the same work twice)."""
    found = []
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        model = manifest["nodes"].get(node.get("attached_node") or "")
        if node["resource_type"] != "test" or not model:
            continue
        if not model["config"].get("contract", {}).get("enforced") or node["config"].get("where"):
            continue
        kwargs = meta.get("kwargs", {})
        column = kwargs.get("column_name")
        if meta.get("name") == "row_checks":
            checks = repeated_checks(model, kwargs.get("not_null") or [], kwargs.get("unique") or [])
            found += [f"{node['name']}: {check}" for check in checks]
        elif (meta.get("name") == "not_null" and repeated_checks(model, [column], [])) or (
            meta.get("name") == "unique" and repeated_checks(model, [], [column])
        ):
            found.append(node["name"])
    return sorted(found)


def repeated_checks(model: dict, not_null: list[str], unique: list) -> list[str]:
    """The not-null columns and unique keys (a column or a list of columns) that a constraint of
    `model` states."""

    def constraints(column: str) -> set[str]:
        return {c["type"] for c in model["columns"].get(column, {}).get("constraints", [])} | {
            c["type"] for c in model.get("constraints", []) if c.get("columns") == [column]
        }

    keys = [c["columns"] for c in model.get("constraints", []) if c["type"] in ("primary_key", "unique")]
    keys += [[name] for name in model["columns"] if constraints(name) & {"primary_key", "unique"}]
    return [f"not_null({c})" for c in not_null if constraints(c) & {"not_null", "primary_key"}] + [
        f"unique({key})" for key in unique if ([key] if isinstance(key, str) else list(key)) in keys
    ]


def test_the_check_finds_a_test_that_repeats_a_constraint():
    model = {
        "resource_type": "model",
        "config": {"contract": {"enforced": True}},
        "columns": {"k": {"constraints": [{"type": "not_null"}, {"type": "primary_key"}]}},
        "constraints": [],
    }
    manifest = {
        "nodes": {
            "model.p.m": model,
            "test.p.nn": {
                "resource_type": "test",
                "name": "not_null_m_k",
                "attached_node": "model.p.m",
                "config": {},
                "test_metadata": {"name": "not_null", "kwargs": {"column_name": "k"}},
            },
            "test.p.rc": {
                "resource_type": "test",
                "name": "m_row_checks",
                "attached_node": "model.p.m",
                "config": {},
                "test_metadata": {
                    "name": "row_checks",
                    "kwargs": {"not_null": ["k", "v"], "unique": ["k", ["k", "v"]]},
                },
            },
        }
    }
    assert repeated_constraints(manifest) == [
        "m_row_checks: not_null(k)",
        "m_row_checks: unique(k)",
        "not_null_m_k",
    ]


def test_no_data_test_repeats_an_enforced_constraint():
    import json

    from dbt.cli.main import dbtRunner

    project = str(paths.project_dir())
    result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", project, "--profiles-dir", project])
    assert result.success, result.exception
    manifest = json.loads((paths.project_dir() / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert repeated_constraints(manifest) == []


# --- Enumerations (issue 21): each closed list of values is written once, in
# macros/enumerations.sql; models, yml tests and Python read it from there.

ENUMERATIONS_FILE = "macros/enumerations.sql"
# The generator plays the shop's source systems: it writes what they send (bad values included),
# not what the warehouse accepts. Python tests spell their expected values out on purpose.
NOT_SCANNED = ("src/lifecycle/generate/", "tests/python/", ENUMERATIONS_FILE)


@pytest.fixture(scope="module")
def parsed_manifest():
    """The project's manifest, freshly written by `dbt parse`."""
    from dbt.cli.main import dbtRunner

    project = str(paths.project_dir())
    result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", project, "--profiles-dir", project])
    assert result.success, result.exception
    return dbt_manifest.load(paths.project_dir() / "target" / "manifest.json")


# a mapping (channel -> purposes); consent_channels and consent_purposes are its two lists
NOT_LISTS = ("consent_purposes_by_channel",)


def enumeration_names() -> list[str]:
    """The macros of macros/enumerations.sql that take no argument and return a list, one
    enumeration each, and the reasons privacy.sql derives from its rule."""
    text = (paths.project_dir() / ENUMERATIONS_FILE).read_text(encoding="utf-8")
    names = re.findall(r"\{%-?\s*macro\s+(\w+)\(\)", text)
    return [n for n in names if n not in NOT_LISTS] + ["privacy_suppression_reasons"]


def _strings(items: list[object]) -> tuple[str, ...] | None:
    """The items, in order, when every one is a text (a list of values), else None."""
    if len(items) >= 2 and all(isinstance(i, str) for i in items):
        return tuple(items)  # type: ignore[arg-type]
    return None


def python_lists(source: str) -> list[tuple[int, tuple[str, ...]]]:
    """(line, values) of every list, tuple or set literal of texts in Python source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
            if (strings := _strings(values)) is not None:
                found.append((node.lineno, strings))
    return found


def yaml_lists(source: str) -> list[tuple[int, tuple[str, ...]]]:
    """(0, values) of every YAML list of texts outside a description."""
    found: list[tuple[int, tuple[str, ...]]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "description":
                    walk(value)
        elif isinstance(node, list):
            if (strings := _strings(node)) is not None:
                found.append((0, strings))
            for item in node:
                walk(item)

    for document in yaml.safe_load_all(source):
        walk(document)
    return found


_SQL_COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.S)
_SQL_LISTS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_QUOTED = re.compile(r"""^\s*(?:'([^']*)'|"([^"]*)")\s*$""")


def sql_lists(source: str) -> list[tuple[int, tuple[str, ...]]]:
    """(line, values) of every `('a', 'b')` or Jinja `['a', 'b']` list of quoted texts in SQL
    and Jinja code (comments left out)."""
    code = _SQL_COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    found = []
    for match in _SQL_LISTS.finditer(code):
        body = match.group(1) if match.group(1) is not None else match.group(2)
        items = [i for i in body.split(",") if i.strip()]
        quoted = [_QUOTED.match(i) for i in items]
        if all(quoted) and (strings := _strings([q.group(1) or q.group(2) or "" for q in quoted])):
            found.append((code[: match.start()].count("\n") + 1, strings))
    return found


def copies(enumerations: dict[str, tuple[str, ...]], files: dict[str, str]) -> list[str]:
    """`file:line enumeration` for every list in `files` (path -> text) that writes an
    enumeration out again: it holds all of its values and at most one more (new_to_warehouse and
    the stages). A list that follows the order of a longer enumeration it is part of, and not
    this one's order, selects from that one instead (var churn_risk_clv_tiers: four CLV tiers,
    top first, is not the loyalty tiers, lowest first)."""
    enums = {name: tuple(values) for name, values in enumerations.items() if len(set(values)) >= 2}
    found = []
    for path, text in sorted(files.items()):
        if path.endswith(".py"):
            lists = python_lists(text)
        elif path.endswith((".yml", ".yaml")):
            lists = yaml_lists(text)
        else:
            lists = sql_lists(text)
        for line, values in lists:
            for name, enum in enums.items():
                if not set(enum) <= set(values) or len(set(values) - set(enum)) > 1:
                    continue
                in_its_order = tuple(v for v in values if v in enum) == enum
                selects_another = any(
                    set(values) < set(other) and tuple(v for v in other if v in values) == values
                    for other in enums.values()
                )
                if in_its_order or not selects_another:
                    found.append(f"{path}:{line} {name}")
    return found


def scanned_files() -> dict[str, str]:
    root = paths.project_dir()
    return {
        name: (root / name).read_text(encoding="utf-8")
        for name in tracked_files("*.sql", "*.yml", "*.py")
        if not name.startswith(NOT_SCANNED)
    }


def test_the_check_finds_a_second_copy_of_an_enumeration():
    enumerations = {
        "consent_statuses": ("granted", "revoked"),
        "stages": ("lead", "active", "lapsed"),
        "tiers": ("gold", "silver", "bronze", "low"),
        "loyalty": ("bronze", "silver", "gold"),
    }
    files = {
        "dbt_project.yml": (
            "vars:\n  tiers_that_count: [gold, silver, bronze]\n  loyalty_copy: [bronze, silver, gold]\n"
        ),
        "models/a.sql": "select 1 where status not in ('granted', 'revoked') -- ('lead', 'active', 'lapsed')",
        "models/b.sql": "{% for s in ['new_to_warehouse', 'lead', 'active', 'lapsed'] %}{% endfor %}",
        "models/c.yml": (
            "models:\n  - name: c\n    columns:\n      - name: s\n        data_tests:\n"
            "          - {accepted_values: {arguments: {values: [lapsed, lead, active]}}}\n"
        ),
        "src/d.py": "ORDER = (\n    'lead',\n    'active',\n    'lapsed',\n)\nSUBSET = ['lead', 'active']\n",
    }
    assert copies(enumerations, files) == [
        "dbt_project.yml:0 loyalty",
        "models/a.sql:1 consent_statuses",
        "models/b.sql:1 stages",
        "models/c.yml:0 stages",
        "src/d.py:1 stages",
    ]


def test_every_enumeration_is_written_once(parsed_manifest):
    enumerations = {name: parsed_manifest.enumeration(name) for name in enumeration_names()}
    assert len(enumerations) >= 20 and enumerations["lifecycle_stages"][0] == "anonymous_visitor"
    assert copies(enumerations, scanned_files()) == []


def test_enumerations_are_defined_once(parsed_manifest):
    # each enumeration macro exists once, in macros/enumerations.sql (privacy.sql derives its reasons)
    root = paths.project_dir()
    defined = [
        (name, macro)
        for name in tracked_files("macros/*.sql", "macros/**/*.sql")
        for macro in re.findall(r"\{%-?\s*macro\s+(\w+)\(", (root / name).read_text(encoding="utf-8"))
    ]
    for enumeration in enumeration_names():
        assert [n for n, m in defined if m == enumeration] == [
            "macros/privacy.sql" if enumeration == "privacy_suppression_reasons" else ENUMERATIONS_FILE
        ]


def test_accepted_values_tests_take_their_values_from_an_enumeration(parsed_manifest):
    # every accepted_values test of the project names an enumeration macro instead of listing values
    listed = []
    payload = json.loads(parsed_manifest.path.read_text(encoding="utf-8"))
    for node in payload["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] == "test" and meta.get("name") == "accepted_values":
            values = (meta.get("kwargs") or {}).get("values")
            if not (isinstance(values, str) and re.fullmatch(r"\{\{ [\w() +\[\]',]+ \}\}", values)):
                listed.append(node["name"])
    assert listed == []


def test_the_manifest_resolves_accepted_values_from_the_enumerations(parsed_manifest):
    lifecycle = parsed_manifest["marts.customer_lifecycle"].accepted_values["lifecycle_stage"]
    assert lifecycle.values == parsed_manifest.enumeration("lifecycle_stages")
    transitions = parsed_manifest["marts.customer_lifecycle_transitions"].accepted_values["from_stage"]
    assert transitions.values == ("new_to_warehouse", *parsed_manifest.enumeration("lifecycle_stages"))
    orders = parsed_manifest["raw.orders"].accepted_values["status"]
    assert (orders.values, orders.severity) == (("completed", "cancelled", "refunded", "pending"), "warn")
    channel = parsed_manifest["audiences.audience_memberships"].accepted_values["channel"]
    assert channel.values[-2:] == ("google_ads", "meta_ads") and "email" in channel.values


MACROS = {
    "stages": "{% macro stages() -%}{{ return(['lead', 'active'] + later_stages()) }}{%- endmacro %}",
    "later_stages": (
        "{% macro later_stages() -%}{%- set found = [] -%}{%- do found.append('lapsed') -%}"
        "{{ return(found) }}{%- endmacro %}"
    ),
    "needs_dbt": "{% macro needs_dbt() -%}{{ return(var('x')) }}{%- endmacro %}",
}


def test_a_literal_macro_evaluates_as_dbt_renders_it():
    # dbt renders test arguments natively: `return()` hands back the list, also through a nested call
    assert macro_values.evaluate("{{ stages() }}", MACROS) == ["lead", "active", "lapsed"]
    assert macro_values.evaluate("{{ ['new'] + stages() }}", MACROS) == ["new", "lead", "active", "lapsed"]
    with pytest.raises(macro_values.MacroValueError, match="var"):
        macro_values.evaluate("{{ needs_dbt() }}", MACROS)
    with pytest.raises(macro_values.MacroValueError, match="unknown_macro"):
        macro_values.evaluate("{{ unknown_macro() }}", MACROS)


def accepted_values_payload(values: object) -> dict:
    """A manifest with one model, one accepted_values test on its `stage` and the macros above."""
    return {
        "nodes": {
            "model.lifecycle.m": {
                "resource_type": "model",
                "schema": "marts",
                "name": "m",
                "columns": {"stage": {"name": "stage"}},
                "config": {},
            },
            "test.lifecycle.accepted_values_m_stage": {
                "resource_type": "test",
                "name": "accepted_values_m_stage",
                "attached_node": "model.lifecycle.m",
                "column_name": "stage",
                "config": {"enabled": True, "severity": "ERROR", "where": None},
                "test_metadata": {
                    "name": "accepted_values",
                    "kwargs": {"column_name": "stage", "values": values},
                },
            },
        },
        "macros": {
            f"macro.lifecycle.{name}": {"name": name, "package_name": "lifecycle", "macro_sql": sql}
            for name, sql in MACROS.items()
        }
        | {"macro.dbt.stages": {"name": "stages", "package_name": "dbt", "macro_sql": "not ours"}},
    }


def test_the_manifest_reads_accepted_values_from_a_macro():
    found = dbt_manifest.from_dict(accepted_values_payload("{{ stages() }}"))
    assert found["marts.m"].accepted_values["stage"].values == ("lead", "active", "lapsed")
    assert found.enumeration("later_stages") == ("lapsed",)
    literal = dbt_manifest.from_dict(accepted_values_payload(["a", "b"]))
    assert literal["marts.m"].accepted_values["stage"].values == ("a", "b")


def test_an_accepted_values_macro_python_cannot_read_is_a_clear_error():
    with pytest.raises(dbt_manifest.ManifestError, match="accepted_values_m_stage.*needs_dbt|needs_dbt"):
        dbt_manifest.from_dict(accepted_values_payload("{{ needs_dbt() }}"))
    with pytest.raises(dbt_manifest.ManifestError, match="no macro nothing"):
        dbt_manifest.from_dict(accepted_values_payload(["a", "b"])).enumeration("nothing")


def test_amounts_are_converted_to_the_reporting_currency_by_one_macro():
    # the rate arithmetic and the rates CTEs are macros/currency.sql's; a model converting an
    # amount calls to_reporting_currency instead of writing them again
    root = paths.project_dir()
    sql = {
        name: (root / name).read_text(encoding="utf-8")
        for name in tracked_files("models/*.sql", "models/**/*.sql", "macros/*.sql", "macros/**/*.sql")
    }
    assert [name for name, text in sql.items() if "usd_per_unit" in text] == ["macros/currency.sql"]
    converting = sorted(name for name, text in sql.items() if "to_reporting_currency(" in text)
    assert converting == [
        "macros/currency.sql",
        "models/staging/raw/stg_raw__campaigns.sql",
        "models/staging/raw/stg_raw__order_items.sql",
        "models/staging/raw/stg_raw__orders.sql",
    ]


# --- Persons in scope (issue 21): one model, int_persons_in_scope, says who the warehouse
# describes as of as_of_date (no deletion request, first seen by as_of_date); everything after
# identity reads it (ref, macro person_in_scope, generic test persons_in_scope).

SCOPE_MODEL = "models/intermediate/customers/int_persons_in_scope.sql"
# who else may name the deletion requests: int_persons (erasure after identity: no model built
# on it holds a deleted person), privacy_suppressions (it counts the requests), the membership
# history snapshot (its post-hook erases them from past rows, its yml test checks that) and the
# yml that describes the two models
READS_DELETION_REQUESTS = {
    SCOPE_MODEL,
    "models/intermediate/identity/int_persons.sql",
    "models/intermediate/customers/_customers__models.yml",
    "models/audiences/privacy_suppressions.sql",
    "snapshots/audience_memberships_history.sql",
    "snapshots/_snapshots.yml",
}
# "first seen by as_of_date", in any spelling of the comparison with as_of_at / as_of_date
SEEN_BY_AS_OF = re.compile(r"first_seen_(?:at|date)\s*(?:<|<=)\s*\(?\s*(?:select\s+)?[\w.]*as_of_(?:at|date)")


def scope_restatements(sources: dict[str, str]) -> list[str]:
    """Files (path -> text of the project's SQL and yml) that restate the persons-in-scope rule
    instead of reading int_persons_in_scope: naming the deletion requests, comparing first_seen
    with as_of, or reading int_persons after identity."""
    found = []
    for name, text in sorted(sources.items()):
        if name == SCOPE_MODEL:
            continue
        if "int_deleted_customer_keys" in text and name not in READS_DELETION_REQUESTS:
            found.append(f"{name}: names int_deleted_customer_keys")
        if SEEN_BY_AS_OF.search(text):
            found.append(f"{name}: compares first_seen with as_of")
        if not name.startswith("models/intermediate/identity/") and re.search(
            r"ref\(\s*[\'\"]int_persons[\'\"]\s*\)", text
        ):
            found.append(f"{name}: reads int_persons")
    return found


def test_the_scope_check_finds_each_restatement():
    sources = {
        SCOPE_MODEL: "select * from {{ ref('int_persons') }} where first_seen_at < as_of.as_of_at",
        "models/marts/a.sql": "where k not in (select k from {{ ref('int_deleted_customer_keys') }})",
        "models/marts/b.sql": "where (p.first_seen_at is null or p.first_seen_at < as_of.as_of_at)",
        "models/marts/c.yml": "expression: first_seen_date <= (select as_of_date from x)",
        "macros/d.sql": 'select customer_key from {{ ref("int_persons") }}',
        "models/intermediate/identity/int_x.sql": "select * from {{ ref('int_persons') }}",
        "models/marts/ok.sql": "from {{ ref('int_persons_in_scope') }} where {{ person_in_scope('k') }}",
    }
    assert scope_restatements(sources) == [
        "macros/d.sql: reads int_persons",
        "models/marts/a.sql: names int_deleted_customer_keys",
        "models/marts/b.sql: compares first_seen with as_of",
        "models/marts/c.yml: compares first_seen with as_of",
    ]


def test_persons_in_scope_are_defined_in_one_model():
    root = paths.project_dir()
    sources = {
        name: (root / name).read_text(encoding="utf-8")
        for name in tracked_files(
            "models/**", "macros/**", "snapshots/**", "tests/dbt/**", "python_models/**"
        )
        # unit test fixtures give the models' inputs, the rule is not written there
        if name.endswith((".sql", ".yml", ".py")) and not name.endswith("_unit_tests.yml")
    }
    assert SCOPE_MODEL in sources
    assert scope_restatements(sources) == []


# --- Layers run one way (issue 21): staging -> intermediate -> marts, restricted -> audiences.
# A model lives in the folder of the schema it writes; no staging or intermediate model reads a
# mart; a mart that reads another mart names it in its description.

LAYER = {"staging": 0, "intermediate": 1, "marts": 2, "restricted": 2, "semantic": 2, "audiences": 3}


def folder_schema(path: str) -> str | None:
    """The schema a model's folder writes (dbt_project.yml: +schema per folder under models/);
    the Python models (python_models/) are intermediate."""
    parts = path.split("/")
    if parts[0] == "models" and len(parts) > 2:
        return parts[1]
    if parts[0] == "python_models":
        return "intermediate"
    return None


def layer_problems(manifest: dict) -> list[str]:
    """Models whose configured schema is not their folder's, and refs against the layers: a model
    reads its own schema or earlier layers only (so no staging or intermediate model reads a
    mart, and marts and restricted do not read each other); a mart that reads another mart names
    it in its description."""
    nodes = manifest["nodes"]
    problems = []
    for _, node in sorted(nodes.items()):
        if node["resource_type"] != "model":
            continue
        name, schema, path = node["name"], node["schema"], node["original_file_path"]
        if folder_schema(path) != schema:
            problems.append(f"{name}: writes schema {schema} but lives in {path}")
        for dep_id in node["depends_on"]["nodes"]:
            dep = nodes.get(dep_id)
            if dep is None or dep["resource_type"] not in ("model", "snapshot"):
                continue
            dep_schema = dep["schema"]
            if dep_schema == schema:
                if schema == "marts" and dep["name"] not in node.get("description", ""):
                    problems.append(f"{name}: reads the mart {dep['name']}, its description does not say so")
            elif LAYER.get(dep_schema, 0) >= LAYER.get(schema, 0):
                problems.append(f"{name} ({schema}) reads {dep_schema}.{dep['name']}")
    return problems


def _model(name: str, schema: str, path: str, depends: list[str], description: str = "") -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "schema": schema,
        "original_file_path": path,
        "depends_on": {"nodes": depends},
        "description": description,
    }


def test_the_layer_check_finds_each_wrong_way():
    manifest = {
        "nodes": {
            "model.p.stg": _model("stg_x", "staging", "models/staging/raw/stg_x.sql", []),
            "model.p.profiles": _model("profiles", "marts", "models/marts/profiles.sql", ["model.p.stg"]),
            "model.p.rfm": _model("rfm", "marts", "models/marts/rfm.sql", []),
            "model.p.int_reads_mart": _model(
                "int_reads_mart", "intermediate", "models/intermediate/x/int_reads_mart.sql", ["model.p.rfm"]
            ),
            "model.p.stg_reads_mart": _model(
                "stg_reads_mart", "staging", "models/staging/raw/stg_reads_mart.sql", ["model.p.rfm"]
            ),
            "model.p.py": _model("py_reads_mart", "intermediate", "python_models/py.py", ["model.p.rfm"]),
            "model.p.int_in_audiences": _model(
                "int_in_audiences", "intermediate", "models/audiences/int_in_audiences.sql", []
            ),
            "model.p.wide": _model(
                "wide", "marts", "models/marts/wide.sql", ["model.p.profiles", "model.p.rfm"], "reads rfm"
            ),
            "model.p.documented": _model(
                "documented", "marts", "models/marts/documented.sql", ["model.p.rfm"], "the mart rfm"
            ),
            "model.p.contacts": _model("contacts", "restricted", "models/restricted/contacts.sql", []),
            "model.p.leaky_mart": _model(
                "leaky_mart", "marts", "models/marts/leaky_mart.sql", ["model.p.contacts"]
            ),
            "model.p.audience": _model(
                "audience", "audiences", "models/audiences/audience.sql", ["model.p.contacts", "model.p.rfm"]
            ),
        }
    }
    assert layer_problems(manifest) == [
        "int_in_audiences: writes schema intermediate but lives in models/audiences/int_in_audiences.sql",
        "int_reads_mart (intermediate) reads marts.rfm",
        "leaky_mart (marts) reads restricted.contacts",
        "py_reads_mart (intermediate) reads marts.rfm",
        "stg_reads_mart (staging) reads marts.rfm",
        "wide: reads the mart profiles, its description does not say so",
    ]


def test_layers_run_one_way(parsed_manifest):
    payload = json.loads((paths.project_dir() / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert layer_problems(payload) == []
