"""The reasons of pairs in words: `birthday same … (+6.1)`, strongest first.

Built field by field over all pairs at once (one list of phrases per field, templates
translated once per call), then joined pair by pair: a dedupe run words ~15,000 pairs.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np

from custinfo.dedupe import compare
from custinfo.dedupe import normalize as nz
from custinfo.dedupe.compare import FIELDS, LEVELS
from custinfo.i18n import _

MINUS = "\u2212"


def fmt_weight(w: float) -> str:
    text = f"{w:+.1f}"
    return text.replace("-", MINUS)


def _name_words(t: Any, x: int, y: int, level: int, sim: float) -> str:
    na, nb = t.names[x], t.names[y]
    if level == compare.N_EXACT:
        return _("same name {name}").format(name=na)
    if level == compare.N_FORM:
        if nz.has_cjk(na) != nz.has_cjk(nb):
            return _("names {a} / {b} match by pinyin").format(a=na, b=nb)
        return _("names {a} / {b} match ignoring case, spacing and order").format(a=na, b=nb)
    if level in (compare.N_CLOSE, compare.N_NEAR):
        return _("names {a} / {b} {how} ({sim:.2f})").format(
            a=na, b=nb, how=_(LEVELS["name"][level]), sim=sim
        )
    if level in (compare.N_SURNAME, compare.N_GIVEN):
        return f"{_(LEVELS['name'][level])}: {na} / {nb}"
    if level == compare.N_SUBSET:
        return _("name part missing: {a} / {b}").format(a=na, b=nb)
    if level == compare.N_DIFF:
        return _("names differ: {a} / {b}").format(a=na, b=nb)
    return _("names {a} / {b} not comparable (another romanisation?)").format(a=na, b=nb)


def _email_words(t: Any, x: int, y: int, level: int) -> str:
    ex, ey = t.emails.get(x), t.emails.get(y)
    kx, ky = t.email_keys.get(x), t.email_keys.get(y)
    for addr_x, key_x in zip(ex, kx, strict=True):
        for addr_y, key_y in zip(ey, ky, strict=True):
            if level == 1 and key_x == key_y:
                if addr_x == addr_y:
                    return _("same email {email}").format(email=addr_x)
                return _("emails differ only in case: {a} / {b}").format(a=addr_x, b=addr_y)
            if level == 2 and nz.email_local(key_x) == nz.email_local(key_y):
                return _("same email name {local}@ ({a} / {b})").format(
                    local=nz.email_local(key_x), a=addr_x, b=addr_y
                )
    if level == 3:
        return _("emails one character apart: {a} / {b}").format(a=ex[0], b=ey[0])
    return _("emails differ")


def _phone_words(t: Any, x: int, y: int, level: int) -> str:
    if level == 1:
        shared = sorted(set(t.phones.get(x)) & set(t.phones.get(y)))
        return _("same phone {phones}").format(phones=", ".join(shared))
    px, py = t.phones.get(x)[:1], t.phones.get(y)[:1]
    a, b = (px[0] if px else ""), (py[0] if py else "")
    if level == 2:
        return _("phones one digit apart: {a} / {b}").format(a=a, b=b)
    return _("phones differ: {a} / {b}").format(a=a, b=b)


def _field_words(t: Any, f: str, levels: list[int], xs: list[int], ys: list[int], lv: Any) -> list:
    """The phrase of field f for each pair (None where the field is missing)."""
    pairs = zip(levels, xs, ys, strict=True)
    if f == "name":
        sims = lv.name_sim.tolist()
        return [
            _name_words(t, x, y, level, sims[i]) if level else None
            for i, (level, x, y) in enumerate(pairs)
        ]
    if f == "phone":
        return [_phone_words(t, x, y, level) if level else None for level, x, y in pairs]
    if f == "email":
        return [_email_words(t, x, y, level) if level else None for level, x, y in pairs]
    if f == "birthday":
        same = _("same birthday {date}").replace("{date}", "{a}")
        near = _("birthdays one digit apart or day/month swapped: {a} / {b}")
        return _value_words(pairs, t.birthdays, same, near, _("birthdays differ: {a} / {b}"))
    if f == "address":
        words = {1: _("same address"), 4: _("same street, other house number")}
        close, near = _("address close ({sim:.2f})"), _("address near ({sim:.2f})")
        differ = _("addresses differ")
        sims = lv.address_sim.tolist()
        return [
            None if not level
            else (close if level == 2 else near).format(sim=sims[i]) if level in (2, 3)
            else words.get(level, differ)
            for i, level in enumerate(levels)
        ]  # fmt: skip
    if f == "company":
        same, differ = _("same company"), _("companies differ")
        close = _("company close ({sim:.2f})")
        sims = lv.company_sim.tolist()
        return [
            None if not level else same if level == 1
            else close.format(sim=sims[i]) if level == 2 else differ
            for i, level in enumerate(levels)
        ]  # fmt: skip
    same = _("same city {city}").replace("{city}", "{a}")
    return _value_words(pairs, t.cities, same, _("cities close: {a} / {b}"),
                        _("cities differ: {a} / {b}"))  # fmt: skip


def _value_words(pairs: Any, values: list[str], same: str, close: str, differ: str) -> list:
    """Words of a field compared by its values: level 1 `same` ({a}), 2 `close`, else
    `differ` ({a} / {b}); level 0 (missing) None."""
    return [
        None if not level
        else same.format(a=values[x]) if level == 1
        else (close if level == 2 else differ).format(a=values[x], b=values[y])
        for level, x, y in pairs
    ]  # fmt: skip


def _hints(level: dict[str, np.ndarray]) -> list[str | None]:
    """The likely story of each pair, or None."""
    name, address = level["name"], level["address"]
    change = (name == compare.N_SURNAME) & ((level["birthday"] == 1) | np.isin(address, (1, 2)))
    moved = np.isin(address, (4, 5)) & ((level["phone"] == 1) | (level["email"] == 1))
    if not change.any() and not moved.any():
        return [None] * len(name)
    words = (None, _("name change?"), _("moved?"))
    return [words[k] for k in np.where(change, 1, np.where(moved, 2, 0)).tolist()]


def reasons(scorer: Any, pairs: list[tuple[int, int]], lv: Any) -> list[list[str]]:
    """See `score.reasons` (`lv`: the pairs' levels)."""
    t = scorer.t
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    ws = scorer.field_weights(lv, a, b)
    xs, ys = a.tolist(), b.tolist()
    words = [_field_words(t, f, lv.level[f].tolist(), xs, ys, lv) for f in FIELDS]
    weights = [ws[f].tolist() for f in FIELDS]
    extra = scorer.extra
    shown: dict[float, str] = {}  # a weight's text, formatted once
    first = itemgetter(0)
    out = []
    rows = zip(zip(*words, strict=True), zip(*weights, strict=True), _hints(lv.level), strict=True)
    for i, (row, values, hint) in enumerate(rows):
        weighted = [(v, w) for w, v in zip(row, values, strict=True) if w is not None]
        if extra is not None:
            weighted += extra.reasons(xs[i], ys[i])
        weighted.sort(key=first, reverse=True)  # stable: ties keep the field order
        items = []
        for v, w in weighted:
            text = shown.get(v) if v else None  # (0.0 and -0.0 are one key)
            if text is None:
                text = shown[v] = fmt_weight(v)
            items.append(f"{w} ({text})")
        if hint and items:
            items[-1] += f": {hint}"
        out.append(items)
    return out
