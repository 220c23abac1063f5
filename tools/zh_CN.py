"""Simplified Chinese translations, merged into the catalogue by `python tools/i18n.py`."""

ZH = {
    "      custinfo add --name NAME --phone PHONE   # or one by one":
        "      custinfo add --name 姓名 --phone 电话   # 或逐个添加",
    "(default: {value})": "（默认：{value}）",
    "(not shown at this width: {columns}; widen the terminal or use --format csv)":
        "（此宽度下未显示：{columns}；请加宽终端或使用 --format csv）",
    "(repeatable)": "（可重复）",
    "(see '{command} --help')": "（参见 '{command} --help'）",
    "0 ok, 1 failure, 2 usage or invalid input, 3 not found, 11 locked, 12 passphrase, "
    "13 integrity check failed, 130 interrupted.":
        "0 成功，1 失败，2 用法错误或输入无效，3 未找到，11 数据库被锁定，12 口令错误，"
        "13 完整性检查失败，130 已中断。",
    "A lost passphrase cannot be recovered: without it the database and every backup made "
    "with it are lost. Keep it in a password manager.":
        "口令丢失后无法找回：没有它，数据库和用它制作的所有备份都将无法打开。请把它保存在密码管理器中。",
    "Add a customer; prints the new id.": "添加客户；输出新的编号。",
    "Add, remove, list and rename tags.": "添加、移除、列出和重命名标签。",
    "Append a note to a customer's interaction log.": "在客户的沟通记录中追加一条备注。",
    "Arguments": "参数",
    "Backup folder.": "备份文件夹。",
    "Change fields of a customer.": "修改客户的字段。",
    "Change the passphrase of the database.": "修改数据库的口令。",
    "Check the integrity of the database.": "检查数据库的完整性。",
    "Command printing the passphrase (e.g. pass show shop).": "输出口令的命令（例如 pass show shop）。",
    "Commands": "命令",
    "Common options": "通用选项",
    "Create a new encrypted customer database.": "创建新的加密客户数据库。",
    "Create, list, verify and restore encrypted backups.": "创建、列出、校验和恢复加密备份。",
    "Currency of amounts (ISO 4217, e.g. CNY).": "金额的币种（ISO 4217，例如 CNY）。",
    "Data-subject access report: all held on a person.": "个人信息查阅报告：关于某人保存的全部信息。",
    "Database file.": "数据库文件。",
    "Did you mean {names}?": "您是想输入 {names} 吗？",
    "Erase customers completely (right to erasure).": "彻底删除客户（删除权）。",
    "Every option and output field: docs/cli.md; the user guide: docs/guide.md.":
        "所有选项和输出字段：docs/cli.md；用户指南：docs/guide.md。",
    "Examples": "示例",
    "Exit codes": "退出码",
    "Export customers as CSV, JSON, NDJSON or vCard.": "以 CSV、JSON、NDJSON 或 vCard 导出客户。",
    "Find customers by any scrap: name, phone, email, text.": "凭任何线索查找客户：姓名、电话、邮箱、文字。",
    "Find likely duplicate customers; review or merge them.": "查找可能重复的客户；逐个审阅或合并。",
    "Import customers from CSV, TSV, JSON or NDJSON.": "从 CSV、TSV、JSON 或 NDJSON 导入客户。",
    "Inspect the suppression list of erased contacts.": "查看已删除联系人的屏蔽名单。",
    "Language: en or zh_CN.": "界面语言：en 或 zh_CN。",
    "Learn more": "了解更多",
    "Merge customers into one, losing nothing.": "把多个客户合并为一个，不丢失任何信息。",
    "New passphrase: ": "新口令：",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Options": "选项",
    "Output format (default: a table on a terminal, else CSV).": "输出格式（默认：终端上为表格，否则为 CSV）。",
    "Pager for long tables (empty: none).": "长表格使用的分页程序（留空：不分页）。",
    "Passphrase: ": "口令：",
    "Print a shell completion script.": "输出 shell 自动补全脚本。",
    "Private file holding the passphrase (chmod 600).": "保存口令的私有文件（chmod 600）。",
    "Region for phones typed without +country.": "未带 +国家码 的电话所属的地区。",
    "Repeat new passphrase: ": "再次输入新口令：",
    "Repeat passphrase: ": "再次输入口令：",
    "Show and change settings (config file or database).": "查看和修改设置（配置文件或数据库）。",
    "Show everything about one customer.": "显示某位客户的全部信息。",
    "Show this help and exit.": "显示本帮助并退出。",
    "That passphrase has only {n} characters; use at least {min} (or add --force-weak).":
        "该口令只有 {n} 个字符；请至少使用 {min} 个（或加上 --force-weak）。",
    "The passphrase is empty; try again.": "口令为空；请重新输入。",
    "The two passphrases differ; try again.": "两次输入的口令不一致；请重新输入。",
    "Undo the last merge into a customer.": "撤销最近一次合并到该客户的操作。",
    "Usage": "用法",
    "Use 'custinfo {command}' (see 'custinfo {command} --help').":
        "请使用 'custinfo {command}'（参见 'custinfo {command} --help'）。",
    "Use '{path} COMMAND --help' for more about a command.": "使用 '{path} 命令 --help' 查看某个命令的详情。",
    "Walk through custinfo on a throwaway demo database.": "在临时演示数据库上体验 custinfo。",
    "[y/N]": "[y/N]",
    "another process has the database open; stop it (and cron jobs) and retry":
        "另一个进程正在使用数据库；请先停止它（以及定时任务）再重试",
    "backups made before keep the old passphrase: custinfo backup verify FILE "
    "--passphrase-file OLD-FILE":
        "之前制作的备份仍使用旧口令：custinfo backup verify 文件 --passphrase-file 旧口令文件",
    "cannot read config file {path}: {reason}": "无法读取配置文件 {path}：{reason}",
    "config file {path} holds a secret ({key!r}); remove it: custinfo never reads a passphrase "
    "from its config (use passphrase_command or passphrase_file)":
        "配置文件 {path} 中含有机密信息（{key!r}）；请删除它：custinfo 从不从配置文件读取口令"
        "（请使用 passphrase_command 或 passphrase_file）",
    "config file {path} is a directory": "配置文件 {path} 是一个目录",
    "config file {path} is not valid TOML: {reason}": "配置文件 {path} 不是有效的 TOML：{reason}",
    "config file {path}: {key} must be text in quotes": "配置文件 {path}：{key} 必须是带引号的文本",
    "created {path} (region {region})": "已创建 {path}（地区 {region}）",
    "custinfo: aborted; nothing changed": "custinfo：已取消；没有任何改动",
    "custinfo: customer information in a local encrypted database. Data goes to stdout, "
    "messages to stderr.":
        "custinfo：保存在本地加密数据库中的客户信息。数据输出到标准输出，提示信息输出到标准错误。",
    "custinfo: customer {old} was merged into {keep}": "custinfo：客户 {old} 已合并到 {keep}",
    "custinfo: error: {message}": "custinfo：错误：{message}",
    "custinfo: warning: unknown setting {key!r} in {path} (ignored)":
        "custinfo：警告：{path} 中有未知设置 {key!r}（已忽略）",
    "custinfo: warning: {message}": "custinfo：警告：{message}",
    "disk is full: nothing was saved": "磁盘已满：没有保存任何内容",
    "internal error ({name}); set CUSTINFO_DEBUG=1 for details":
        "内部错误（{name}）；设置 CUSTINFO_DEBUG=1 查看详情",
    "interrupted; nothing half-saved": "已中断；没有保存一半的数据",
    "next: custinfo import FILE      # your customers from a CSV or Excel file":
        "下一步：custinfo import 文件      # 从 CSV 或 Excel 文件导入客户",
    "no database at {path} (create one with 'custinfo init')":
        "{path} 没有数据库（用 'custinfo init' 创建一个）",
    "no new passphrase and no terminal to ask on: {hint}": "没有新口令，也没有可询问的终端：{hint}",
    "no new passphrase given; nothing changed": "没有输入新口令；没有任何改动",
    "no passphrase and no terminal to ask on: {hint}": "没有口令，也没有可询问的终端：{hint}",
    "options": "选项",
    "passphrase changed for {path} (checked: {tables} tables)":
        "已修改 {path} 的口令（已检查 {tables} 张表）",
    "refusing to store a secret in the config file": "拒绝在配置文件中保存机密信息",
    "text encoding problem: {reason}": "文本编码问题：{reason}",
    "the new passphrase has only {n} characters; use at least {min}, or add --force-weak":
        "新口令只有 {n} 个字符；请至少使用 {min} 个，或加上 --force-weak",
    "the new passphrase is the same as the current one; nothing changed":
        "新口令与当前口令相同；没有任何改动",
    "the passphrase was changed but the check of {path} failed; the new passphrase is in "
    "effect: run 'custinfo check'":
        "口令已修改，但 {path} 的检查未通过；新口令已生效：请运行 'custinfo check'",
    "the passphrases do not match": "两次输入的口令不一致",
    "the value is empty": "值为空",
    "unknown currency {value!r}: use an ISO 4217 code like CNY, USD or EUR":
        "未知币种 {value!r}：请使用 ISO 4217 代码，如 CNY、USD 或 EUR",
    "unknown language {value!r}: use en or zh_CN": "未知语言 {value!r}：请使用 en 或 zh_CN",
    "unknown setting {name!r}: one of {known}": "未知设置 {name!r}：可用的有 {known}",
    "your {source} still sets {key} = {value}, which wins for you":
        "您的 {source} 仍设置了 {key} = {value}，对您而言它优先",
    "{key} = {value} in {path}": "{key} = {value}（{path}）",
    "{key} is not set": "{key} 未设置",
    "{key} is not stored in the database": "{key} 不保存在数据库中",
    "{key} removed from {path}": "已从 {path} 删除 {key}",
    "{path} already exists; refusing to overwrite it": "{path} 已存在；拒绝覆盖",
    "{what} needs confirmation: run it on a terminal or add --yes":
        "{what} 需要确认：请在终端上运行，或加上 --yes",
    "{more} more matched (showing the first {page}); use --limit N, or pipe the output to get "
    "every match":
        "另有 {more} 个匹配（只显示前 {page} 个）；使用 --limit N，或通过管道输出获取全部匹配",
    "no customer matched": "没有匹配的客户",
}
