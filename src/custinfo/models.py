"""Plain data objects passed between the core and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Field order of a customer in JSON, NDJSON and CSV output.
CUSTOMER_FIELDS = (
    "id",
    "name",
    "phones",
    "emails",
    "company",
    "address",
    "city",
    "birthday",
    "tags",
    "notes",
    "source",
    "created_at",
    "updated_at",
    "wechat",
    "qq",
    # Activity (derived from orders and interactions; `custinfo.activity.aggregates`).
    "order_count",
    "order_total",
    "last_order_at",
    "last_contact_at",
)


def no_orders() -> dict[str, Any]:
    """`Customer.orders_summary` of a customer without orders."""
    return {"count": 0, "totals": {}, "first_at": None, "last_at": None}


#: Single-valued text fields that `edit` can set or clear.
SCALAR_FIELDS = ("company", "address", "city", "birthday")


@dataclass(slots=True)
class Note:
    """A note or a typed interaction (kind call, visit, complaint, ...; `note` when plain)."""

    at: str
    text: str
    id: int | None = None
    kind: str = "note"
    direction: str | None = None  # in | out
    status: str | None = None  # open | resolved (complaints, service cases)
    ref: str | None = None
    resolved_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "text": self.text, "id": self.id, "kind": self.kind,
                "direction": self.direction, "status": self.status, "ref": self.ref,
                "resolved_at": self.resolved_at}  # fmt: skip


@dataclass(slots=True)
class Customer:
    id: int
    name: str
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    company: str | None = None
    address: str | None = None
    city: str | None = None
    birthday: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    source: str = "manual"
    created_at: str = ""
    updated_at: str = ""
    wechat: list[str] = field(default_factory=list)
    qq: list[str] = field(default_factory=list)
    order_count: int = 0
    order_total: str = "0.00"  # in the database currency, refunds subtracted
    last_order_at: str | None = None
    last_contact_at: str | None = None
    #: {"count", "totals": {currency: "2093.00"}, "first_at", "last_at"}
    orders_summary: dict[str, Any] = field(default_factory=lambda: no_orders())

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `show --format json`: the keys of CUSTOMER_FIELDS in that
        order, then `orders_summary`."""
        return {
            "id": self.id,
            "name": self.name,
            "phones": list(self.phones),
            "emails": list(self.emails),
            "company": self.company,
            "address": self.address,
            "city": self.city,
            "birthday": self.birthday,
            "tags": list(self.tags),
            "notes": [n.to_dict() for n in self.notes],
            "source": self.source,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "wechat": list(self.wechat),
            "qq": list(self.qq),
            "order_count": self.order_count,
            "order_total": self.order_total,
            "last_order_at": self.last_order_at,
            "last_contact_at": self.last_contact_at,
            "orders_summary": self.orders_summary,
        }


@dataclass(slots=True)
class Phone:
    """A validated phone: E.164 number plus an optional extension."""

    e164: str
    ext: str | None = None

    def __str__(self) -> str:
        return f"{self.e164} ext. {self.ext}" if self.ext else self.e164


@dataclass(slots=True)
class Email:
    """A validated email: normalised display form and its case-folded matching key."""

    address: str
    key: str

    def __str__(self) -> str:
        return self.address


@dataclass(slots=True)
class CustomerInput:
    """Validated values for a new customer (see `validation.customer_input`)."""

    name: str
    phones: list[Phone] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    company: str | None = None
    address: str | None = None
    city: str | None = None
    birthday: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)  # (kind, handle)
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, value, label)
