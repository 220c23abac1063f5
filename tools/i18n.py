"""Update the gettext catalogue: extract, merge the translations, compile.

    python tools/i18n.py               # needs Babel (the test extra)

Extracts every `_()`/`N_()` message, both forms of every `plural()` noun and every help text
(docstrings, option help, example comments: `i18n_catalogue.everything`) from src/ into
src/custinfo/locale/custinfo.pot, rewrites zh_CN/LC_MESSAGES/custinfo.po keeping every
translation it has (messages no longer in the sources are dropped; new ones are listed and
left empty, so tests/test_i18n.py fails until they are translated in the .po) and compiles
custinfo.mo. Translate by editing the .po, then run this again.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tools"))


def main() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    from custinfo.i18n_catalogue import LOCALE, PO, everything, translations

    ZH = translations(PO) if PO.exists() else {}
    try:  # a bulk of new translations may come as a dict (tools/zh_CN.py, not committed)
        from zh_CN import ZH as NEW

        ZH.update(NEW)
    except ImportError:
        pass
    ZH = {k: v for k, v in ZH.items() if v}

    import datetime

    fixed = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)  # no churn between runs
    header = {"project": "custinfo", "charset": "utf-8", "creation_date": fixed,
              "revision_date": fixed, "copyright_holder": "the custinfo authors"}  # fmt: skip
    template = Catalog(**header)
    catalogue = Catalog(locale="zh_CN", fuzzy=False, **header)
    wanted = everything(ROOT / "src")  # the messages and every help text
    missing = []
    for message in wanted:
        template.add(message)
        catalogue.add(message, ZH.get(message, ""))
        if message not in ZH:
            missing.append(message)
    with open(LOCALE / "custinfo.pot", "wb") as handle:
        write_po(handle, template, omit_header=True, sort_output=True, width=100)
    po = LOCALE / "zh_CN" / "LC_MESSAGES" / "custinfo.po"
    with open(po, "wb") as handle:
        write_po(handle, catalogue, sort_output=True, width=100)
    with open(po.with_suffix(".mo"), "wb") as handle:
        write_mo(handle, catalogue)
    for message in missing:
        print(f"untranslated: {message!r}")
    print(f"{len(catalogue)} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
