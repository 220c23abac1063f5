"""Erasure proven on the bytes: decrypt every page of the database file and its WAL ourselves.

SQLCipher 4 defaults: a 16-byte salt at the start of the file; key = PBKDF2-HMAC-SHA512
(passphrase, salt, 256000 iterations, 32 bytes); 4096-byte pages, each ending in an 80-byte
reserve (16-byte IV, then a 64-byte HMAC); page 1's encrypted region starts after the salt;
AES-256-CBC over the rest. WAL: 32-byte header, then frames of a 24-byte header + one page.
The decryptor is checked first by finding values that must be there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.conftest import PASSPHRASE

PAGE = 4096
RESERVE = 80
WAL_HEADER = 32
FRAME_HEADER = 24


def _key(path: Path) -> bytes:
    """The page key: a raw key (x'<64 hex>') is the key itself; a passphrase goes through
    SQLCipher 4's default PBKDF2 with the file's salt."""
    if PASSPHRASE.startswith("x'"):
        return bytes.fromhex(PASSPHRASE[2:66])
    salt = path.read_bytes()[:16]
    return hashlib.pbkdf2_hmac("sha512", PASSPHRASE.encode(), salt, 256000, 32)


def _decrypt_page(key: bytes, page: bytes, first: bool) -> bytes:
    start = 16 if first else 0
    iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
    body = page[start : PAGE - RESERVE]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def decrypted_pages(db: Path) -> list[bytes]:
    """Plaintext of every page of the main file and of every WAL frame (free pages too)."""
    key = _key(db)
    pages = []
    data = db.read_bytes()
    assert len(data) % PAGE == 0
    for index in range(len(data) // PAGE):
        pages.append(_decrypt_page(key, data[index * PAGE : (index + 1) * PAGE], index == 0))
    wal = Path(f"{db}-wal")
    if wal.exists():
        raw = wal.read_bytes()
        offset = WAL_HEADER
        while offset + FRAME_HEADER + PAGE <= len(raw):
            number = int.from_bytes(raw[offset : offset + 4], "big")
            page = raw[offset + FRAME_HEADER : offset + FRAME_HEADER + PAGE]
            pages.append(_decrypt_page(key, page, number == 1))
            offset += FRAME_HEADER + PAGE
    return pages


def _found(pages: list[bytes], value: str) -> bool:
    needle = value.encode()
    return any(needle in page for page in pages)


PURGED = {
    "name": "Purgatoria 欧阳锋",
    "phone": "13512345678",
    "email": "purgatoria.ouyang@example.org",
    "address": "77 Erasure Lane 忘却路",
    "company": "Vanishing Trading 消失贸易",
    "note": "secret-note-about-purgatoria 她喜欢红茶",
    "tag": "client-of-Dr-Purgatoria",  # a tag only the purged person has: it goes too
}
KEPT = {
    "name": "Keeperton 黄药师",
    "phone": "13698765432",
    "email": "keeperton.huang@example.org",
    "address": "5 Remain Road 留存路",
    "company": "Staying Goods 留存商行",
    "note": "kept-note-about-keeperton 喜欢绿茶",
    "tag": "client-of-Dr-Keeperton",
}


def _add(cli, person: dict[str, str], long_note: str) -> str:
    cid = cli.ok(
        "add", "--name", person["name"], "--phone", person["phone"], "--email",
        person["email"], "--address", person["address"], "--company", person["company"],
        "--note", person["note"], "--tag", "tea", "--tag", person["tag"],
    ).strip()  # fmt: skip
    cli.ok("note", cid, long_note)  # long enough for overflow pages
    cli.ok("edit", cid, "--city", "杭州")  # a second version of the row
    return cid


def test_purged_values_are_in_no_page_of_the_file_or_wal(cli, db: Path, store) -> None:
    # `store` keeps a second connection open (as another custinfo process would), so the
    # WAL is not folded away when each command closes: its frames are decrypted too.
    for i in range(30):  # some unrelated customers around them
        cli.ok("add", "--name", f"Filler {i}", "--phone", f"1370000{i:04d}")
    purged = _add(cli, PURGED, "overflow-purgatoria " * 400)
    _add(cli, KEPT, "overflow-keeperton " * 400)
    wal = Path(f"{db}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the writes are still in the WAL

    before = decrypted_pages(db)
    for value in [*PURGED.values(), *KEPT.values(), "overflow-purgatoria"]:
        assert _found(before, value), f"decryptor cannot see {value!r}: the test is broken"

    out = cli.ok("purge", purged, "--yes")
    assert out.startswith("purged 1 customer")

    after = decrypted_pages(db)
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed with TRUNCATE
    leaks = [v for v in [*PURGED.values(), "overflow-purgatoria"] if _found(after, v)]
    assert leaks == []
    for value in [*KEPT.values(), "overflow-keeperton"]:
        assert _found(after, value)  # the same decryption still sees the kept customer
    # Neither the purge journal nor the audit tombstone holds a value.
    journal = Path(f"{db}.purge-journal").read_bytes()
    for value in PURGED.values():
        assert value.encode() not in journal


def test_purged_values_gone_after_later_writes_reuse_pages(cli, db: Path) -> None:
    purged = _add(cli, PURGED, "overflow-purgatoria " * 400)
    cli.ok("purge", purged, "--yes")
    for i in range(20):  # freed pages get reused; nothing old may resurface in the WAL
        cli.ok("add", "--name", f"Later {i}")
    pages = decrypted_pages(db)
    assert _found(pages, "Later 19")
    assert [v for v in PURGED.values() if _found(pages, v)] == []


def test_bulk_purge_leaves_nothing_in_the_search_index(cli, db: Path, store, monkeypatch) -> None:
    """A sweep removes index entries in bulk (plain delete + optimize): still no trace."""
    from custinfo.search import index as search_index

    monkeypatch.setattr(search_index, "BULK_REMOVE", 1)
    for i in range(30):
        cli.ok("add", "--name", f"Filler {i}", "--phone", f"1370000{i:04d}")
    _add(cli, PURGED, "overflow-purgatoria " * 400)  # both tagged "tea"
    _add(cli, KEPT, "overflow-keeperton " * 400)
    before = decrypted_pages(db)
    assert _found(before, PURGED["name"]) and _found(before, "Filler 3")
    out = cli.ok("purge", "--tag", "tea", "--yes")
    assert out.startswith("purged 2 customers")
    after = decrypted_pages(db)
    # (The FTS index holds only 3-character fragments, which this byte search cannot tell
    # apart from anyone else's; its cleanliness rests on FTS5 'optimize' rewriting it.)
    values = [*PURGED.values(), *KEPT.values()]
    assert [v for v in values if _found(after, v)] == []
    assert _found(after, "Filler 29")
    (flag,) = store.conn.execute(
        "SELECT v FROM search_fts_config WHERE k = 'secure-delete'"
    ).fetchone()
    assert flag == 1  # back on for the per-document path


def test_every_record_kind_leaves_no_trace_in_any_page(db: Path, store) -> None:
    """Each declared record kind (`store.records.KINDS`), given a row with a unique marker,
    is erased by purge from every page of the file and the WAL."""
    from custinfo import validation
    from custinfo.privacy import purge
    from custinfo.store import records

    keep = store.add(validation.customer_input(name="Kinds Keeper", region="CN"))
    gone = store.add(validation.customer_input(name="Kinds Person", region="CN"))
    markers: dict[str, tuple[str, str]] = {}
    with store.write("test") as w:
        for index, kind in enumerate(records.KINDS):
            for cid, base in ((gone, 81726300), (keep, 81726400)):
                marker = f"{base + index:08d}"
                kind.insert(w.conn, cid, [kind.example(marker)])
                w.touch(kind.name, [cid])
                markers.setdefault(kind.name, ("", ""))
                pair = markers[kind.name]
                markers[kind.name] = (marker, pair[1]) if cid == gone else (pair[0], marker)
    before = decrypted_pages(db)
    for name, (purged, kept) in markers.items():
        assert _found(before, purged) and _found(before, kept), f"{name}: the test is broken"
    purge.purge(store, [gone], reason="test")
    after = decrypted_pages(db)
    for name, (purged, kept) in markers.items():
        assert not _found(after, purged), f"a purged {name} row survives in a page"
        assert _found(after, kept), name
