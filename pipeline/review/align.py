"""Reading a report against its template: which paragraphs and tables of the report each
part of the template made.

The Word template is the pattern of every report built from it: its fixed paragraphs
(headings, instructions, sentences with figures in them) appear in every report, its
paragraph loops repeat, its official tables carry their ids.  :func:`outline` parses the
template docxtpl prepared into that pattern; :func:`align` walks a report's body with it:
fixed paragraphs and identified tables are anchors, and the paragraphs between two
anchors belong to the loops (or the positional paragraphs) the template has between them.
Nothing here knows the form's wording: it all comes from the template.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.review import document

TAG = re.compile(r"{{\s*([A-Za-z_][\w.]*)\s*}}")
STATEMENT = re.compile(r"{%-?\s*(.*?)\s*-?%}", re.DOTALL)
FOR = re.compile(r"^for\s+(\w+)\s+in\s+([\w.]+)$")
PSTYLE = re.compile(r'<w:pStyle w:val="([^"]*)"')
BOOKMARK = re.compile(r'<w:bookmarkStart [^>]*w:name="([^"]*)"')
CAPTION = re.compile(r'<w:tblCaption w:val="([^"]*)"')


@dataclass
class Para:
    """A paragraph of the template: its text (tags included), tags, style and bookmark."""

    text: str
    style: str
    bookmark: str | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(TAG.findall(self.text))

    @property
    def literal(self) -> str:
        """The fixed wording around the tags."""
        return "".join(TAG.split(self.text)[::2])

    @property
    def wording(self) -> str:
        """The paragraph as a person reads it, each tag shown as 「…」."""
        return " ".join(TAG.sub("…", self.text).split())

    @property
    def is_anchor(self) -> bool:
        return bool(self.literal.strip())

    def pattern(self) -> re.Pattern[str]:
        """A regex that reads the tags' values back from a report paragraph."""
        literals = TAG.split(self.text)[::2]
        pieces = [r"\s*".join(re.escape(word) for word in literal.split()) for literal in literals]
        return re.compile(r"\s*" + "(.*?)".join(pieces) + r"\s*", re.DOTALL)


@dataclass
class Loop:
    """Paragraphs repeated for each element of ``path`` (``{%p for var in path %}``)."""

    path: str
    var: str
    body: list[Item] = field(default_factory=list)


@dataclass
class Cond:
    """Paragraphs shown when ``expr`` holds (``{%p if expr %}``)."""

    expr: str
    body: list[Item] = field(default_factory=list)


@dataclass
class Table:
    """An official table of the template, by its id."""

    caption: str


Item = Para | Loop | Cond | Table


def _text(paragraph_xml: str) -> str:
    """The text of a ``w:p`` as the report shows it (breaks as new lines)."""
    xml = re.sub(r"<w:br\b[^>]*/>", "\n", paragraph_xml)
    xml = re.sub(r"<w:tab\b[^>]*/>", "\t", xml)
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


def _tokens(source: str) -> Iterator[tuple[str, str]]:
    """The body source as top-level tokens: ("p", xml), ("tbl", xml), ("stmt", text)."""
    i, n = 0, len(source)
    while i < n:
        if source.startswith("{%", i):
            end = source.index("%}", i) + 2
            statement = STATEMENT.match(source, i)
            assert statement is not None  # "{%" … "%}" is there
            yield "stmt", statement.group(1)
            i = end
        elif source.startswith("<w:tbl>", i) or source.startswith("<w:tbl ", i):
            depth, j = 0, i
            for m in re.compile(r"<w:tbl[ >]|</w:tbl>").finditer(source, i):
                depth += 1 if m.group(0) != "</w:tbl>" else -1
                if depth == 0:
                    j = m.end()
                    break
            yield "tbl", source[i:j]
            i = j
        elif source.startswith("<w:p>", i) or source.startswith("<w:p ", i) or source.startswith("<w:p/>", i):
            if source.startswith("<w:p/>", i):
                yield "p", "<w:p/>"
                i += len("<w:p/>")
                continue
            j = source.index("</w:p>", i) + len("</w:p>")
            yield "p", source[i:j]
            i = j
        elif source.startswith("<w:sectPr", i):
            i = source.index("</w:sectPr>", i) + len("</w:sectPr>")
        elif source.startswith("<", i):
            i = source.index(">", i) + 1  # the w:body tags and the like
        else:
            i += 1


