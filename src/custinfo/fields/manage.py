"""Declaring and changing custom fields (the core of `custinfo field ...`).

Each change is one unit of the write gate (`Store.write`) with one audit entry naming the
field (`field:KEY`); `remove` also records how many values it erased, never a value or a
customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from custinfo.fields import Field, check_key, check_label, check_type, parse_choices

if TYPE_CHECKING:
    from custinfo.store import Store


def add(store: Store, key: str, kind: str, *, label: str | None = None,
        choices: list[str] | str | None = None) -> Field:  # fmt: skip
    """Declare a field; a bad key or type, or a choice field without choices, is exit 2."""
    from custinfo.store import fields

    key, kind = check_key(key), check_type(kind)
    with store.write("field add") as w:
        return fields.declare(w, key, kind, check_label(label, key), parse_choices(choices))


def listing(store: Store) -> list[tuple[Field, int]]:
    """Every field in order with how many customers have a value."""
    from custinfo.store import fields

    counts = fields.counts(store.conn)
    return [(f, counts.get(f.id, 0)) for f in fields.catalog(store.conn)]


def rename(store: Store, key: str, new_key: str, *, label: str | None = None) -> Field:
    from custinfo.store import fields

    new_key = check_key(new_key, what="new key")
    with store.write("field rename") as w:
        return fields.rename(
            w, key, new_key, None if label is None else check_label(label, new_key)
        )


def change_choices(store: Store, key: str, *, add: list[str] | None = None,
                   remove: list[str] | None = None) -> Field:  # fmt: skip
    from custinfo.errors import UsageError
    from custinfo.store import fields

    added, removed = parse_choices(add), parse_choices(remove)
    if not added and not removed:
        raise UsageError("give --add CHOICE or --remove CHOICE")
    with store.write("field choices") as w:
        return fields.change_choices(w, key, added, removed)


def remove(store: Store, key: str) -> tuple[Field, int]:
    """Erase every value of the field and the field itself; (field, values erased)."""
    from custinfo.store import fields

    with store.write("field remove") as w:
        return fields.remove(w, key)


def holders(store: Store, key: str) -> tuple[Field, int]:
    """(field, customers with a value): what `field remove` would erase."""
    from custinfo.errors import NotFoundError
    from custinfo.store import fields

    found = fields.catalog(store.conn).find(key)
    if found is None:
        raise NotFoundError(f"no field {key!r} (see 'custinfo field list')")
    return found, fields.counts(store.conn).get(found.id, 0)
