"""Examples for every command: the one source for the EXAMPLES section of `--help` and for
docs/cli.md (tests/test_help.py checks that every command has examples and that docs/cli.md
shows each of them verbatim).

Keys are the top-level command names of `COMMANDS`; each line is a full command line,
optionally followed by `  # comment`. A subcommand's help shows the lines that start with
its own path (`custinfo tag add`); a group's help shows them all. A new command adds its
lines here and in its docs/cli.md section.
"""

from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    "init": [
        "custinfo init --region CN",
        "custinfo init --region HK --currency HKD",
        "custinfo --db ~/shop/customers.db init",
    ],
    "add": [
        'custinfo add --name 张伟 --phone "138 0013 8000" --email zhang.wei@example.com --tag VIP',
        'custinfo add -n "Anna Müller" -p "+49 30 1234567" --city Berlin',
        "custinfo add --name 王小明 --set tier=金卡 --set points=1200  # custom fields",
    ],
    "show": [
        "custinfo show 42",
        "custinfo show 42 --format json",
    ],
    "edit": [
        'custinfo edit 1 --city 上海 --add-phone "+86 21 6234 5678"',
        'custinfo edit 1 --company ""  # clear a field',
        "custinfo edit 1 --set points=1500 --unset expires",
    ],
    "note": [
        'custinfo note 1 "回访：对价格满意"',
        "custinfo note 1 - < call-notes.txt",
        'custinfo note 1 "包装破损，要求换货" --kind complaint --direction in --ref T2026111188',
        'custinfo note 1 "回电确认地址" --kind call --direction out --at "2026-11-20 15:00"',
        'custinfo note resolve 17 "已补发"',
    ],
    "order": [
        'custinfo order add 1 --amount 299.00 --items "龙井 250g" --channel 淘宝 --ref T1188',
        "custinfo order add 1 --amount -12.50 --at 2026-11-20  # a refund",
        "custinfo order list 1",
        "custinfo order list --since 30d --channel 淘宝 --format csv > recent.csv",
        "custinfo order remove 345",
        "custinfo order import 淘宝订单.csv --channel 淘宝 --create-missing --rejects bad.csv",
        "custinfo order export --tag VIP --format ndjson > vip-orders.ndjson",
    ],
    "timeline": [
        "custinfo timeline 1",
        "custinfo timeline 1 --kind complaint --kind refund --since 6m",
        "custinfo timeline 1 --format json",
    ],
    "find": [
        "custinfo find 张伟  # name fragment",
        'custinfo find "138 0013 8000"  # phone typed any way',
        "custinfo find --phone 8000 --city 上海  # last four digits, in Shanghai",
        "custinfo find --email @example.com --format json",
        "custinfo find --tag VIP --not-tag wholesale --sort updated --limit 20",
        "custinfo find --consent sms-marketing:sms --tag VIP  # may get a marketing SMS",
        "custinfo find --spent-over 1000 --no-order-since 6m  # big spenders gone quiet",
        "custinfo find --kind complaint --status open --format ids",
        "custinfo find --where 'tier=金卡' --where 'points>=1000' --sort -field:points",
    ],
    "tag": [
        "custinfo find --city 上海 --format ids | custinfo tag add shanghai",
        "custinfo tag add VIP 12 17 23",
        "custinfo tag remove VIP - < ids.txt",
        "custinfo tag list",
        "custinfo tag rename vip VIP",
    ],
    "field": [
        "custinfo field add tier --type choice --label 会员等级 --choices 金卡,银卡,普通",
        "custinfo field add points --type number --label 积分",
        "custinfo field list",
        "custinfo field rename tier level --label 等级",
        "custinfo field choices tier --add 钻石卡 --remove 普通",
        "custinfo field remove points --yes",
    ],
    "followup": [
        "custinfo followup add 17 报价回访 --due +2d --kind call",
        "custinfo followup add 17 --due 2026-12-03T10:00 --kind visit --repeat 1m",
        'custinfo note 17 "电话报价" --kind call --follow-up +1w --follow-up-text 报价回访',
        'custinfo followup done 5 --note "谈妥了"',
        "custinfo followup snooze 5 tomorrow",
        "custinfo followup cancel 5",
        "custinfo followup list --due-before tomorrow",
    ],
    "keep-in-touch": [
        "custinfo find --tag VIP --format ids | custinfo keep-in-touch --every 30d",
        "custinfo keep-in-touch 17 23 --every 3m",
        "custinfo keep-in-touch 17 --off",
    ],
    "agenda": [
        "custinfo agenda  # overdue, today and the next 7 days",
        "custinfo agenda --days 7 --birthdays 14d --tag VIP",
        "custinfo agenda --days 30 --birthdays 1m --format ics > ~/Sync/custinfo.ics",
        "custinfo agenda --exit-code || echo 'something is overdue'",
    ],
    "import": [
        "custinfo import clients.csv --rejects bad.csv",
        "custinfo import 客户.csv --encoding gbk --dry-run",
        "custinfo import contacts.csv --map Mobile=phone --on-duplicate merge",
        "custinfo import 会员.csv --map 会员等级=field:tier --create-fields",
    ],
    "export": [
        "custinfo export -o customers.csv",
        "custinfo export --tag VIP --format vcard -o vip.vcf",
        "custinfo export --city 上海 --excel -o shanghai.csv",
    ],
    "dedupe": [
        "custinfo dedupe  # likely duplicates, with reasons",
        "custinfo dedupe --review",
        "custinfo dedupe --auto --min-score 0.99 --yes",
        "custinfo dedupe --also-compare field:member_no  # a custom field as evidence",
    ],
    "merge": [
        "custinfo merge 12 57  # 57 folds into 12, nothing lost",
        "custinfo merge 12 57 80 --yes",
    ],
    "unmerge": [
        "custinfo unmerge 12",
    ],
    "purge": [
        "custinfo purge 57 --dry-run",
        "custinfo purge 57 --yes",
        "custinfo purge --older-than 3y --tag lead --dry-run",
    ],
    "suppress": [
        "custinfo suppress list",
        "custinfo suppress matches",
    ],
    "backup": [
        "custinfo backup create --keep-daily 7",
        "custinfo backup list",
        "custinfo backup verify",
        "custinfo backup verify old-backup.db --passphrase-file old-pass.txt",
        "custinfo backup restore backups/customers-20261201T031700Z.db",
    ],
    "check": [
        "custinfo check",
    ],
    "report": [
        "custinfo report  # the overview: customers, growth, splits, revenue",
        "custinfo report overview --city 上海",
        "custinfo report growth --since 2025-01-01",
        "custinfo report value --tag VIP --as-of 2026-11-30",
        "custinfo report value --apply-tags rfm:  # segments as tags: find --tag rfm:重要价值客户",
        "custinfo report activity",
        "custinfo report quality --stale 12m --list --format ids | custinfo tag add to-verify",
        "custinfo report overview --format html -o report.html",
    ],
    "info": [
        "custinfo info",
        "custinfo info --format json",
    ],
    "subject": [
        "custinfo subject 42",
        "custinfo subject 42 --format json > subject-42.json",
    ],
    "purpose": [
        "custinfo purpose add sms-marketing --label 短信营销 --basis consent --retention 2y "
        "--from withdrawal",
        "custinfo purpose add orders --label 订单履行 --basis contract --retention 3y "
        "--from last-contact",
        "custinfo purpose list",
    ],
    "consent": [
        'custinfo consent give 42 sms-marketing --channel sms --method "门店纸质表 #0457"',
        "custinfo consent withdraw 42 sms-marketing",
        'custinfo consent withdraw --phone "138 0013 8000" sms-marketing  # opt-out by contact',
        "custinfo consent show 42",
        "custinfo consent import replies.csv --purpose sms-marketing --dry-run",
    ],
    "retention": [
        "custinfo retention check",
        "custinfo retention apply --dry-run",
        "custinfo retention apply --yes  # monthly, from cron",
    ],
    "audit": [
        "custinfo audit --since 7d",
        "custinfo audit --customer 42 --format json",
        "custinfo audit exports --customer 42  # which exports contained customer 42",
    ],
    "demo": [
        "custinfo demo",
        "custinfo demo --fast > tour.txt  # plain text, no pauses",
        "custinfo demo --count 1000 --keep",
    ],
    "config": [
        "custinfo config list",
        "custinfo config set db ~/shop/customers.db",
        "custinfo config set region US --in-db",
        "custinfo config get pager",
        "custinfo config path",
    ],
    "completion": [
        "custinfo completion bash > ~/.local/share/bash-completion/completions/custinfo",
        "custinfo completion zsh > ~/.zfunc/_custinfo",
        "custinfo completion fish > ~/.config/fish/completions/custinfo.fish",
    ],
    "passwd": [
        "custinfo passwd",
        "custinfo passwd --new-passphrase-file new-pass.txt",
    ],
}


def command_part(line: str) -> str:
    """The command of an example line, without its `# comment`."""
    return line.split("  # ", 1)[0].rstrip()


def for_command(path: str) -> list[str]:
    """Example lines for a command path (`find`, `tag add`): a subcommand's own lines, else
    all of its top-level command's."""
    top, _, sub = path.partition(" ")
    lines = EXAMPLES.get(top, [])
    if not sub:
        return lines
    own = [line for line in lines if f"custinfo {path}" in command_part(line)]
    return own or lines


def markdown() -> str:
    """The examples section of docs/cli.md (tests/test_help.py checks it is exactly this):
    `python -c "from custinfo.cli.examples import markdown; print(markdown(), end='')"`."""
    lines = [
        "## Examples",
        "",
        "The EXAMPLES of every command's `--help` (from `custinfo/cli/examples.py`).",
        "",
    ]
    for name, examples in EXAMPLES.items():
        lines += [f"### {name}", "", "```sh", *examples, "```", ""]
    return "\n".join(lines)