def outline(body_source: str) -> list[Item]:
    """The template body (docxtpl-prepared Jinja source) as a tree of items."""
    root: list[Item] = []
    stack: list[list[Item]] = [root]
    for kind, token in _tokens(body_source):
        if kind == "p":
            style = PSTYLE.search(token)
            bookmark = BOOKMARK.search(token)
            stack[-1].append(
                Para(_text(token), style.group(1) if style else "", bookmark.group(1) if bookmark else None)
            )
        elif kind == "tbl":
            caption = CAPTION.search(token)
            if caption:
                stack[-1].append(Table(caption.group(1)))
        else:
            loop = FOR.match(token)
            if loop:
                item: Loop | Cond = Loop(loop.group(2), loop.group(1))
            elif token.startswith("if "):
                item = Cond(token[3:].strip())
            elif token.startswith(("endfor", "endif")):
                if len(stack) > 1:
                    stack.pop()
                continue
            else:
                continue  # else / elif: the alternative shows nothing of its own here
            stack[-1].append(item)
            stack.append(item.body)
    return root


# -- the report side ------------------------------------------------------------------------


@dataclass
class Block:
    """A top-level block of a report: a paragraph (text, style) or a table (its id, if known)."""

    kind: str  # "p" or "tbl"
    element: document.Paragraph | document.Table
    text: str = ""
    style: str = ""
    table: str | None = None
    has_image: bool = False

    @property
    def blank(self) -> bool:
        return self.kind == "p" and not self.text.strip() and not self.has_image


@dataclass
class Alignment:
    """What the template's items matched in a report."""

    anchors: list[tuple[Para, Block]]  # fixed paragraphs (with their tags' text in the block)
    tables: dict[str, Block]
    gaps: list[tuple[Item, list[Block]]]  # each loop / positional paragraph with its blocks
    missing: list[Para | Table]  # anchors the report does not have
    extra: list[Block] = field(default_factory=list)  # blocks no part of the template made


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _matches(para: Para, block: Block) -> bool:
    if block.kind != "p":
        return False
    if not para.tags:
        return _norm(para.text) == _norm(block.text)
    return para.pattern().fullmatch(block.text) is not None


Claim = Callable[[Item, Block], bool | None]


def align(items: list[Item], blocks: list[Block], claims: Claim) -> Alignment:
    """Match the template's ``items`` with a report's ``blocks``.

    ``claims(item, block)`` is True when ``block`` surely belongs to ``item`` (a loop's
    numbering, a date where a date is placed), False when it surely does not, None when it
    cannot tell.  Between two anchors, a block goes to the item that claims it, else to the
    item before; a block that the positional paragraph there refuses is ``extra``."""
    blocks = [b for b in blocks if not b.blank]
    result = Alignment([], {}, [], [])
    pending: list[Item] = []
    cursor = 0
    for item in items:
        if not (isinstance(item, Table) or (isinstance(item, Para) and item.is_anchor)):
            if isinstance(item, Para) and not item.text.strip() and not item.bookmark:
                continue  # the empty paragraph after a table
            pending.append(item)
            continue
        found = next((j for j in range(cursor, len(blocks)) if _hit(item, blocks[j])), None)
        if found is None:
            result.missing.append(item)
            continue
        result.gaps.extend(_share(pending, blocks[cursor:found], claims, result.extra))
        pending = []
        if isinstance(item, Table):
            result.tables[item.caption] = blocks[found]
        else:
            result.anchors.append((item, blocks[found]))
        cursor = found + 1
    result.gaps.extend(_share(pending, blocks[cursor:], claims, result.extra))
    return result


def _hit(item: Para | Table, block: Block) -> bool:
    if isinstance(item, Table):
        return block.kind == "tbl" and block.table == item.caption
    return _matches(item, block)


def _share(
    consumers: list[Item], blocks: list[Block], claims: Claim, extra: list[Block]
) -> list[tuple[Item, list[Block]]]:
    """Blocks between two anchors, shared out among the items the template has there."""
    if not consumers:
        extra.extend(blocks)
        return []
    shares: list[list[Block]] = [[] for _ in consumers]
    current = 0
    for block in blocks:
        later = next((k for k in range(current + 1, len(consumers)) if claims(consumers[k], block)), None)
        if later is not None:
            current = later
        while _positional(consumers[current]) and shares[current] and current + 1 < len(consumers):
            current += 1  # a positional paragraph takes one block
        item = consumers[current]
        if _positional(item) and (shares[current] or claims(item, block) is False):
            extra.append(block)  # not what the template has here: a paragraph someone added
            continue
        shares[current].append(block)
    return list(zip(consumers, shares, strict=True))


def _positional(item: Item) -> bool:
    """A template paragraph without fixed wording: it made exactly one paragraph (the one
    with a bookmark marks where free content goes, and takes all of it)."""
    return isinstance(item, Para) and not item.bookmark
