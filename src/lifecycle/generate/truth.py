"""What the generator knows and the data only implies: the true persons and their identifiers
(`_truth/persons.csv`, `_truth/identifiers.csv`), to check identity resolution and personas.

No random draws: it only reads what the other steps decided, so it runs last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import STR, concat, ids, take, text
from lifecycle.generate.behaviour import Behaviour
from lifecycle.generate.browsing import Devices
from lifecycle.generate.customers import Customers
from lifecycle.generate.privacy import Deletions
from lifecycle.generate.shop import Batch


@dataclass
class Truth:
    """The chunk's rows of `_truth/persons.csv` and `_truth/identifiers.csv`."""

    persons: pa.Table  # one row per person (customer, guest, anonymous visitor), by person_id
    identifiers: pa.Table  # every identifier a person really has, by person_id, type, value


def _flags(values: np.ndarray) -> pa.Array:
    """Booleans written as 'true'/'false'."""
    return take(["false", "true"], values.astype(np.int64))


def make_truth(
    batch: Batch,
    customers: Customers,
    behaviour: Behaviour,
    devices: Devices,
    guest_email: pa.Array,
    deletions: Deletions,
) -> Truth:
    """Persons P-C... (customers), P-G... (guests) and P-V... (anonymous-only visitors)."""
    n, cid = batch.n, batch.customer_id
    pid_c = concat("P-", cid)
    vg, gu = batch.numbers[devices.visitor] + 1, batch.numbers[devices.guest] + 1
    pid_v, pid_g = ids("P-V", vg, 7), ids("P-G", gu, 7)
    others = np.zeros(len(gu) + len(vg), dtype=bool)
    persons = pa.table(
        {
            "person_id": pa.concat_arrays([pid_c, pid_g, pid_v]),
            "kind": pa.concat_arrays(
                [
                    take(["customer"], np.zeros(n)),
                    take(["guest"], np.zeros(len(gu))),
                    take(["anonymous"], np.zeros(len(vg))),
                ]
            ),
            "customer_id": pa.concat_arrays([cid, pa.nulls(len(gu) + len(vg), STR)]),
            "has_deletion_request": _flags(
                np.concatenate([deletions.deleted, deletions.guest_deleted, np.zeros(len(vg), dtype=bool)])
            ),
            # behaviour traits, so persona rules can be checked against what was simulated
            "is_discount_prone": _flags(np.concatenate([behaviour.discount_prone, others])),
            "is_innovator": _flags(np.concatenate([behaviour.innovator, others])),
        }
    )
    person, id_type, value = [], [], []

    def add(p, kind, v):
        person.append(p)
        id_type.append(take([kind], np.zeros(len(p))))
        value.append(text(v))

    add(pid_c, "customer_id", cid)
    add(pid_c, "email", customers.email)
    has_phone = np.array([p is not None for p in customers.phone_e164])
    add(
        pc.filter(pid_c, pa.array(has_phone)),
        "phone",
        pc.filter(text(customers.phone_e164), pa.array(has_phone)),
    )
    anon, device_id, platform = devices.anon, devices.device_id, devices.platform
    for d in range(3):
        c = np.nonzero(devices.n_devices > d)[0]
        rows = 3 * c + d
        add(pc.take(pid_c, pa.array(c)), "anonymous_id", pc.take(anon, pa.array(rows)))
        app = platform[rows] > 0
        add(pc.take(pid_c, pa.array(c[app])), "device_id", pc.take(device_id, pa.array(rows[app])))
    add(pid_g, "email", guest_email)
    add(pid_g, "anonymous_id", pc.take(anon, pa.array(devices.guest_row)))
    add(pid_v, "anonymous_id", pc.take(anon, pa.array(devices.visitor_row)))
    app = platform[devices.visitor_row] > 0
    add(pc.filter(pid_v, pa.array(app)), "device_id", pc.take(device_id, pa.array(devices.visitor_row[app])))
    identifiers = pa.table(
        {
            "person_id": pa.concat_arrays(person),
            "id_type": pa.concat_arrays(id_type),
            "id_value": pa.concat_arrays(value),
        }
    )
    return Truth(
        persons=persons.sort_by([("person_id", "ascending")]),
        identifiers=identifiers.sort_by(
            [("person_id", "ascending"), ("id_type", "ascending"), ("id_value", "ascending")]
        ),
    )
