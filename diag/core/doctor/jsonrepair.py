"""Reading a pasted body: strict JSON first, then repair of common copy-paste damage, else line and column.

Repairs are made only outside strings and only when the repaired text parses, so the result is
unambiguous: curly quotes, single-quoted strings, trailing commas, Python literals (True/False/None).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from diag.core.jsontext import NotANumber, refuse_constant

CURLY_DOUBLE = "\u201c\u201d\u201e\u201f\u2033"
CURLY_SINGLE = "\u2018\u2019\u201a\u201b\u2032"
_PY_LITERALS = {"True": "true", "False": "false", "None": "null"}
_WORD = re.compile(r"\w+")


@dataclass
class ParsedBody:
    """The outcome of reading text: a value, or an error with its place. The text itself is kept."""
    text: str
    value: Any = None
    ok: bool = False
    repairs: list[str] = field(default_factory=list)
    error: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def describe_error(self) -> str:
        where = f" at line {self.line}, column {self.column}" if self.line else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"{self.error}{where}.{hint}"


def parse_body(text: str) -> ParsedBody:
    if text is None or not str(text).strip():
        return ParsedBody(text or "", error="The body is empty", hint="Paste a JSON object such as "
                          '{"phoneNumber": "+13175550100"}.')
    if text.startswith("\ufeff"):   # a byte-order mark (Windows editors write one): skipped, as diag's gate and its
        # simulator do (modelled: a Jackson reader detects a BOM; nothing documents Genesys' own reading)
        inner = parse_body(text[1:])
        return ParsedBody(text, value=inner.value, ok=inner.ok, repairs=inner.repairs, error=inner.error,
                          line=inner.line, column=inner.column, hint=inner.hint)
    try:
        return ParsedBody(text, value=json.loads(text, parse_constant=refuse_constant), ok=True)
    except NotANumber as exc:
        try:   # not JSON only for its NaN or Infinity (Python reads the rest), or broken besides?
            json.loads(text)
        except json.JSONDecodeError as broken:
            strict_error = broken
        except (ValueError, RecursionError):
            return _non_numeric(text, str(exc))
        else:
            return _non_numeric(text, str(exc))
    except json.JSONDecodeError as exc:
        strict_error = exc
    except RecursionError:
        return ParsedBody(text, error="The body is nested too deeply to read")
    except ValueError:   # Python refuses integers of more than 4,300 digits (a Java server may not: modelled)
        return ParsedBody(text, error="A number in the body has more than 4,300 digits: diag cannot read it as a "
                          "number", hint="Numbers to dial go in quotes, as text: \"phoneNumber\": \"+13175550100\".")
    repaired, repairs = repair(text)
    if repairs:
        try:
            return ParsedBody(text, value=json.loads(repaired, parse_constant=refuse_constant), ok=True,
                              repairs=repairs)
        except (ValueError, RecursionError):   # NaN in a text broken besides: said as the break it is
            pass
    return ParsedBody(text, error=f"Not valid JSON: {strict_error.msg}", line=strict_error.lineno,
                      column=strict_error.colno, hint=_hint(text))


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def _non_numeric(text: str, name: str) -> ParsedBody:
    """Where the first NaN or Infinity stands (outside strings), and what to send instead."""
    blanked = _STRINGS.sub(lambda m: " " * len(m.group(0)), text)
    at = blanked.find(name)
    line = text.count("\n", 0, at) + 1 if at >= 0 else None
    column = at - (text.rfind("\n", 0, at) + 1) + 1 if at >= 0 else None
    return ParsedBody(text, error=f"Not valid JSON: {name} is no JSON number", line=line, column=column,
                      hint="JSON has no NaN or Infinity, and a Jackson server refuses them by default (modelled: "
                           "Genesys answers 400 bad.request to text that is not JSON). Send a number, or text in "
                           "quotes.")


def _hint(text: str) -> str | None:
    stripped = text.strip()
    if "=>" in stripped:
        return "It looks like a Ruby hash (=>); JSON uses \"key\": value."
    if not stripped.startswith(("{", "[", '"')) and re.match(r"^[\w\"']+\s*:", stripped):
        return "It looks like YAML; the API takes JSON, e.g. {\"phoneNumber\": \"+13175550100\"}."
    return None


def repair(text: str) -> tuple[str, list[str]]:
    """Rewrite common damage outside strings. Returns the new text and what was done (empty if nothing)."""
    out: list[str] = []
    done: set[str] = set()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = _end_of_string(text, i, '"')
            out.append(text[i:j])
            i = j
        elif ch in CURLY_DOUBLE:
            j = i + 1
            while j < n and text[j] not in CURLY_DOUBLE and text[j] != "\n":
                j += 1
            out.append(json.dumps(text[i + 1:j]))
            done.add("curly quotes replaced by straight quotes")
            i = j + 1
        elif ch == "'" or ch in CURLY_SINGLE:
            closers = "'" if ch == "'" else CURLY_SINGLE
            j = i + 1
            while j < n and text[j] not in closers and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(json.dumps(text[i + 1:j].replace("\\'", "'")))
            done.add("single-quoted strings changed to double quotes")
            i = j + 1
        elif ch == ",":
            k = i + 1
            while k < n and text[k].isspace():
                k += 1
            if k < n and text[k] in "}]":
                done.add("trailing commas removed")
            else:
                out.append(ch)
            i += 1
        elif ch.isalpha() or ch == "_":
            m = _WORD.match(text, i)
            assert m is not None   # a letter or _ begins a word
            word = m.group(0)
            if word in _PY_LITERALS:
                out.append(_PY_LITERALS[word])
                done.add("Python literals (True/False/None) changed to JSON (true/false/null)")
            else:
                out.append(word)
            i = m.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out), sorted(done)


def _end_of_string(text: str, start: int, quote: str) -> int:
    j = start + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return j
