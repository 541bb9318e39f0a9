"""The renderer's compiled-template cache: in memory, and on disk across processes."""

from __future__ import annotations

from jinja2 import StrictUndefined

from pipeline.render import CachingEnvironment


def test_compiled_once_then_reused_from_memory_and_disk(tmp_path):
    source = "<w:t>{{ s2.share }}</w:t>"
    first = CachingEnvironment(tmp_path / "cache", undefined=StrictUndefined, autoescape=True)
    template = first.from_string(source)
    assert first.from_string(source) is template  # memory
    assert len(list((tmp_path / "cache").iterdir())) == 1  # and disk
    second = CachingEnvironment(tmp_path / "cache", undefined=StrictUndefined, autoescape=True)
    second.compile = None  # a new process must not need to compile again
    assert second.from_string(source).render(s2={"share": "A&B"}) == "<w:t>A&amp;B</w:t>"


def test_an_unwritable_cache_folder_only_costs_the_compile(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    env = CachingEnvironment(blocked / "cache", undefined=StrictUndefined, autoescape=True)
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
