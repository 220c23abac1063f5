"""The guided tour of `custinfo demo`: a list of steps over a throwaway database.

Each step is a function of a `Tour` (the runner lives in `cli/cmd_demo.py`): `t.run(...)`
runs a real custinfo command in this process through the public CLI and shows
`$ custinfo ...` with its output (it returns the command's stdout), `t.pipe(...)` shows a
pipeline of two commands, `t.say(text)` a line of its own, `t.head(path)` the first lines
of a file the tour wrote, and `t.ids` holds what earlier steps found (`new`: the customer
`add` created; `keep`, `other`: the pair dedupe found and merge joined). Steps run in the
order they are defined here, then the closing NEXT_STEPS.

Adding a step when a feature lands is one decorated function, placed where it belongs:

    @step(N_("Orders and the timeline"), N_("Every order stays with its customer."))
    def orders(t: Tour) -> None:
        t.run("order", "add", t.ids["new"], "--amount", "128.00")
        t.run("timeline", t.ids["new"])

Messages are marked `N_` (the catalogue translates them where they are shown). Only
`custinfo demo` imports this module: the synthetic data (and Faker) stay off the path of
every real command.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from custinfo.i18n import N_, _, plural

SAMPLE = "客户.csv"
#: The headers of the sample file, as a Chinese shop's spreadsheet has them.
CSV_HEADERS = ["姓名", "手机", "邮箱", "公司", "地址", "城市", "生日", "标签", "备注"]
#: Two records of one person (different phone, no email on the second: import cannot tell,
#: dedupe can) and one row with a phone that cannot be right (it goes to the rejects file).
PLANTED = [
    ["陈静", "138 1234 0001", "chen.jing@example.com", "静雅花艺工作室",
     "上海市静安区南京西路1266号", "上海", "1988-03-12", "VIP", "喜欢白玫瑰"],
    ["陈静", "021 6234 5678", "", "静雅花艺", "上海市静安区南京西路1266号",
     "上海", "1988-03-12", "", "电话订花"],
    ["刘洋", "12345", "liu.yang@example.com", "", "", "北京", "", "", ""],
]  # fmt: skip


class Tour(Protocol):
    """What a step can do (implemented by the runner of `custinfo demo`)."""

    workdir: Path  # the current directory while the tour runs
    count: int  # how many synthetic customers the sample file gets
    ids: dict[str, str]

    def say(self, text: str) -> None: ...

    def run(self, *argv: str, stdin: str | None = None, show: bool = True) -> str: ...

    def pipe(self, first: list[str], second: list[str]) -> str: ...

    def head(self, path: Path, lines: int = 4) -> None: ...


@dataclass(frozen=True)
class Step:
    title: str  # N_() message
    why: str  # N_() message: one or two sentences shown under the title
    run: Callable[[Tour], None]


STEPS: list[Step] = []


def step(title: str, why: str) -> Callable[[Callable[[Tour], None]], Callable[[Tour], None]]:
    """Append the decorated function to STEPS."""

    def register(function: Callable[[Tour], None]) -> Callable[[Tour], None]:
        STEPS.append(Step(title, why, function))
        return function

    return register


def write_sample(path: Path, count: int, *, seed: int = 7) -> int:
    """A CSV as Excel saves it in China (GBK, Chinese headers): `count` synthetic customers
    (those GBK can encode) and the PLANTED rows; created 0600. Returns the number of rows."""
    rows: list[list[str]] = []
    if count:  # the generator builds its pools with Faker first (~1 s)
        from custinfo.demo.synth import csv_row, generate

        rows = [csv_row(record) for record in generate(count, seed=seed)]
    rows = [row for row in rows if _gbk(row)]
    rows[len(rows) // 3 : len(rows) // 3] = PLANTED[:1]
    rows[len(rows) // 2 : len(rows) // 2] = PLANTED[1:2]
    rows.append(PLANTED[2])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(CSV_HEADERS)
        writer.writerows(rows)
    return len(rows)


def _gbk(row: list[str]) -> bool:
    try:
        "".join(row).encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


# -- the steps ------------------------------------------------------------------------------
@step(
    N_("Create the encrypted database"),
    N_("One SQLCipher file, readable only by you (0600). The demo's passphrase is random."),
)
def create(t: Tour) -> None:
    t.run("init", "--region", "CN")


@step(
    N_("Import a spreadsheet: Chinese headers, saved by Excel in GBK"),
    N_("custinfo finds the encoding and the columns itself. A row it cannot take goes to "
       "the rejects file with the reason; nothing else is lost."),
)  # fmt: skip
def import_file(t: Tour) -> None:
    rows = write_sample(t.workdir / SAMPLE, t.count)
    t.say(_("wrote {file}: {rows}, GBK").format(file=SAMPLE, rows=plural(rows, "row")))
    t.run("import", SAMPLE, "--rejects", "rejects.csv")
    t.head(t.workdir / "rejects.csv", 2)


@step(
    N_("Add a customer, then find them again"),
    N_("Phones are stored in one form (E.164), so a number typed another way still finds "
       "its customer; emails are checked."),
)  # fmt: skip
def add_and_find(t: Tour) -> None:
    t.ids["new"] = t.run(
        "add", "--name", "王小明", "--phone", "139 1234 5678", "--email",
        "Xiaoming.Wang@Example.COM", "--city", "上海", "--company", "明辉贸易有限公司",
        "--tag", "VIP", "--note", "首次到店，对新品感兴趣",
    ).strip()  # fmt: skip
    t.run("find", "小明", "--limit", "5")
    t.run("find", "+86 139-1234-5678")
    t.run("show", t.ids["new"])
    t.run("show", t.ids["new"], "--format", "json")


@step(
    N_("Orders, a logged call and the timeline"),
    N_("Amounts are exact (integer fen); notes can be typed interactions; the timeline puts "
       "everything about a customer in order."),
)  # fmt: skip
def orders(t: Tour) -> None:
    new = t.ids["new"]
    t.run("order", "add", new, "--amount", "299.00", "--items", "西湖龙井 250g",
          "--channel", "门店")  # fmt: skip
    t.run("note", new, "问新品到货时间", "--kind", "call", "--direction", "in")
    t.run("timeline", new)
    t.run("find", "--spent-over", "100", "--limit", "5")


@step(
    N_("A follow-up and the daily agenda"),
    N_("What to do next for a customer, and who needs attention today; cron can run the "
       "agenda every morning or write it as a calendar file."),
)  # fmt: skip
def agenda(t: Tour) -> None:
    t.run("followup", "add", t.ids["new"], "新品到货回电", "--due", "tomorrow", "--kind", "call")
    t.run("agenda", "--days", "7")


@step(
    N_("Tag a selection in one pipeline"),
    N_("Lists go to a pipe as plain ids or CSV, so commands combine."),
)
def tags(t: Tour) -> None:
    t.pipe(["find", "--city", "上海", "--format", "ids"], ["tag", "add", "shanghai"])
    t.run("tag", "list")


@step(
    N_("Find duplicates, merge one pair, undo it"),
    N_("Each group comes with its reasons. A merge loses nothing, and unmerge gives back "
       "exactly what was there."),
)  # fmt: skip
def duplicates(t: Tour) -> None:
    import json

    t.run("dedupe", "--city", "上海", "--min-score", "0.9")
    groups = json.loads(t.run("dedupe", "--city", "上海", "--min-score", "0.9",
                              "--format", "json", show=False))  # fmt: skip
    keep, other = (str(i) for i in sorted(groups[0]["ids"])[:2])
    t.ids.update(keep=keep, other=other)
    t.run("merge", keep, other, "--yes")
    t.run("unmerge", keep)


@step(
    N_("Export for a spreadsheet and for phones"),
    N_("CSV for Excel and scripts, vCard for a phone's contacts; files are created 0600."),
)
def export(t: Tour) -> None:
    t.run("export", "--tag", "VIP", "-o", "vip.csv")
    t.head(t.workdir / "vip.csv", 3)
    t.run("export", "--tag", "VIP", "--format", "vcard", "-o", "vip.vcf")
    t.head(t.workdir / "vip.vcf", 8)


@step(
    N_("Erase a customer completely"),
    N_("First the dry run says what would go; then purge erases every trace, and the "
       "phone and email are suppressed so an old file cannot bring them back."),
)  # fmt: skip
def purge(t: Tour) -> None:
    t.run("purge", t.ids["other"], "--dry-run")
    t.run("purge", t.ids["other"], "--yes")


@step(
    N_("A report on the business"),
    N_("Customers, growth, splits and revenue at a glance; every report takes the find "
       "filters, and --format html -o FILE writes one page to share."),
)  # fmt: skip
def report(t: Tour) -> None:
    t.run("report", "overview")


@step(
    N_("Back up, list, verify"),
    N_("A backup is an encrypted, verified snapshot; run 'backup create' daily from cron."),
)
def backup(t: Tour) -> None:
    t.run("backup", "create")
    t.run("backup", "list")
    t.run("backup", "verify")


NEXT_STEPS = [
    (N_("Next, with your own data:"), ""),
    ("custinfo init", N_("your database (choose a passphrase and keep it safe)")),
    ("custinfo import clients.csv --rejects bad.csv", N_("your customers, from Excel or WPS")),
    ("custinfo find 张", N_("any scrap: name, phone, email, note")),
    ("custinfo backup create --keep-daily 7", N_("every day, e.g. from cron")),
    ("custinfo completion bash", N_("TAB completion (see docs/guide.md)")),
    ("custinfo COMMAND --help", N_("every command, with examples")),
]
