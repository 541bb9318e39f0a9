"""The disk cache: keyed by content and code, JSON data only, used only from a private folder."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2.bccache import bc_magic

from pipeline import cache

from .conftest import SAMPLE_INPUTS

BUILD = "from pipeline import build; import sys; sys.exit(0 if build(sys.argv[1], sys.argv[2]).output else 3)"


class Planted:
    """A pickle that, when loaded, leaves a file behind: the proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


def _build_in_new_process(cache_root: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TPE_REPORT_CACHE=str(cache_root))
    return subprocess.run(
        [sys.executable, "-c", BUILD, str(SAMPLE_INPUTS), str(out)], env=env, capture_output=True, text=True
    )


@pytest.fixture
def private(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("TPE_REPORT_CACHE", str(folder))
    return folder


def test_a_key_changes_with_any_of_its_sources():
    assert cache.key(b"a", b"b") == cache.key(b"a", b"b")
    assert cache.key(b"a", b"b") != cache.key(b"a", b"c")
    assert cache.key(b"ab", b"") != cache.key(b"a", b"b")  # the sources are not just joined


def test_remember_makes_once_then_reads_back_as_json(private):
    calls = []

    def make():
        calls.append(1)
        return {"value": [1, "二"]}

    assert cache.remember("kind", "entry", dict, make) == {"value": [1, "二"]}
    assert cache.remember("kind", "entry", dict, make) == {"value": [1, "二"]}
    assert len(calls) == 1
    [entry] = (private / "kind").iterdir()
    assert entry.name == "entry.json" and entry.read_text(encoding="utf-8") == '{"value":[1,"二"]}'


def test_an_entry_of_the_wrong_type_or_broken_is_made_again(private):
    cache.store("kind", "entry", ["not", "a", "dict"])
    assert cache.remember("kind", "entry", dict, lambda: {"fresh": True}) == {"fresh": True}
    (private / "kind" / "entry.json").write_bytes(b'{"cut sh')
    assert cache.load("kind", "entry") is None


def test_an_object_may_be_kept_as_a_pickle_in_the_private_folder(private):
    cache.store("kind", "entry", {"a": (1, 2)}, pickled=True)
    assert cache.load("kind", "entry", pickled=True) == {"a": (1, 2)}
    assert [p.name for p in (private / "kind").iterdir()] == ["entry.pickle"]
    assert cache.load("kind", "entry") is None  # a JSON load never reads a pickle


def test_data_that_json_would_change_is_not_kept(private):
    cache.store("kind", "numbers", {1: "a"})  # JSON would make the key "1"
    cache.store("kind", "tuple", {"a": (1, 2)})  # … and the tuple a list
    cache.store("kind", "date", {"a": __import__("datetime").date(2020, 1, 1)})
    assert list((private / "kind").iterdir()) == []


def test_off_or_unwritable_means_no_disk_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TPE_REPORT_CACHE", "off")
    assert cache.cache_dir("kind") is None
    cache.store("kind", "entry", 1)  # silently nothing
    assert cache.load("kind", "entry") is None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("TPE_REPORT_CACHE", str(blocked))
    cache.store("kind", "entry", 1)
    assert cache.load("kind", "entry") is None
    assert capsys.readouterr().err == ""  # nothing unsafe: no notice


def test_a_write_that_fails_midway_leaves_no_temporary_file(private, monkeypatch):
    def disk_full(fd, mode):
        os.write(fd, b'{"half')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "fdopen", disk_full)
    cache.store("kind", "entry", {"a": 1})  # silently nothing
    assert list((private / "kind").iterdir()) == []


