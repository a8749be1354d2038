"""Reading a newsletter issue: plain text, Markdown or HTML in, the article's blocks and sentences out.

The claim extractor (predictions/extract.py) works on what this module returns, so it never sees
markup or boilerplate: HTML goes through the standard library's `html.parser` (script, style, nav,
footer and aside dropped, as are elements whose class or id names comments, sharing, subscribing or
related articles); Markdown loses its inline markup; and in every format the text stops at the
first end-of-article marker ("KEEP TUNED!", a "Comments" header, a "More articles" list) and loses
call-to-action lines ("Subscribe to ...", "Click the links ...", photo credits).

A block is a heading, a paragraph or a list item. Plain text has no heading syntax, so a short
standalone line without closing punctuation is read as a heading: in capitals level 1, in Title Case
level 2, a sentence-case headline level 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

BlockKind = Literal["heading", "paragraph", "item"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str  # markers and stray placeholder characters stripped, whitespace collapsed
    raw: str  # as in the issue (a list item keeps its number), whitespace collapsed
    level: int = 0  # heading level, 1 = top; 0 for paragraphs and items


# --- HTML --------------------------------------------------------------------------------------------

_SKIP_TAGS = {"script", "style", "nav", "footer", "aside", "noscript", "template", "svg", "form", "button", "head"}
_SKIP_ROLES = {"navigation", "complementary", "contentinfo", "banner", "search"}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "blockquote", "ul", "ol", "li", "table", "tr",
    "figure", "figcaption", "pre", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
_BOILERPLATE_NAME = re.compile(
    r"(?:^|[-_])(?:comments?|comment-list|replies|subscribe|subscription|signup|newsletter-form|related|"
    r"share|sharing|social|sidebar|cookie|cookies|advert|ads|promo|breadcrumbs?|menu|more-articles)(?:$|[-_])",
    re.IGNORECASE,
)


def _is_boilerplate(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if not value:
            continue
        if name == "role" and value.lower() in _SKIP_ROLES:
            return True
        if name in {"class", "id"} and any(_BOILERPLATE_NAME.search(token) for token in value.split()):
            return True
    return False


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, inside something skipped)
        self.lists: list[int | None] = []  # one counter per open <ol>, None for <ul>

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if not self.skipping and tag in {"br", "hr"}:
                self.parts.append("\n\n" if tag == "hr" else "\n")
            return
        skip = self.skipping or tag in _SKIP_TAGS or _is_boilerplate(attrs)
        self.stack.append((tag, skip))
        if skip:
            return
        if tag in {"ol", "ul"}:
            self.lists.append(0 if tag == "ol" else None)
        if re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            counter = self.lists[-1] if self.lists else None
            if counter is not None:
                self.lists[-1] = counter + 1
            self.parts.append(f"\n\n{counter + 1}. " if counter is not None else "\n\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed children
            if self.stack[index][0] == tag:
                skipped = self.stack[index][1]
                del self.stack[index:]
                if not skipped:
                    if tag in {"ol", "ul"} and self.lists:
                        self.lists.pop()
                    if tag in _BLOCK_TAGS:
                        self.parts.append("\n\n")
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The visible article text of an HTML page, with headings as `#` lines and list items as `-`/`1.` lines."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def looks_like_html(text: str) -> bool:
    head = text[:5000]
    return bool(re.search(r"<\s*(?:!doctype\s+html|html|body|article|main|p|div|h[1-6])\b[^>]*>", head, re.IGNORECASE))


# --- Markdown and plain text -----------------------------------------------------------------------

_ITEM = re.compile(r"^(?:[-*+•·▪●◦]|\d{1,3}[.)])(?=[\s?]|$)")
_LEADING_JUNK = re.compile(r"^(?:[\s?·•▪●◦*+>-]|\d{1,3}[.)](?=[\s?]))+")
# A link's destination may hold balanced parentheses, as Wikipedia's do: .../Foo_(bar)
_DESTINATION = r"\((?:<[^>]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)"
_INLINE = [
    (re.compile(r"!\[[^\]]*\]" + _DESTINATION), ""),  # images
    (re.compile(r"\[([^\]]+)\]" + _DESTINATION), r"\1"),  # [text](url "title")
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[a-zA-Z][^>]*>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *em*
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),  # _em_
    (re.compile(r"`([^`]*)`"), r"\1"),  # code
]
_SMALL_WORDS = {"a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by", "with", "from", "as"}
_SMALL_WORDS |= {"vs", "via", "per", "into", "over", "up"}


def _strip_inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _clean(raw: str) -> str:
    """Text without its list marker or the stray '?' placeholders a copy-paste leaves at line starts."""
    text = _LEADING_JUNK.sub("", raw)
    return re.sub(r"(?<=[.!])\?+$", "", text).strip()


def _heading_level(line: str) -> int:
    """Plain-text headings: 1 for a line in capitals, 2 for Title Case, 3 for a sentence-case headline
    (a capitalised line of three or more words without closing punctuation); 0 for anything else."""
    text = _clean(line)
    if not text or len(text) > 120 or re.search(r"[.!?:;,][\"”'’)]*$", text) or _ITEM.match(line):
        return 0
    words = re.findall(r"[^\W\d_][\w’'-]*", text)
    if len(words) < 2:
        return 0
    if all(not w.isalpha() or w.isupper() for w in words) and sum(w.isupper() for w in words) >= 2:
        return 1
    if all(w[0].isupper() or w.lower() in _SMALL_WORDS for w in words):
        return 2
    return 3 if len(words) >= 3 and text[0].isupper() else 0


def _paragraph(lines: list[str], kind: BlockKind) -> Block:
    raw = _strip_inline(" ".join(lines))
    if kind == "paragraph" and len(lines) == 1:
        level = _heading_level(raw)
        if level:
            return Block("heading", _clean(raw), raw, level)
    return Block(kind, _clean(raw), raw)


def parse_blocks(text: str) -> list[Block]:
    """Split Markdown or plain text into headings, paragraphs and list items (in order)."""
    blocks: list[Block] = []
    lines: list[str] = []
    kind: BlockKind = "paragraph"
    fenced = False

    def flush() -> None:
        if lines:
            blocks.append(_paragraph(lines, kind))
            lines.clear()

    for source_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = source_line.strip()
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            flush()
            continue
        if fenced:
            continue
        line = re.sub(r"^(?:>\s?)+", "", line).strip()  # block quotes read as text
        if not line:
            flush()
            continue
        if re.fullmatch(r"(?:[-*_=]\s*){3,}", line):  # a rule, or a Setext heading's underline
            if len(lines) == 1 and kind == "paragraph" and line[0] in "=-":
                raw = _strip_inline(lines[0])
                blocks.append(Block("heading", _clean(raw), raw, 1 if line[0] == "=" else 2))
                lines.clear()
            else:
                flush()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", line)
        if heading:
            flush()
            raw = _strip_inline(heading.group(2))
            blocks.append(Block("heading", _clean(raw), raw, len(heading.group(1))))
            continue
        if _ITEM.match(line):
            flush()
            kind = "item"
        elif not lines:
            kind = "paragraph"
        lines.append(line)
    flush()
    return [block for block in blocks if block.text]


# --- boilerplate -----------------------------------------------------------------------------------

_END_MARKER = re.compile(
    r"(?:keep|stay) tuned|\d* ?(?:comments?|replies)|leave a (?:comment|reply)|"
    r"(?:more|related|recommended|other|popular) (?:articles|posts|stories|reading)(?: (?:by|from) .*)?|"
    r"you (?:may|might) also like|to view or add a comment.*|.*的更多文章|要查看或添加评论.*"
)
_CALL_TO_ACTION = re.compile(
    r"\b(?:subscribe|unsubscribe|sign up|signup)\b|\bclick (?:the|here|on|this)\b|\bshare (?:this|on)\b|"
    r"all rights reserved|^©|^(?:photo|image|picture|credits?|source|istockphoto|getty images)\b[^.]{0,80}:",
    re.IGNORECASE,
)


def _is_end_marker(block: Block) -> bool:
    core = re.sub(r"^[\W_]+|[\W_]+$", "", block.text.lower())
    return len(core) <= 80 and bool(_END_MARKER.fullmatch(core))


def article_blocks(text: str) -> list[Block]:
    """The article's blocks: HTML converted, boilerplate dropped, everything from an end marker on cut."""
    blocks = parse_blocks(html_to_text(text) if looks_like_html(text) else text)
    article: list[Block] = []
    for block in blocks:
        if article and _is_end_marker(block):
            break
        if len(block.text) < 400 and _CALL_TO_ACTION.search(block.text):
            continue
        article.append(block)
    return article


# --- sentences -------------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "vs", "dr", "mr", "mrs", "ms", "prof", "inc", "ltd", "co", "corp", "jr", "sr", "st",
    "no", "fig", "approx", "est", "dept", "gov", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "mt", "ft",
}  # fmt: skip
_BOUNDARY = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of one block; abbreviations and initials ("U.S.", "e.g.") do not end a sentence."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        token = re.search(r"(\S+)$", text[start : match.start() + 1])
        word = token.group(1) if token else ""
        bare = word.rstrip(".").lower().lstrip("(\"“‘'")
        if word.endswith(".") and (bare in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", bare)):
            continue
        sentences.append(text[start:end].strip())
        start = end
    sentences.append(text[start:].strip())
    return [s for s in (_clean(s) for s in sentences) if s]


def is_question(sentence: str) -> bool:
    """Ends in a question mark (a "?" left in place of a lost character after a full stop does not count)."""
    core = sentence.rstrip("\"”’') ")
    return core.endswith("?") and not re.search(r"[.!]\?+$", core)
