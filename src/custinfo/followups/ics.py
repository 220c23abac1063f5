"""The agenda as an RFC 5545 calendar (`agenda --format ics`), written with `icalendar`
(imported here only).

- a VTODO per follow-up (`UID:followup-<id>@custinfo`) and per customer due under
  keep-in-touch (`UID:keep-in-touch-<customer id>@custinfo`): `DUE` is a DATE for a
  follow-up without a time, a UTC DATE-TIME for a timed one; overdue ones get PRIORITY 1;
- a VEVENT per birthday (`UID:birthday-<customer id>@custinfo`): an all-day event on the
  coming birthday with a yearly RRULE (29 February: the last day of February).

UIDs are stable, so a calendar that subscribes to the file (or imports it again) updates
the entries instead of duplicating them. Only `DTSTAMP` changes from run to run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custinfo import times
from custinfo.followups.agenda import Agenda, Item
from custinfo.i18n import _

PRODID = "-//custinfo//agenda//EN"
DOMAIN = "custinfo"


def uid(item: Item) -> str:
    if item.reason == "birthday":
        return f"birthday-{item.customer_id}@{DOMAIN}"
    if item.followup_id is None:
        return f"keep-in-touch-{item.customer_id}@{DOMAIN}"
    return f"followup-{item.followup_id}@{DOMAIN}"


def summary(item: Item) -> str:
    if item.reason == "birthday":
        return _("Birthday: {name}").format(name=item.name)
    if item.reason == "keep-in-touch":
        return _("Keep in touch: {name}").format(name=item.name)
    return f"{item.kind} {item.name}" + (f": {item.text}" if item.text else "")


def calendar(agenda: Agenda, *, now: datetime | None = None) -> bytes:
    """The agenda's rows as an iCalendar file (CRLF lines, UTF-8)."""
    from icalendar import Calendar, Event, Todo

    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "custinfo")
    for item in agenda.items:
        if item.reason == "birthday":
            entry = Event()
            day = item.due.day
            entry.add("dtstart", day)
            entry.add("dtend", day + timedelta(days=1))
            rule: dict[str, object] = {"freq": "yearly"}
            if item.text.endswith("02-29"):
                rule |= {"bymonth": 2, "bymonthday": -1}
            entry.add("rrule", rule)
            entry.add("transp", "TRANSPARENT")
        else:
            entry = Todo()
            moment = times.from_stored(item.due.at) if item.due.at else None
            entry.add("due", moment if moment is not None else item.due.day)
            entry.add("status", "NEEDS-ACTION")
            if item.reason == "overdue":
                entry.add("priority", 1)
            if item.text:
                entry.add("description", item.text)
        entry.add("uid", uid(item))
        entry.add("dtstamp", stamp)
        entry.add("summary", summary(item))
        entry.add("categories", [item.reason])
        cal.add_component(entry)
    return cal.to_ical()
