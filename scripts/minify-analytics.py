#!/usr/bin/env python3
"""Minifies Steward's analytics script: Resources/public/js/s.src.js -> Resources/public/js/s.js.

    scripts/minify-analytics.py            # writes s.js and prints its size, raw and gzipped (-9)
    scripts/minify-analytics.py --check    # exits 1 when s.js is not what s.src.js minifies to

Standard library only. This is not a general JavaScript minifier: it handles the subset s.src.js is written in.
- Comments and whitespace go, except a single space where two words would otherwise merge (`var a`, `a in b`).
- Names declared with `var`/`let`/`const`/`function` or as function parameters become one letter. Renaming is by
  name, not by scope: a name means the same short name everywhere, which is safe as long as the short names collide
  with nothing else in the file (they are picked among letters the file does not use) and a declared name is not
  also a global the file uses undeclared (checked: the script fails instead).
- `true`/`false` become `!0`/`!1`; the `;` before a `}` goes (so no empty statements, such as `if (a);`).
- Property names stay: after `.`, and object keys (`{key:` / `,key:`), so `{ body: body }` becomes `{body:b}`.
- Statements must end with `;` (no reliance on automatic semicolon insertion); no shorthand properties, no arrow
  functions, no template literals, no regular expression after `)`.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Resources" / "public" / "js" / "s.src.js"
TARGET = ROOT / "Resources" / "public" / "js" / "s.js"
BANNER = "/* Steward analytics; source: s.src.js */\n"

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<word>[A-Za-z_$][\w$]*)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<punct>===|!==|==|!=|<=|>=|&&|\|\||\+\+|--|[-+*%<>=!?:;,.(){}\[\]&|^~])
  | (?P<slash>/)
    """,
    re.VERBOSE | re.DOTALL,
)
REGEX = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")
KEYWORDS = {
    "break", "case", "catch", "const", "continue", "default", "delete", "do", "else", "false", "finally", "for",
    "function", "if", "in", "instanceof", "let", "new", "null", "return", "switch", "this", "throw", "true", "try",
    "typeof", "undefined", "var", "void", "while",
}  # fmt: skip
DECLARATIONS = {"var", "let", "const", "function"}


def tokenize(source: str) -> list[tuple[str, str]]:
    """The source's significant tokens as (kind, text); kinds: string, word, number, punct, regex."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(source):
        match = TOKEN.match(source, position)
        if match is None:
            raise SystemExit(f"s.src.js: cannot read {source[position : position + 20]!r} at offset {position}")
        kind = match.lastgroup
        assert kind is not None
        text = match.group()
        if kind == "slash":
            previous = tokens[-1] if tokens else ("punct", "(")
            # After a value (name, number, string, `)`, `]`) a slash divides; elsewhere it opens a regular expression.
            divides = previous[0] in {"word", "number", "string"} and previous[1] not in KEYWORDS - {"this"}
            if divides or previous[1] in {")", "]", "}"}:
                kind = "punct"
            else:
                regex = REGEX.match(source, position)
                if regex is None:
                    raise SystemExit(f"s.src.js: unreadable regular expression at offset {position}")
                kind, text = "regex", regex.group()
        if kind not in {"space", "comment"}:
            tokens.append((kind, text))
        position += len(text)
    return tokens


def declared_names(tokens: list[tuple[str, str]]) -> list[str]:
    """Names declared by var/let/const/function or as parameters, in order of first declaration."""
    names: dict[str, None] = {}
    for index, (kind, text) in enumerate(tokens):
        if kind != "word" or text not in DECLARATIONS:
            continue
        following = index + 1
        if tokens[following][0] == "word":
            names[tokens[following][1]] = None
            following += 1
        if text == "function" and tokens[following][1] == "(":
            following += 1
            while tokens[following][1] != ")":
                if tokens[following][0] == "word":
                    names[tokens[following][1]] = None
                following += 1
    return list(names)


def is_property(tokens: list[tuple[str, str]], index: int) -> bool:
    """Whether the word at `index` names a property (`a.name`, `{name: …}`) rather than a variable."""
    before = tokens[index - 1][1] if index > 0 else ""
    after = tokens[index + 1][1] if index + 1 < len(tokens) else ""
    return before == "." or (before in {"{", ","} and after == ":")


def short_names(count: int, taken: set[str]) -> list[str]:
    """`count` one- or two-letter names that are not keywords and not in `taken`."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    candidates = list(letters) + [first + second for first in letters for second in letters]
    free = [name for name in candidates if name not in taken and name not in KEYWORDS]
    return free[:count]


def is_word_char(char: str) -> bool:
    """Whether `char` can be part of a name or number, so that it would merge with a neighbouring one."""
    return char.isalnum() or char in "_$"


def minify(source: str) -> str:
    """The minified script, starting with BANNER."""
    tokens = tokenize(source)
    declared = declared_names(tokens)
    undeclared = {
        text
        for index, (kind, text) in enumerate(tokens)
        if kind == "word" and text not in declared and not is_property(tokens, index)
    }
    clashes = undeclared & set(declared)
    if clashes:
        raise SystemExit(f"s.src.js: declared names also used as globals: {sorted(clashes)}")
    every_word = {text for kind, text in tokens if kind == "word"}
    renaming = dict(zip(declared, short_names(len(declared), every_word), strict=True))

    output: list[str] = []
    for index, (kind, text) in enumerate(tokens):
        if kind == "word" and text in renaming and not is_property(tokens, index):
            text = renaming[text]
        elif kind == "word" and text in {"true", "false"} and not is_property(tokens, index):
            text = "!0" if text == "true" else "!1"
        elif text == "}" and output and output[-1] == ";":
            # Nothing here writes an empty statement, so a block's last `;` can go.
            output.pop()
        if output:
            last, first = output[-1][-1], text[0]
            # `var a`, `a in b` need their space; `a - -b` would become a decrement without it.
            if (is_word_char(last) and is_word_char(first)) or last + first in {"++", "--"}:
                output.append(" ")
        output.append(text)
    return BANNER + "".join(output) + "\n"


def main() -> int:
    """Writes (or with --check, compares) s.js; prints its raw and gzipped sizes."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when s.js is not up to date; write nothing")
    arguments = parser.parse_args()
    minified = minify(SOURCE.read_text(encoding="utf-8"))
    data = minified.encode("utf-8")
    print(f"s.js: {len(data)} bytes, {len(gzip.compress(data, compresslevel=9))} bytes gzipped (-9)")
    if arguments.check:
        if TARGET.read_text(encoding="utf-8") != minified:
            print("s.js is out of date: run scripts/minify-analytics.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(minified, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