def test_a_new_cache_folder_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path / "new" / "cache"))
    folder = cache.cache_dir("forms")
    assert folder == tmp_path / "new" / "cache" / "forms"
    for made in (folder, folder.parent):
        assert made.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    ("mode", "kind_mode"),
    [(0o777, 0o700), (0o770, 0o700), (0o700, 0o777)],
    ids=["writable-by-others", "writable-by-group", "kind-folder-writable-by-others"],
)
def test_a_folder_others_can_write_is_not_used_and_says_so_once(tmp_path, monkeypatch, capsys, mode, kind_mode):
    folder = tmp_path / "shared"
    (folder / "forms").mkdir(parents=True)
    folder.chmod(mode)
    (folder / "forms").chmod(kind_mode)
    (folder / "forms" / "entry.json").write_text('{"planted": true}')
    monkeypatch.setenv("TPE_REPORT_CACHE", str(folder))
    monkeypatch.setitem(cache._NOTICE, "shown", False)
    assert cache.cache_dir("forms") is None
    assert cache.load("forms", "entry") is None
    assert cache.remember("forms", "entry", dict, lambda: {"made": True}) == {"made": True}
    assert (folder / "forms" / "entry.json").read_text() == '{"planted": true}'  # not replaced either
    err = capsys.readouterr().err
    assert err.count("注意：快取資料夾") == 1 and "其他使用者" in err and "TPE_REPORT_CACHE" in err


def test_a_link_in_place_of_a_kind_folder_is_not_followed(tmp_path, monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (elsewhere / "entry.json").write_text('{"planted": true}')
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    (folder / "forms").symlink_to(elsewhere)
    monkeypatch.setenv("TPE_REPORT_CACHE", str(folder))
    monkeypatch.setitem(cache._NOTICE, "shown", False)
    assert cache.load("forms", "entry") is None
    assert "符號連結" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a folder away needs root")
def test_a_folder_of_another_user_is_not_used(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 12345, 12345)
    monkeypatch.setenv("TPE_REPORT_CACHE", str(folder))
    monkeypatch.setitem(cache._NOTICE, "shown", False)
    assert cache.cache_dir("forms") is None
    assert "不屬於目前的使用者" in capsys.readouterr().err


def test_a_planted_entry_in_a_folder_writable_by_others_is_not_loaded(tmp_path):
    """The attack of the issue: entries planted where another user can write never run."""
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o700)
    first = _build_in_new_process(shared, tmp_path / "out1")  # fills every kind of entry
    assert first.returncode == 0, first.stderr
    entries = [p for p in shared.rglob("*") if p.is_file()]
    assert {p.parent.name for p in entries} == {"forms", "rules", "checked-rules", "templates", "jinja"}
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(Planted(marker))
    for entry in entries:
        # Jinja's bucket file: its magic, then a pickle it loads; ours: anything at all.
        head = bc_magic if entry.parent.name == "jinja" else b""
        entry.write_bytes(head + payload)
    for folder in [shared, *shared.iterdir()]:
        folder.chmod(0o777)

    second = _build_in_new_process(shared, tmp_path / "out2")
    assert second.returncode == 0, second.stderr
    assert not marker.exists()
    assert second.stderr.count("注意：快取資料夾") == 1 and "可被其他使用者寫入" in second.stderr
    assert all(entry.read_bytes().endswith(payload) for entry in entries)  # left alone, not used


def test_a_planted_entry_that_is_a_link_is_not_loaded(tmp_path):
    """Even in a private folder, an entry file that is a link (to a file someone else could
    write) is not followed: Jinja's compiled template, the pickled form and rules alike."""
    own = tmp_path / "cache"
    own.mkdir(mode=0o700)
    assert _build_in_new_process(own, tmp_path / "out1").returncode == 0
    marker = tmp_path / "code-ran"
    for kind, head in (("jinja", bc_magic), ("forms", b""), ("checked-rules", b"")):
        [entry] = (own / kind).iterdir()
        planted = tmp_path / f"planted-{kind}"
        planted.write_bytes(head + pickle.dumps(Planted(marker)))
        entry.unlink()
        entry.symlink_to(planted)
    result = _build_in_new_process(own, tmp_path / "out2")
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
