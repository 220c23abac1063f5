"""A small fixed shop for the report tests, with every number computed by hand.

Time zone Asia/Shanghai (UTC+8, no daylight saving), reports as of 2026-11-30, database
currency CNY. Six customers; orders and interactions in local time:

| id | name | created    | source   | city | tags | phone       | email          |
|----|------|------------|----------|------|------|-------------|----------------|
| 1  | 王芳 | 2026-11-05 | manual   | 上海 | VIP  | 13800138001 |                |
| 2  | 李伟 | 2026-10-10 | manual   | 北京 |      | 13800138002 | li@example.com |
| 3  | Anna | 2025-06-01 | manual   | 上海 | VIP  |             | anna@example.com |
| 4  | 张伟 | 2026-11-20 | manual   | 上海 |      | 13800138001 |                |
| 5  | Bob  | 2024-01-15 | old.csv  |      |      |             |                |
| 6  | 陈静 | 2026-03-03 | shop.csv | 广州 |      |             | li@example.com |

Orders: 1: ¥300 2026-06-15 10:00, ¥200 2026-10-01 00:00 (UTC: still September),
¥100 2026-11-28 10:00; 2: ¥50 2026-11-30 00:00, refund -¥20 2026-11-30 12:00;
3: ¥999 2024-11-30 23:59 (just outside the 2-year RFM window), ¥1000 2025-12-01 09:00,
US$10 2026-05-05 12:00; 4: ¥100 2026-11-29 23:30; 6: US$80 2026-01-10 12:00.

Interactions: 1 call 2026-11-02; 2 complaint 2026-11-20 (open), complaint 2026-09-01
(resolved); 3 service 2026-07-01 (open); 4 visit 2026-10-15. Notes: 1 "备注: 老客户"
(manual: not an import column), 6 "会员等级: 金卡" (imported: an unmapped column).
"""

from __future__ import annotations

from pathlib import Path

from custinfo import times, validation
from custinfo.models import CustomerInput
from custinfo.store import Store
from custinfo.store.orders import OrderRow, insert_orders

AS_OF = "2026-11-30"
TZ = "Asia/Shanghai"

CUSTOMERS = [
    ("王芳", "2026-11-05", "manual", "上海", ["VIP"], ["13800138001"], []),
    ("李伟", "2026-10-10", "manual", "北京", [], ["13800138002"], ["li@example.com"]),
    ("Anna", "2025-06-01", "manual", "上海", ["VIP"], [], ["anna@example.com"]),
    ("张伟", "2026-11-20", "manual", "上海", [], ["13800138001"], []),
    ("Bob", "2024-01-15", "old.csv", None, [], [], []),
    ("陈静", "2026-03-03", "shop.csv", "广州", [], [], ["li@example.com"]),
]
ORDERS = [
    (1, "2026-06-15 10:00", "300", "CNY"), (1, "2026-10-01 00:00", "200", "CNY"),
    (1, "2026-11-28 10:00", "100", "CNY"), (2, "2026-11-30 00:00", "50", "CNY"),
    (2, "2026-11-30 12:00", "-20", "CNY"), (3, "2024-11-30 23:59", "999", "CNY"),
    (3, "2025-12-01 09:00", "1000", "CNY"), (3, "2026-05-05 12:00", "10", "USD"),
    (4, "2026-11-29 23:30", "100", "CNY"), (6, "2026-01-10 12:00", "80", "USD"),
]  # fmt: skip
INTERACTIONS = [
    (1, "2026-11-02 10:00", "call", None), (2, "2026-11-20 10:00", "complaint", "open"),
    (2, "2026-09-01 10:00", "complaint", "resolved"), (3, "2026-07-01 10:00", "service", "open"),
    (4, "2026-10-15 10:00", "visit", None),
]  # fmt: skip
NOTES = [(1, "备注: 老客户"), (6, "会员等级: 金卡")]


def build(path: Path, key: bytes) -> None:
    """Create the shop at `path` (call with TZ set to `TZ`)."""
    from custinfo.money import parse_amount

    with Store.create(path, key, region="CN") as store, store.write("test shop") as w:
        ids = []
        for name, created, source, city, tags, phones, emails in CUSTOMERS:
            customer = CustomerInput(
                name=name, city=city, tags=tags,
                phones=[validation.normalize_phone(p, "CN") for p in phones],
                emails=[validation.normalize_email(e) for e in emails],
            )  # fmt: skip
            ids.append(w.add_customer(customer, source=source, at=times.moment(created, "at")))
        insert_orders(w, [
            OrderRow(ids[c - 1], times.moment(at, "at"), parse_amount(amount, cur), cur)
            for c, at, amount, cur in ORDERS
        ])  # fmt: skip
        for c, at, kind, status in INTERACTIONS:
            w.add_note(ids[c - 1], f"{kind} test", at=times.moment(at, "at"), kind=kind,
                       status=status)  # fmt: skip
        for c, text in NOTES:
            w.add_note(ids[c - 1], text, at=times.moment("2026-11-01", "at"))
