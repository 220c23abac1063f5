"""Follow-ups, keep-in-touch cadences and the daily agenda.

- `schedule`: WHEN and EVERY as people type them, the repeat and month-end rules;
- `core`: follow-ups (add, done, snooze, cancel, list) and cadences, through the write gate
  (`custinfo.store.followups`);
- `agenda`: what needs attention (overdue and coming follow-ups, customers due under
  keep-in-touch, birthdays), and `ics` the same as an RFC 5545 calendar;
- the find filters live in `custinfo.search.followups` (a planner source).

A cadence is not a stored timer: a customer is due when the last contact (the latest
interaction or order, `custinfo.activity.aggregates`) plus the cadence has passed, so
logging any interaction resets it by construction. This package never prints.
"""
