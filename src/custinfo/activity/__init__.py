"""What customers bought and said: orders, typed interactions, the timeline.

- `orders`: validating and reading orders (`order add/list/remove/export`, `show`'s summary);
- `interactions`: typed interactions (`note --kind`, `note resolve`) and "last contact";
- `aggregates`: per-customer activity (order count, spent, last order, last contact),
  derived data kept in step by the write gate and used by the behaviour filters of `find`;
- `timeline`: one customer's interactions, orders and merges in time order.

Writes go through the write gate (`custinfo.store.orders`); this package never prints.
"""
