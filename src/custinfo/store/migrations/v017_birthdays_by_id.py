"""v17: the month-day index of birthdays in customer-id order within each day.

`customers_birthday_md` (v011) kept a day's entries in (birthday, name) order, so the
agenda sorted every day's birthdays by customer id after reading them (5 ms of the 28k
birthdays of a fortnight at 1M customers). `customers_birthday_day` (month-day, id, name,
birthday) gives them in id order and still covers the agenda's reads and the ranges of
`find --birthday-within`.

Self-contained and idempotent (IF NOT EXISTS / IF EXISTS): nothing else depends on this
number.
"""

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS customers_birthday_day "
    "ON customers(substr(birthday, -5), id, name, birthday) WHERE birthday IS NOT NULL",
    "DROP INDEX IF EXISTS customers_birthday_md",
]
