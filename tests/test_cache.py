"""The disk cache: keyed by content and code, skipped when it cannot be used."""

from __future__ import annotations

from pipeline import cache


def test_a_key_changes_with_any_of_its_sources():
    assert cache.key(b"a", b"b") == cache.key(b"a", b"b")
    assert cache.key(b"a", b"b") != cache.key(b"a", b"c")
    assert cache.key(b"ab", b"") != cache.key(b"a", b"b")  # the sources are not just joined


def test_remember_makes_once_then_reads_back(tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path))
    calls = []

    def make():
        calls.append(1)
        return {"value": 1}

    assert cache.remember("kind", "entry", dict, make) == {"value": 1}
    assert cache.remember("kind", "entry", dict, make) == {"value": 1}
    assert len(calls) == 1
    assert [p.name for p in (tmp_path / "kind").iterdir()] == ["entry.pickle"]


def test_an_entry_of_the_wrong_type_or_broken_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path))
    cache.store("kind", "entry", ["not", "a", "dict"])
    assert cache.remember("kind", "entry", dict, lambda: {"fresh": True}) == {"fresh": True}
    (tmp_path / "kind" / "entry.pickle").write_bytes(b"\x80\x05garbage")
    assert cache.load("kind", "entry") is None


def test_off_or_unwritable_means_no_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", "off")
    assert cache.cache_dir("kind") is None
    cache.store("kind", "entry", 1)  # silently nothing
    assert cache.load("kind", "entry") is None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("TPE_REPORT_CACHE", str(blocked))
    cache.store("kind", "entry", 1)
    assert cache.load("kind", "entry") is None


def test_a_write_that_fails_midway_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path))

    def disk_full(value, handle, protocol):
        handle.write(b"\x80\x05 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.pickle, "dump", disk_full)
    cache.store("kind", "entry", 1)  # silently nothing
    assert list((tmp_path / "kind").iterdir()) == []
