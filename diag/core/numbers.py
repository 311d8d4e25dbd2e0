"""What a value would dial, and whether diag may ever send it: the one numbers module of the safety gate.

`dial_of(value)` reads a string or a JSON number the way a lenient phone system would: Unicode, full-width and
other scripts' digits, any separator (spaces of every kind, tabs, dashes, dots, brackets, invisible, control and
combining characters), `tel:` and `sip:`/`sips:` URIs anywhere in the value (display names, `<...>`, percent-escapes),
`name@host` addresses, `00`/`011` international prefixes, pauses and extensions (`,` `;` `p` `w` `x` `ext`),
feature codes (`*`, `#`) and keypad letters. `digit_runs(value)` finds every number written inside free text
("Phone: 911", "9·1·1", "9_1_1"); in a dialled position, numbers written across pauses ("9,1,1") are read joined too.

`refusal(value, strict=..., dialled=...)` says why a value must never be sent, or None:
  - everywhere: emergency numbers of any region, in any reading (the + dropped, a feature code in front, inside
    free text when the digits stand on their own);
  - dialled positions (`phoneNumber`, `participants[].address`, unknown keys), simulator included: also an emergency
    number after a pause or as an extension, and after a short access or dialling prefix (`9911`, `0011 61 000`);
  - strict (dialled positions on a real org): also every short number (at most 6 national digits: service codes
    are never test destinations), feature codes, values with no readable number, and long numbers that begin with
    an emergency number where they are not valid numbers (`9115550100`).
Which numbers are emergency numbers comes from libphonenumber's short-number metadata, never from a hand list.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

from diag.core.lazy import lazy_module
from diag.core.pseudonyms import WHOLE_PSEUDONYM

# libphonenumber's metadata takes ~20 ms to import: a check whose body holds no number never loads it.
phonenumbers = lazy_module("phonenumbers", globals())

SHORT_MAX_DIGITS = 6   # the longest emergency number in libphonenumber's metadata is 6 digits
PAUSE = re.compile(r"(?:ext\.?|[,;pwx])")
_KEYPAD = str.maketrans("abcdefghijklmnopqrstuvwxyz", "22233344455566677778889999")
_PLUS_LIKE = "+\uff0b\u2795\ufe62\u207a\u208a"
_SEPARATORS = set(".()[]/\\'\"_")


@dataclass(frozen=True)
class Dial:
    """One reading of a value as a dial string."""
    plus: bool          # written with an international prefix (+, 00 or 011)
    digits: str         # what is dialled first (after the country code, when plus)
    tail: str           # digits sent after a pause or as an extension
    feature: bool       # contains * or #
    vanity: bool        # letters read as keypad digits
    address: bool       # came from a SIP/tel URI or a name@host address
    pause: bool = False  # a pause or extension marker follows the number (even with nothing after it)
    junk: bool = False   # something else follows the number
    lead: str = ""       # the digits before any letter (what a system that ignores letters dials first)
    segments: tuple[str, ...] = ()   # the digits between feature marks (*67*911, +1...#911)
    after_letters: str = ""          # the digits after leading letters ("Call911": what libphonenumber reads)


@dataclass(frozen=True)
class Refusal:
    code: str           # emergency-number | short-number | feature-code | emergency-extension | emergency-prefix
    shown: str          # the value as it may be shown: service numbers whole, anything longer masked
    reason: str
    regions: tuple[str, ...] = ()


_MASKED_MAX = 80


def masked(value: str, keep: int = 0) -> str:
    """`value` with every digit after the first `keep` (and before the last two) replaced by a bullet; a value longer
    than anything dialled is cut to its start and its length (a message never carries megabytes of bullets)."""
    if len(value) > _MASKED_MAX:
        return masked(value[:_MASKED_MAX - 8], keep) + f"... ({len(value):,} characters)"
    total = sum(ch.isdigit() for ch in value)
    if total <= SHORT_MAX_DIGITS:
        return value
    out, seen = [], 0
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= keep or seen > total - 2 else "\u2022")
        else:
            out.append(ch)
    return "".join(out)


# ---- reading a value ----

_ASCII_SEPARATORS = str.maketrans("", "", " \t\n\r\x0b\x0c-" + "".join(_SEPARATORS))
_DROPPED = {"Cf", "Cc", "Mn", "Me", "Cs", "Co", "Cn"}   # format, control, combining, surrogate, private, unassigned
# blank letters: Hangul fillers (the halfwidth one, and what NFKC makes of it) and the blank Braille pattern draw
# nothing, as invisible characters do
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_SCHEME = re.compile(r"(?i)(?:sips?|tel):")
_RUN = re.compile(r"\+?\d(?:(?:[^\w,;+]|_)*\d)*")      # '_' separates digits too (9_1_1, +91_81234_56789)
_RUN_APART = re.compile(r"\+?\d(?:[^\w,;+]*\d)*")      # '_' read as what ends a number
_PAUSED_RUN = re.compile(r"\+?\d(?:(?:[^\w+]|_)*\d)*")  # ... and, read as one, across pauses (9,1,1)


_BLANK_CONTROLS = "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85"   # what str.split() reads as blanks: a tab between two pasted cells
_ASCII_CONTROLS = {c: None for c in [*range(32), 127]} | {ord(c): " " for c in _BLANK_CONTROLS if c.isascii()}


@lru_cache(maxsize=16384)
def canonical_text(text: str) -> str:
    """NFKC; every script's digits to ASCII; plus-like signs to '+'; invisible, control and combining characters
    and blank letters (Hangul fillers) dropped, but for the controls that are blanks (tab, line breaks); every blank
    to ' '."""
    if text.isascii():   # NFKC leaves ASCII as it is: only control characters go
        return text if text.isprintable() else text.translate(_ASCII_CONTROLS)
    return unicodedata.normalize("NFKC", text).translate(_CANONICAL_CHARS)


class _CanonicalChars(dict):
    """What each character becomes in canonical_text, worked out the first time it is met (a ticket's whole file
    goes through str.translate at C speed instead of a Python loop per character)."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        cat = unicodedata.category(ch)
        if ch in _PLUS_LIKE:
            out: str | None = "+"
        elif cat == "Nd":
            out = str(unicodedata.decimal(ch))
        elif ch in _BLANK_CONTROLS:
            out = " "
        elif cat in _DROPPED or ch in _FILLERS:
            out = None
        elif cat in ("Zs", "Zl", "Zp"):
            out = " "
        else:
            out = ch
        self[code] = out
        return out


_CANONICAL_CHARS = _CanonicalChars()


_ASCII_PUNCTUATION = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalnum()
                                                  and chr(c) not in "+,;*#"))


def _canonical(text: str) -> str:
    """Separators, punctuation and symbols removed (a pause, extension or feature mark kept), lower case."""
    if text.isascii():
        return text.translate(_ASCII_PUNCTUATION).lower()
    out = text.translate(_ASCII_SEPARATORS).lower()
    return "".join(ch for ch in out if ch in "+,;*#" or not unicodedata.category(ch).startswith(("P", "S", "Z")))


_URI = re.compile(r"(?i)(?:sips?|tel):")
_HOSTS = re.compile(r"@[^\s<>,;\"']*")


def user_parts(text: str) -> list[str]:
    """The dialled part of every tel:/sip: URI in the value (a name-addr list, a URI after a display name), or of its
    name@host; [] when it holds neither."""
    found = []
    for m in _URI.finditer(text):
        rest = text[m.end():]
        nxt = _URI.search(rest)
        rest = rest[:nxt.start()] if nxt else rest
        found.append(unquote(re.split(r"[@>]", rest, maxsplit=1)[0]))
    if not found and "@" in text:
        found.append(unquote(re.split(r"[<\"']", text.split("@", 1)[0])[-1]))
    return found


# RFC 5031 emergency service URNs (urn:service:sos, urn:service:sos.police; NENA's urn:nena:service:sos...) and `sos`
# as a SIP or tel user part: how IMS and NG911 carriers address emergency services.
_SOS = re.compile(r"(?i)urn:(?:nena:)?service:sos\b|(?:sips?|tel):sos(?:[.@;>]|$)|^\s*sos(?:\.[a-z]+)?@")


def _user_part(text: str) -> tuple[str, bool]:
    """The part of a tel:/sip: URI (anywhere in the value: display names, <...>) or name@host that is dialled."""
    m = _SCHEME.search(text)
    if m:
        rest = text[m.end():]
        user = re.split(r"[@>]", rest, maxsplit=1)[0]
        return unquote(user), True
    if "@" in text:
        before = text.split("@", 1)[0]
        return unquote(re.split(r"[<\"']", before)[-1]), True
    return text, False


def _as_text(value) -> str | None:
    """A JSON value as a phone system would read its characters: strings as they are, numbers of any size by their
    digits (a 41-digit integer beginning 911 is read, not skipped); None for what holds no characters to dial."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:   # over Python's int-to-text limit: never dialled, said as unreadable (refusal())
            return None
    return value if isinstance(value, str) else None


_DIGITS = re.compile(r"\d+")
_NOT_DIGITS = re.compile(r"\D")
_HAS_DIGIT = re.compile(r"\d")
_FEATURE_MARKS = re.compile(r"[*#]")
_ALNUM = re.compile(r"[0-9a-z]+")
_UUID = re.compile(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")   # Genesys ids
_CACHED_UP_TO = 256


def dial_of(value) -> Dial | None:
    """How `value` would be dialled when read as one phone number, or None when it does not read as one (an id, a
    word, free text: digit_runs() covers those)."""
    text = _as_text(value)
    if text is None:
        return None
    return _dial_of_cached(text) if len(text) <= _CACHED_UP_TO else _dial_of(text)


@lru_cache(maxsize=16384)
def _dial_of_cached(text: str) -> Dial | None:
    return _dial_of(text)


def _dial_of(text: str) -> Dial | None:
    text = canonical_text(text).strip()
    if _UUID.match(text):
        return None
    user, address = _user_part(text)
    scheme = _SCHEME.search(text) if address else None
    keypad = not address or scheme is not None and scheme.group(0).lower() == "tel:"   # a tel: user is dialled
    text = _canonical(user)
    feature = "*" in text or "#" in text
    segments = tuple(_NOT_DIGITS.sub("", seg) for seg in _FEATURE_MARKS.split(text) if _HAS_DIGIT.search(seg))
    text = text.replace("*", "").replace("#", "")
    plus = text.startswith("+")
    text = text.lstrip("+")
    m = _DIGITS.match(text)
    head = lead = m.group(0) if m else ""
    rest = text[len(head):]
    tail = ""
    vanity = paused = junk = False
    after_letters = ""
    if rest and not head:
        letters = re.match(r"[a-z]+(\d+)", rest)
        after_letters = letters.group(1) if letters else ""
    if rest:
        pause = PAUSE.match(rest)
        if head and pause and rest.isalpha() and len(rest) > 1 and not rest.startswith("ext") and not address:
            pause = None   # letters after a number (WXY): a keypad reads them as digits, not as pauses
        if head and pause:
            tail = _NOT_DIGITS.sub("", rest[pause.end():])
            paused = True
        elif _ALNUM.fullmatch(rest) and keypad:
            head = (head + rest).translate(_KEYPAD)   # 1-800-FLOWERS, or "www"
            vanity = True
        elif head:
            junk = True   # something after the number that is no pause: what is dialled first is the head
        else:
            return None   # a SIP or flow name (alice@example.com), or a word with symbols
    if not head:
        return None
    return Dial(plus, head, tail, feature, vanity, address, paused, junk, lead, segments, after_letters)


def digit_runs(value) -> tuple[tuple[bool, str], ...]:
    """Every number written inside `value` as (plus, digits), digits joined across separators (9·1·1, 9:1:1), and
    only where it stands on its own (not glued to letters, as the digits of an id like 3ad15e are)."""
    text = _as_text(value)
    if text is None:
        return ()
    return _digit_runs_cached(text) if len(text) <= _CACHED_UP_TO else _digit_runs(text)


@lru_cache(maxsize=16384)
def _digit_runs_cached(text: str) -> tuple[tuple[bool, str], ...]:
    return _digit_runs(text)


def paused_runs(value) -> tuple[tuple[bool, str], ...]:
    """The numbers of digit_runs() read again with their pauses ignored, where a pause joins two runs (9,1,1 and
    '+1 317 555 0100 9,11' are 911 to a system that does not wait): further readings of a dialled value. A group
    of digits and pauses after any other mark (a blank, '-', '/', '.') is read on its own too, blanks beside its
    pauses included: in '+49 30 12345678 1,1,2' or '+49 30 12345678-1, 1, 2' a number of variable length would take
    the first 1 as its own, and a system that ends the number at the mark sends 112 after it. (refusal() reads a
    value again with a blank for each invisible or combining character, which reading it as one number drops.)"""
    text = _as_text(value)
    if text is None:
        return ()
    text = letter_pauses(text)
    if "," not in text and ";" not in text:
        return ()
    seen = set(digit_runs(text))
    across = _digit_runs(text, _PAUSED_RUN)
    # between blanks, marks joining digits as in a run ('1-1,2', ',,9,1,1'); and after any mark, blanks beside
    # the pauses joining ('-1, 1, 2')
    groups = [r for group in text.split() if "," in group or ";" in group for r in _digit_runs(group, _PAUSED_RUN)]
    pieces = _NOT_DIGIT_OR_PAUSE.split(_BLANKS_BESIDE_PAUSES.sub(r"\1", canonical_text(text)))
    groups += [(False, digits) for piece in pieces if "," in piece or ";" in piece
               if (digits := piece.replace(",", "").replace(";", ""))]
    return tuple(r for r in dict.fromkeys((*across, *groups)) if r not in seen)


_BLANKS_BESIDE_PAUSES = re.compile(r"\s*([,;]+)\s*")   # '1 , 1 ,2' is written as '1,1,2'


def _dropped_as_blanks(text: str, blank: str = " ") -> str:
    """`text` with a blank in place of each character canonical_text drops (invisible, control and combining
    characters: a zero-width space, a direction mark, a variation selector pasted from a web page or a chat): a
    value read as one number loses them, while a system that ends the number there, as at a blank, reads what
    follows on its own ('...5678\u200b1,1,2'). blank='': each dropped before NFKC, which would otherwise join a
    combining mark to the letter before it ('p\u0301' is one letter, no pause)."""
    if text.isascii():
        return text if text.isprintable() else text.translate(_ASCII_MARKS if blank else _ASCII_DROPPED)
    return "".join(blank if ord(ch) > 127 and _CANONICAL_CHARS[ord(ch)] is None else ch for ch in text).translate(
        _ASCII_MARKS if blank else _ASCII_DROPPED)


_ASCII_MARKS = {c: " " for c in [*range(32), 127]}
_ASCII_DROPPED = {c: None for c in [*range(32), 127]}
_NOT_DIGIT_OR_PAUSE = re.compile(r"[^0-9,;]+")


# a pause written as a letter (p waits, w waits for a tone): p or w standing apart from other letters, between
# digits, blanks or any mark ('9p11', '9 p 11', '9,p1', '9-p-11', 'p911', '911p'; not 'help' or 'wpa')
_LETTER_PAUSE = re.compile(r"(?<![^\W\d_])[pPwW]+(?![^\W\d_])")   # 9pw11 too: a pause, then a wait
_DIGITS_AND_MARKS = re.compile(r"\d+(?:[-./()]+\d+)+")   # 9-1-1, 9.1.1, 9(1)1


def letter_pauses(text: str) -> str:
    """`text` with each pause written as a letter written as ',' (the same length: positions hold)."""
    return _LETTER_PAUSE.sub(lambda m: "," * len(m.group(0)), text) if _LETTER_PAUSE.search(text) else text


_WORD_EDGES = "()[]{}<>:;,.!?#*\"'"


def emergency_word(value, *, phone_field: bool = False) -> bool:
    """Whether a word of `value` (between blanks; brackets and punctuation around it, '_' and pauses inside it
    aside) is an emergency number of some region: a label or a note around one ('Cell 911', '911 (cell)',
    'call 9_1_1'), not an id that holds its digits (INC-112, uuid-123, v1.1.2)."""
    text = _as_text(value)
    if not text:
        return False
    text = canonical_text(text)
    words = [letter_pauses(w.strip(_WORD_EDGES)).replace("_", "").replace(",", "") for w in text.split()]
    words = [_NOT_DIGITS.sub("", w) if _DIGITS_AND_MARKS.fullmatch(w) else w for w in words]   # 9-1-1 is 911
    if phone_field:   # a phone field's digits are dialled together whatever stands between them ('Cell 9 1 1')
        joined = _NOT_DIGITS.sub("", letter_pauses(text))
        if 0 < len(joined) <= SHORT_MAX_DIGITS and emergency_in(joined):
            return True
    if not any(w.isdigit() and len(w) <= SHORT_MAX_DIGITS and emergency_in(w) for w in words):
        return False
    # in a phone field, always; elsewhere only in a note about a phone: a word about one beside it, or a whole
    # number with its country code or of ten digits or more (not "waited 15 minutes", "Dec 15", "100 Main St")
    # ... or a pause written before it (',911', 'p911': digits a dialler sends after waiting are dialled)
    return phone_field or any(w.lower() in _PHONE_WORDS for w in words) or any(
        text[a:b].lstrip().startswith("+") or sum(ch.isdigit() for ch in text[a:b]) >= 10
        for a, b in phone_spans(text)) or any(
        (m := _PAUSED_WORD.fullmatch(w.strip("()[]{}<>\"'"))) and emergency_in(m.group(1)) for w in text.split())


_PAUSED_WORD = re.compile(rf"(?:[,;]+|[pPwW]+)(\d{{1,{SHORT_MAX_DIGITS}}})[,;]*")   # a pause, then a short number



def _digit_runs(text: str, runs: re.Pattern = _RUN) -> tuple[tuple[bool, str], ...]:
    text = canonical_text(text)
    if _UUID.match(text.strip()):
        return ()
    out = []
    for m in runs.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if (before and (before.isalnum() or before == "_")) or (after and after.isalpha()):
            continue
        run = m.group(0)
        out.append((run.startswith("+"), _NOT_DIGITS.sub("", run)))
    return tuple(out)


# ---- emergency metadata ----

EMERGENCY_TABLE = "emergency-numbers.json"   # in diag/_data: the metadata below, read once per phonenumbers release


def emergency_table_from_metadata() -> dict[str, str]:
    """Region -> libphonenumber's emergency-number pattern (loads every region's short-number metadata: slow)."""
    out = {}
    for region in sorted(phonenumbers.SUPPORTED_SHORT_REGIONS):
        md = phonenumbers.PhoneMetadata.short_metadata_for_region(region)
        if md is not None and md.emergency is not None and md.emergency.national_number_pattern:
            out[region] = md.emergency.national_number_pattern
    return out


@lru_cache(maxsize=1)
def _emergency_patterns() -> _Patterns:
    """From the shipped table when it was made from the installed phonenumbers release (a first check stays fast),
    else from the metadata itself: the table is a cache of libphonenumber, never a hand list."""
    import json

    from diag.core.contract import DATA_DIR

    table = None
    try:
        shipped = json.loads((DATA_DIR / EMERGENCY_TABLE).read_text())
        if shipped.get("phonenumbers") == phonenumbers.__version__:
            table = shipped["patterns"]
    except (OSError, ValueError, KeyError):
        table = None
    if table is None:
        table = emergency_table_from_metadata()
    return _Patterns(table)


class _Patterns(Mapping[str, re.Pattern]):
    """Region -> compiled pattern, compiled when first asked for (most checks never need most regions)."""

    def __init__(self, source: dict[str, str]):
        self.source = source
        self._compiled: dict[str, re.Pattern] = {}

    def __getitem__(self, region: str) -> re.Pattern:
        found = self._compiled.get(region)
        if found is None:
            found = self._compiled[region] = re.compile(f"(?:{self.source[region]})")
        return found

    def __iter__(self):
        return iter(self.source)

    def __len__(self) -> int:
        return len(self.source)


@lru_cache(maxsize=1)
def _any_emergency() -> re.Pattern:
    """Every region's emergency pattern as one: `match` finds a prefix, `fullmatch` an exact number."""
    return re.compile("|".join(f"(?:{p})" for p in sorted(set(_emergency_patterns().source.values()))))


@lru_cache(maxsize=1)
def _exact_only() -> frozenset[str]:
    """Regions where only the exact emergency number reaches emergency services (libphonenumber's list)."""
    return frozenset(phonenumbers.shortnumberinfo._REGIONS_WHERE_EMERGENCY_NUMBERS_MUST_BE_EXACT)


@lru_cache(maxsize=8192)
def emergency_in(digits: str, regions: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Regions (of `regions`, default all) where `digits` is exactly an emergency number."""
    # one pass over every region's pattern first: most digit strings are an emergency number nowhere
    if not digits or len(digits) > SHORT_MAX_DIGITS or not _any_emergency().fullmatch(digits):
        return ()
    table = _emergency_patterns()
    return tuple(sorted(r for r in (regions or table) if r in table.source and table[r].fullmatch(digits)))


@lru_cache(maxsize=8192)
def emergency_prefix_in(digits: str, regions: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Regions where dialling `digits` would reach an emergency number first (prefix match, as switches do)."""
    if not _any_emergency().match(digits):
        return ()
    table = _emergency_patterns()
    return tuple(sorted(r for r in (regions or table) if r in table.source and r not in _exact_only()
                        and table[r].match(digits)))


def _split_country(digits: str) -> tuple[int, str] | None:
    for n in (1, 2, 3):
        cc = int(digits[:n]) if len(digits) >= n else 0
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return cc, digits[n:]
    return None


def _valid(text: str, region: str | None) -> bool:
    try:
        return _region_and_validity(phonenumbers.parse(text, region))[1]
    except phonenumbers.NumberParseException:
        return False


def _region_and_validity(num) -> tuple[str | None, bool]:
    """The number's region and whether it is valid there: phonenumbers' is_valid_number, without working out the
    region a second time (for +1, a pass over 25 regions' patterns)."""
    region = phonenumbers.region_code_for_number(num)
    if region is None:
        return None, False
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(num.country_code, ())) > 1:
        # a shared country code (+1, +7, +44...): a region without leading digits was chosen by the very test
        # is_valid_number_for_region makes (its number type is known), so it is valid there; asked once, not twice
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
        if metadata is not None and metadata.leading_digits is None:
            return region, True
    return region, phonenumbers.is_valid_number_for_region(num, region)


def _named(regions: tuple[str, ...]) -> str:
    return ", ".join(regions[:8]) + (f" and {len(regions) - 8} more" if len(regions) > 8 else "")


# ---- the verdict ----

@lru_cache(maxsize=16384, typed=True)   # typed: 91100000000000000 and 9.11e16 are equal, and read apart
def refusal(value, *, strict: bool, dialled: bool | None = None) -> Refusal | None:
    """Why `value` must never be sent (None: nothing against it). See the module docstring.

    strict: a dialled position on a real org (every rule); dialled (default: strict): a position that may be
    dialled, on any target."""
    dialled = strict if dialled is None else dialled
    text = _as_text(value)
    if text is None:
        if strict and isinstance(value, int) and not isinstance(value, bool):
            return Refusal("unreadable-number", "(a number of more than 4,300 digits)", "a number of more than 4,300 "
                           "digits cannot be read as one to dial, so it is not sent.")
        if strict and isinstance(value, float):   # 9.11e400 or NaN: a server may read the literal as written
            return Refusal("unreadable-number", "(a number too large to read, or not a number)", "a JSON number too "
                           "large to read (or NaN) cannot be checked as one to dial, so it is not sent.")
        return None
    # Every rule is read once per value and position; the lenient verdict is the strict reading's emergency rules
    # (each lenient rule is a strict one that strictness only adds to), so the doctor, which asks both, reads once.
    found = [f for f in _strict_reading(value, text, dialled) if f.code in _ALLOWED[(strict, dialled)]]
    marked = _dropped_as_blanks(text) if dialled else text
    if marked != text:   # read again with a blank for each character the reading drops, and with none: their
        for again in dict.fromkeys((marked, _dropped_as_blanks(text, ""))):   # emergency rules
            found += [f for f in _strict_reading(again, again, dialled) if f.code in _EMERGENCY_CODES
                      and f.code in _ALLOWED[(strict, dialled)]]
    if not found:
        return None
    best = min(found, key=lambda f: _PRIORITY.index(f.code))
    shown = masked(text, keep=4)   # only when there is something to say
    return Refusal(best.code, shown, best.reason.replace("'{shown}'", repr(shown)), best.regions)


@lru_cache(maxsize=16384, typed=True)
def _strict_reading(value, text: str, dialled: bool) -> tuple[Refusal, ...]:
    """Every refusal of every rule for `value` on a real org, in the order the rules run (unfiltered, unshown)."""
    strict = True
    found: list[Refusal] = []
    d = dial_of(value)
    if d is not None:
        found += _refusals(d, strict, dialled)
    cleaned = canonical_text(text).strip()
    parts = user_parts(cleaned) if dialled else []
    for extra in parts[1:]:   # every further URI of a name-addr list is dialled too
        e = _dial_of(extra)
        if e is not None:
            found += _refusals(e, strict, dialled)
    if dialled and (_SOS.search(cleaned) or "%" in cleaned and _SOS.search(unquote(unquote(cleaned)))):
        found.append(Refusal("emergency-number", "{shown}", "'{shown}' addresses emergency services (an SOS service "
                                                            "URN or user), which carriers route as an emergency call."))
    if strict and len(parts) > 1:
        found.append(Refusal("several-destinations", "{shown}", f"'{{shown}}' holds {len(parts)} addresses: diag "
                                                                "sends one destination per value."))
    # numbers anywhere in the value matter where it is dialled (hosts left out: they name where, not whom)
    dialled_part = letter_pauses(_HOSTS.sub(",", cleaned)) if dialled else ""   # '0p1' read as '0,1' throughout
    runs = digit_runs(dialled_part) if dialled else ()
    extension = d.tail if d is not None and d.pause else None   # judged above, in the number's own country
    # '_' between digits is read both ways: joined (9_1_1, +91_81234_56789) and, without a +, as apart
    # ("Phone 911_1234" starts with 911, as "Phone 911 1234" does)
    whole_numbers = {digits for plus, digits in runs if plus and len(digits) >= PHONE_MIN_DIGITS}
    if strict and len(whole_numbers) > 1 and len(parts) <= 1:   # "+1 317 555 0100, +1 317 555 0101"
        found.append(Refusal("several-destinations", "{shown}", f"'{{shown}}' holds {len(whole_numbers)} numbers: "
                                                                "diag sends one destination per value."))
    seen = set(runs)
    apart = tuple(r for r in _digit_runs(dialled_part, _RUN_APART) if not r[0] and r not in seen) \
        if dialled and "_" in dialled_part else ()
    for plus, digits in (*runs, *apart):
        if digits == extension or d is not None and (plus, digits) == (d.plus, d.digits):
            continue   # the number itself: read above, with every rule this reading has and more
        found += [f for f in _refusals(Dial(plus, digits, "", False, False, False, junk=True), False, dialled)
                  if f.code == "emergency-number"]
    with_plus = {r for p, r in runs if p}
    for plus, digits in paused_runs(dialled_part) if dialled else ():
        # a number written across pauses, dialled by a system that does not wait at them: 9,1,1 is 911, and after a
        # whole number ('+1 317 555 0100 9,11') what it sends after the number is 911
        reading = Dial(plus, digits, "", False, False, False, junk=True)
        found += [f for f in _refusals(reading, False, dialled) if f.code == "emergency-number"]
        if not plus:
            continue
        # the number before the first pause (at most 17 digits, as _overdial_refusal reads): a prefix among the runs
        whole = next((digits[:n] for n in range(min(len(digits), 17), 0, -1) if digits[:n] in with_plus), "")
        if not (whole and _valid("+" + whole, None)):   # a whole number, then a pause: its extension rules
            over = _overdial_refusal(digits, "{shown}")
            found += [over] if over is not None else []
    if strict and d is None:
        if runs:   # free text around a number: what a lenient system would dial is the first number in it
            plus, digits = runs[0]
            found += _refusals(Dial(plus, digits, "", False, False, False, junk=True), True, True)
        elif any(ch.isdigit() for ch in dialled_part) and not _UUID.match(dialled_part.strip()):
            found.append(Refusal("unreadable-number", "{shown}", "'{shown}' holds digits but reads as no number "
                                                                  "diag can check, so it is not sent."))
    return tuple(found)


_PRIORITY = ("emergency-number", "emergency-extension", "emergency-access", "emergency-prefix", "short-number",
             "unknown-country", "several-destinations", "feature-code", "unreadable-number")
_EMERGENCY_CODES = frozenset({"emergency-number", "emergency-extension", "emergency-access"})
_ALLOWED = {(False, False): {"emergency-number"},
            (False, True): {"emergency-number", "emergency-extension", "emergency-access"},
            (True, True): set(_PRIORITY), (True, False): set(_PRIORITY)}
_ACCESS_MAX_DIGITS = 9   # an access or dialling prefix in front of an emergency number: short strings only


def _refusals(d: Dial, strict: bool, dialled: bool) -> list[Refusal]:
    shown = "{shown}"
    found: list[Refusal | None] = []
    readings = [(d.plus, d.digits)]
    if not d.plus:
        readings += [(True, d.digits[len(idd):]) for idd in ("00", "011")
                     if d.digits.startswith(idd) and len(d.digits) > len(idd)]
    for plus, digits in readings:
        found.append(_international_refusal(digits, strict, shown) if plus else _national_refusal(digits, strict, shown))
    # Readings a lenient system might make: the + dropped, a feature code (*67) in front, the digits between
    # feature marks, the digits before any letter.
    others = [d.digits] if d.plus else []
    if d.feature:
        others += [d.digits[2:], d.digits[3:], *d.segments]
    if d.after_letters:
        others.append(d.after_letters)
    joined = d.digits + d.tail if d.pause and d.tail and not d.plus else ""
    if joined:   # 9,1,1 or 9p1p1: a system that does not wait at a pause, or a PBX reading tones, dials them together
        others.append(joined)
    if d.lead and d.lead != d.digits:
        others.append(d.lead)
        if d.plus:
            split = _split_country(d.lead)
            if split:
                found.append(_international_refusal(d.lead, False, shown))
    for digits in others:
        regions = emergency_in(digits)
        if regions:
            found.append(_emergency(shown, digits, regions, verb="can dial"))
    regions = emergency_in(d.tail, _number_scope(d)) if dialled and d.tail else ()
    if regions:
        found.append(Refusal("emergency-extension", shown, f"{shown!r} sends {d.tail} after the number, an "
                                                           f"emergency number in {_named(regions)}.", regions))
    if dialled and len(d.digits) <= _ACCESS_MAX_DIGITS and not (d.plus or d.junk or d.vanity):
        found.append(_access_refusal(d.digits, shown))
    if dialled and d.lead and d.lead != d.digits and len(d.lead) <= _ACCESS_MAX_DIGITS and not d.plus:
        found.append(_access_refusal(d.lead, shown))
    if dialled and d.after_letters and len(d.after_letters) <= _ACCESS_MAX_DIGITS:
        found.append(_access_refusal(d.after_letters, shown))
    if dialled and joined and len(joined) <= _ACCESS_MAX_DIGITS and not d.vanity:
        found.append(_access_refusal(joined, shown))
    if dialled and d.plus:
        found.append(_overdial_refusal(d.digits, shown))
    if dialled and d.tail:
        found.append(_tail_access_refusal(d, shown))
    if strict and d.feature:
        found.append(Refusal("feature-code", shown, f"{shown!r} contains * or #: feature codes can change what is "
                                                    "dialled, so diag never sends them."))
    return [f for f in found if f is not None]


def _overdial_refusal(digits: str, shown: str) -> Refusal | None:
    """An emergency number written after a whole number (+1 317 555 0100 (911)): the digits a valid number does not
    take are read as dialled after it, as an extension's are (diag's model: a switch may send them as tones once
    the call connects; nothing documents what Genesys does with them)."""
    split = _split_country(digits)
    if split is None:
        return None
    regions = tuple(phonenumbers.region_codes_for_country_code(split[0]))
    anywhere = _any_emergency()
    for k in range(2, SHORT_MAX_DIGITS + 1):
        head, tail = digits[:-k], digits[-k:]
        if len(head) <= len(str(split[0])) + 3:
            break
        found = emergency_in(tail, regions) if anywhere.fullmatch(tail) else ()   # most tails: one regex, no lookup
        if found and _valid("+" + head, None) and not _valid("+" + digits, None):
            return Refusal("emergency-extension", shown, f"{shown!r} is not a valid number as written: after a "
                                                         f"whole number it sends {tail}, an emergency number in "
                                                         f"{_named(found)}.", found)
    # longer than any number of its country code: what follows the shortest whole number in it is dialled after it
    # (911 1234, 999 999), and starting with an emergency number is enough
    cc, national = split
    if len(national) in possible_lengths_by_country_code().get(cc, (len(national),)):
        return None
    # a whole number is at most 15 digits (E.164), so only the first 17 places can end one; what follows is read
    # only as far as an emergency number (behind an access digit) could reach
    for k in range(len(str(cc)) + 4, min(len(digits) - 1, 18)):
        rest = digits[k:]
        found = _begins_with_emergency(rest[:SHORT_MAX_DIGITS + 1], regions)
        if found and _valid("+" + digits[:k], None):
            return Refusal("emergency-extension", shown, f"{shown!r} is not a valid number as written: after a "
                                                         f"whole number it sends {rest[:12]}"
                                                         f"{'...' if len(rest) > 12 else ''}, which begins with an "
                                                         f"emergency number in {_named(found)}.", found)
    return None


def _tail_access_refusal(d: Dial, shown: str) -> Refusal | None:
    """Digits sent after the number (an extension, after a pause) that reach an emergency number behind an
    outside-line digit of the number's own country (x 9911), or behind an international prefix and a country code
    (,,0011 61 000)."""
    tail = d.tail
    if len(tail) < 3:
        return None
    regions: tuple[str, ...] = ()
    scope = _number_scope(d)
    if len(tail) <= _ACCESS_MAX_DIGITS and (tail[0] in OUTSIDE_LINE or tail[0] == "1" and _in_nanp(scope)):
        regions = emergency_in(tail[1:], scope)
    if not regions:
        for idd in sorted(international_prefixes(), key=len, reverse=True):
            split = _split_country(tail[len(idd):]) if tail.startswith(idd) else None
            if split:
                regions = emergency_in(split[1], tuple(phonenumbers.region_codes_for_country_code(split[0])))
                if regions:
                    break
    if not regions:
        return None
    return Refusal("emergency-extension", shown, f"{shown!r} sends {tail} after the number: an emergency number in "
                                                 f"{_named(regions)} behind an access or dialling prefix.", regions)


def _in_nanp(scope: tuple[str, ...] | None) -> bool:
    """Whether a number of these regions is in the North American plan, where 1 is the long-distance prefix."""
    return scope is None or not set(scope).isdisjoint(phonenumbers.region_codes_for_country_code(1))


def _begins_with_emergency(digits: str, regions: tuple[str, ...] | None) -> tuple[str, ...]:
    """Regions where `digits` begin with an emergency number, as written or behind one outside-line digit (9, 0) or
    the North American long-distance 1 (9911..., 1911...)."""
    for skip in (0, 1):
        if skip and not (digits[:1] in OUTSIDE_LINE or digits[:1] == "1" and _in_nanp(regions)):
            continue
        rest = digits[skip:]
        for n in range(2, min(SHORT_MAX_DIGITS, len(rest)) + 1):
            found = emergency_in(rest[:n], regions)
            if found:
                return found
    return ()


def _number_scope(d: Dial) -> tuple[str, ...] | None:
    """Where digits sent after the number (an extension, after a pause) are read: the regions of the number's own
    country, which is where the far end that reads them is; for a number without a country code, the regions where
    it is a valid number, or every region (None) when it is valid nowhere."""
    if d.plus:
        split = _split_country(d.digits)
        return tuple(phonenumbers.region_codes_for_country_code(split[0])) if split else None
    return _valid_in(d.digits) or None


@lru_cache(maxsize=4096)
def _valid_in(digits: str) -> tuple[str, ...]:
    return tuple(r for r in phonenumbers.SUPPORTED_REGIONS if _valid(digits, r))


OUTSIDE_LINE = ("9", "0")   # a PBX's outside-line digit (diag's reading: the common conventions, modelled)


@lru_cache(maxsize=1)
def international_prefixes() -> frozenset[str]:
    """The literal international dialling prefixes of libphonenumber's metadata (00, 011, 0011, 010, 810...)."""
    import json

    from diag.core.contract import DATA_DIR

    try:
        shipped = json.loads((DATA_DIR / EMERGENCY_TABLE).read_text())
        if shipped.get("phonenumbers") == phonenumbers.__version__ and "international_prefixes" in shipped:
            return frozenset(shipped["international_prefixes"])
    except (OSError, ValueError):
        pass
    return frozenset(international_prefixes_from_metadata())


@lru_cache(maxsize=1)
def possible_lengths_by_country_code() -> dict[int, tuple[int, ...]]:
    """Country calling code -> the lengths its national numbers can have (the union over its regions, from
    libphonenumber's metadata): what a replay script without diag checks a number against."""
    import json

    from diag.core.contract import DATA_DIR

    try:
        shipped = json.loads((DATA_DIR / EMERGENCY_TABLE).read_text())
        if shipped.get("phonenumbers") == phonenumbers.__version__ and "possible_lengths" in shipped:
            return {int(cc): tuple(lengths) for cc, lengths in shipped["possible_lengths"].items()}
    except (OSError, ValueError):
        pass
    return {int(cc): tuple(lengths) for cc, lengths in possible_lengths_from_metadata().items()}


def possible_lengths_from_metadata() -> dict[str, list[int]]:
    out = {}
    for cc, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        lengths: set[int] = set()
        for region in regions:
            md = (phonenumbers.PhoneMetadata.metadata_for_nongeo_region(cc) if region == "001" else
                  phonenumbers.PhoneMetadata.metadata_for_region(region))
            if md is not None and md.general_desc is not None:
                lengths.update(n for n in md.general_desc.possible_length or () if n > 0)
        out[str(cc)] = sorted(lengths)
    return out


def international_prefixes_from_metadata() -> list[str]:
    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        md = phonenumbers.PhoneMetadata.metadata_for_region(region)
        for prefix in (md.preferred_international_prefix, md.international_prefix) if md else ():
            literal = (prefix or "").replace("~", "")
            if literal.isdigit():
                found.add(literal)
    return sorted(found)


def _access_refusal(digits: str, shown: str) -> Refusal | None:
    """An emergency number behind a short prefix: a PBX's outside-line digit (9911, 0112), the North American
    long-distance 1 (1911), an international prefix and country code (0011 61 000, 010 81 110)."""
    nanp = tuple(phonenumbers.region_codes_for_country_code(1))
    for k in range(1, len(digits) - 1):
        prefix, rest = digits[:k], digits[k:]
        regions: tuple[str, ...] = ()
        if prefix in OUTSIDE_LINE:
            regions = emergency_in(rest)
        elif prefix == "1":
            regions = emergency_in(rest, nanp)
        if not regions and prefix in international_prefixes():
            split = _split_country(rest)
            if split:
                regions = emergency_in(split[1], tuple(phonenumbers.region_codes_for_country_code(split[0])))
                rest = split[1] if regions else rest
        if regions:
            return Refusal("emergency-access", shown, f"{shown!r} ends in {rest}, an emergency number in "
                                                      f"{_named(regions)}, behind a short prefix that a phone system "
                                                      "may read as an access or dialling code.", regions)
    return None


def _emergency(shown: str, digits: str, regions: tuple[str, ...], verb: str = "dials") -> Refusal:
    return Refusal("emergency-number", shown, f"{shown!r} {verb} {digits}, an emergency number in "
                                              f"{_named(regions)}. diag never sends it.", regions)


def _national_refusal(digits: str, strict: bool, shown: str) -> Refusal | None:
    regions = emergency_in(digits)
    if regions:
        return _emergency(shown, digits, regions)
    if not strict:
        return None
    if len(digits) <= SHORT_MAX_DIGITS:
        return Refusal("short-number", shown, f"{shown!r} dials {digits}, a short number: short codes reach "
                                              "services, never a test phone. Use a full number in E.164 (+...).")
    prefixed = emergency_prefix_in(digits)
    nanp = prefixed and len(digits) == 11 and digits[0] == "1" and _valid("+" + digits, None)   # 1 + ten digits (NANP)
    if prefixed and not nanp and not all(_valid(digits, r) for r in prefixed):
        # said of the value: no country code, so what it dials is unknown; not "an emergency number" (an account
        # number or a landline in another country's national format reads so)
        return Refusal("emergency-prefix", shown, f"{shown!r} has no country code, so diag cannot tell what it "
                                                  f"dials: in {_named(prefixed)} its first digits are an emergency "
                                                  "number (and the rest is not a valid number there), which a "
                                                  "phone system there could dial first. Write it in E.164 "
                                                  "(+ country code).", prefixed)
    return None


def _international_refusal(digits: str, strict: bool, shown: str) -> Refusal | None:
    split = _split_country(digits)
    if split is None:
        if strict:
            return Refusal("short-number" if len(digits) <= SHORT_MAX_DIGITS + 3 else "unknown-country", shown,
                           f"{shown!r} has no known country code after +: diag cannot tell what it dials.")
        return None
    cc, national = split
    regions = tuple(phonenumbers.region_codes_for_country_code(cc))
    found = emergency_in(national, regions) or (emergency_in(national) if len(national) <= 3 else ())
    if found:
        return _emergency(shown, national, found)
    if not strict:
        return None
    if len(national) <= SHORT_MAX_DIGITS and not _valid("+" + digits, None):   # some countries have 5-6 digits
        return Refusal("short-number", shown, f"{shown!r} is +{cc} with only {len(national)} digits after the country "
                                              "code: a short service code, never a test phone.")
    prefixed = emergency_prefix_in(national, regions)
    if prefixed and not _valid("+" + digits, None):
        return Refusal("emergency-prefix", shown, f"{shown!r} is not a valid number as written, so diag cannot "
                                                  f"tell what it dials: its first digits after +{cc} are an "
                                                  f"emergency number in {_named(prefixed)}, which a phone system "
                                                  "there could dial first.", prefixed)
    return None


_DIAL_STRING = re.compile(r"[0-9*#+](?:[0-9*#+,;pwx]|ext\.?)*")   # digits, + and feature marks, pauses, extensions


def reads_as_dial_string(value) -> bool:
    """Whether a phone system could take `value` for a number to dial: a JSON number, or text made of digits with
    separators (any script, any spaces, dashes, dots, brackets), optionally '+', a tel:/sip: URI or name@host whose
    user part is such a number, and a pause or extension. Not ids, UUIDs, e-mail addresses or words with digits
    ('uuid-123', '001ABC', 'agent-id-123')."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, float):   # 911.5 reads as its text does; 9.11e400 and NaN as what they may stand for
        text = _as_text(value)
        return text is None or value.is_integer() or reads_as_dial_string(text)
    if isinstance(value, int):
        return True
    if not isinstance(value, str) or not _HAS_DIGIT.search(value):
        return False
    text = canonical_text(value).strip()
    if _UUID.match(text):
        return False
    user, address = _user_part(text)
    if address and "@" in text and not _SCHEME.search(text) and not _HAS_DIGIT.search(user):
        return False
    squeezed = _canonical(user)
    return _HAS_DIGIT.search(squeezed) is not None and _DIAL_STRING.fullmatch(squeezed) is not None


_LABEL_BEFORE = re.compile(r"^\s*[^\W\d_][\w .-]{0,24}:\s*")
_NOTE_AFTER = re.compile(r"\s*(?:\([^()]{1,24}\)|[^\W\d_]{1,12})\s*$")


def reads_as_labelled_dial_string(value) -> bool:
    """A dial string with a label before it ("Mobile: 911") or a word or a bracketed note after it ("911 (cell)",
    "112a"): how people write a number into a free-form column."""
    if not isinstance(value, str) or not _HAS_DIGIT.search(value):
        return False
    text = canonical_text(value).strip()
    stripped = _NOTE_AFTER.sub("", _LABEL_BEFORE.sub("", text))
    return stripped != text and reads_as_dial_string(stripped)


def is_pseudonym(value) -> bool:
    """True when `value` is one pseudonym as the Pseudonymiser writes it (`PN1A2B3C4D`, `+1-PN1A2B3C4D`, also after
    `tel:`): a number taken out of a ticket, which is never dialled."""
    m = WHOLE_PSEUDONYM.fullmatch(strip_tel(canonical_text(value))[0]) if isinstance(value, str) else None
    return m is not None and (m.group(1) is None
                              or phonenumbers.region_code_for_country_code(int(m.group(1))) != "ZZ")


def e164_key(value) -> str | None:
    """The exact form used by allow-lists: '+' and digits for numbers (tel: URIs too), the lower-cased
    `sip:<number>@<host>` for a SIP URI (the host decides where it rings), the lower-cased address for a SIP or flow
    name; None when the value holds anything more than one number (text, a feature code, a second address), so it
    matches nothing."""
    d = dial_of(value)
    text = _as_text(value)
    if text is None:
        return None
    cleaned = canonical_text(text).strip()
    if len(user_parts(cleaned)) > 1:
        return None
    if d is None:   # a flow or SIP name (ForceDisconnect@localhost): the address itself is the key
        if "@" in cleaned and not any(ch.isdigit() for ch in cleaned.split("@", 1)[0]):
            return cleaned.lower()
        return None
    if d.feature or d.junk or d.vanity:
        return None
    key = "+" + d.digits if d.plus else d.digits
    for idd in ("00", "011"):
        if not d.plus and d.digits.startswith(idd):
            key = "+" + d.digits[len(idd):]
            break
    key += "," + d.tail if d.pause else ""   # a pause or extension never matches an allow-listed number
    if "@" in cleaned:
        uri = re.fullmatch(r"(?i)<?(sips?:)?[^@<>\s]*@([^\s<>;,?\"']+)>?", cleaned)
        if uri is None:
            return None
        return f"{(uri.group(1) or '').lower()}{key}@{uri.group(2).lower()}"
    return key


def emergency_by_country_code() -> dict[int, str]:
    """Every country calling code with the union of its regions' emergency-number patterns ('' when none):
    the table the bundle's repro scripts carry so that they refuse emergency numbers without diag installed."""
    table = _emergency_patterns()
    out = {}
    for cc, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        pats = sorted({f"(?:{table.source[r]})" for r in regions if r in table})
        out[cc] = "|".join(pats)
    return out


# ---- numbers written in free text, for pseudonymisation (the bundle, the evidence importer) ----

PHONE_MIN_DIGITS = 7   # fewer than 7 digits is a short or service number
# Inside a number: any character that is neither a letter nor a digit (spaces of every kind, tabs, dashes, dots,
# slashes, brackets, middle dots, invisible and combining characters) and escape sequences as JSON and reprs write
# them (\t, \u00a0); not the characters that end a value (: , ; @ = & quotes, braces, line breaks).
_SEPARATOR_CHAR = r"[^\w\n\r+:,;@=&\"'<>{}\[\]|\\?!]"
_ESCAPE = r"\\(?:[tnrvfb]|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})"
SEPARATOR = rf"(?:{_SEPARATOR_CHAR}|{_ESCAPE})"
_SPAN = re.compile(rf"[+\uff0b]?\d(?:{SEPARATOR}*\d)*")
# Only the runs of 7 or more digits: the short ones (counts, times, SVG coordinates) never reach Python. Exact
# unless a separator's compatibility form holds a digit (\u32c0 reads "1\u6708"): all such are in this block,
# and a text with one is read run by run (tests/unit/test_phone_spans.py holds the two to one answer).
_LONG_SPAN = re.compile(rf"[+\uff0b]?\d(?:{SEPARATOR}*\d){{{PHONE_MIN_DIGITS - 1},}}")
_DIGIT_IN_SEPARATOR = re.compile("[\u32c0-\u33ff]")
ESCAPES = re.compile(_ESCAPE)
_ONE_CHAR_SEPARATOR = re.compile(_SEPARATOR_CHAR)
PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")   # phone_spans reads one as a separator
_PERCENT = PERCENT_ESCAPE
_PAUSE_TAIL = re.compile(r"(?i)(?:x|ext\.?|p|w)\d{0,8}")
# a date: a year of this era and a month and day that can be (44.20.7946.0958 is a number: no month 44 or 20)
_DAY, _MONTH, _YEAR = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:1[89]|2[01])\d\d"
_DATE_LIKE = re.compile(rf"(?<!\d)(?:{_YEAR}[-/.]{_MONTH}[-/.]{_DAY}|{_DAY}[-/.]{_MONTH}[-/.]{_YEAR}|"
                        rf"{_MONTH}[-/.]{_DAY}[-/.]{_YEAR})(?!\d)")
_IP_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_DECIMAL = re.compile(r"[+-]?\d+\.\d+")   # a measurement (0.3588235294117647), not a number written with dots
_EPP = re.compile(r"\+[1-9]\d{0,2}\.\d{4,14}")   # +CC.NNNN: how registries (RFC 5733) and some forms write a number


def _is_address_or_measure(raw: str) -> bool:
    """An IPv4 address (no group written with a leading zero, as 02.123.45.67, a Belgian landline, is) or a decimal
    (not +44.2079460958, a country code and a number)."""
    if _IP_LIKE.fullmatch(raw):
        parts = raw.split(".")
        return all(int(part) <= 255 and (len(part) == 1 or part[0] != "0") for part in parts)
    return _DECIMAL.fullmatch(raw) is not None and _EPP.fullmatch(raw) is None


_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


_UUID_ONLY = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class _SeparatorChars(dict):
    """Each character a separator on its own is deleted (str.translate), worked out the first time it is met."""

    def __missing__(self, code: int) -> int | None:
        out = None if _ONE_CHAR_SEPARATOR.fullmatch(chr(code)) else code
        self[code] = out
        return out


_SEPARATOR_CHARS = _SeparatorChars()


def without_separators(text: str) -> str:
    """`text` with every separator (as phone_spans reads them) taken out: the digits of a number written with
    spaces, dashes or dots stand together. The escape sequences first (a separator that is not one character starts
    with a backslash, which no one-character separator is, so both are found where one pass would find them), then
    each one-character separator, by str.translate at C speed."""
    return (ESCAPES.sub("", text) if "\\" in text else text).translate(_SEPARATOR_CHARS)


def spans_stand_together(text: str) -> bool:
    """Whether the digits of every phone span of `text` stand in one run of its separator-less canonical form
    (without_separators(canonical_text(ESCAPES.sub('', text)))): so when each of its separators canonicalises to
    separators only. Not so for a separator whose canonical form holds a letter, digit or plus (\u2121 reads
    'TEL', \u32c0 '1\u6708', \ufe62 '+'), nor, to be safe, beside a combining mark (NFKC may join it to its base).
    Then a digit run of that form that holds no number's digits proves no span does, without reading the spans."""
    if text.isascii():
        return True
    for ch in set(text):
        if ch.isascii() or _WORD_CHAR.match(ch):
            continue
        if unicodedata.category(ch).startswith("M") or without_separators(canonical_text(ch)):
            return False
    return True


_WORD_CHAR = re.compile(r"\w")


def phone_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every number in `text` that could be a person's phone number: 7 or more digits in any
    script and with any separators, standing on its own or as the user part of a tel:/sip: URI or name@host,
    '+', '00' or national form alike. Not: ids glued to letters (UUIDs, hashes), dates, IPv4 addresses,
    decimals. Numbers run together by separators are one span (and so never escape as "too long")."""
    if not isinstance(text, str) or not _HAS_DIGIT.search(text) or _UUID_ONLY.fullmatch(text):
        return []   # an id on its own (most strings of an answer) is hex glued together: never a number
    # JSON escapes (\u00a0, \n, \b) read as the blanks they stand for, same length so that positions hold: a
    # number right after one starts after it, not at its last hex digit (which would glue it to the escape's letters)
    scan = ESCAPES.sub(lambda e: " " * len(e.group(0)), text) if "\\" in text else text
    if "%" in scan:   # a percent-escape in a URL (%3E, %20) stands for one character: never letters glued to a number
        scan = _PERCENT.sub("   ", scan)
    out = []
    for m in (_SPAN if _DIGIT_IN_SEPARATOR.search(scan) else _LONG_SPAN).finditer(scan):
        start, end = m.start(), m.end()
        raw = m.group(0)
        if (end - start < PHONE_MIN_DIGITS and raw.isascii()) or _DATE_LIKE.fullmatch(raw):
            continue   # ASCII is its own canonical text: fewer than 7 characters hold fewer than 7 digits; a date
        raw = raw.strip()
        clean = canonical_text(raw)
        digits = _NOT_DIGITS.sub("", clean)
        if len(digits) < PHONE_MIN_DIGITS:
            continue
        # A date has no '+' and no group of more than four digits: only then can the span be one (a number written
        # +44-20-7946-0958 or +49/89/1234567 never is)
        plus = clean.lstrip().startswith("+")
        long_group = max(map(len, _DIGITS.findall(clean)), default=0) > 4
        if not (plus or long_group) and len(_NOT_DIGITS.sub("", canonical_text(_DATE_LIKE.sub(" ", raw)))) < PHONE_MIN_DIGITS:
            continue   # dates, alone or with a few digits beside them
        if _is_address_or_measure(raw) or _glued_to_letters(scan, start, end) or _a_setting(scan, start, raw):
            continue
        if start and scan[start - 1] == "(" and raw.count(")") > raw.count("("):
            start -= 1   # (555) 123-4567: the bracket the number opens with is the number's ("(PN..." read as a typo)
        out.append((start, end))
    return out


_VERSION = re.compile(r"\d+(?:\.\d+){3,}")   # with a group of one or two digits after the first (131.0.6778.86)
_SETTING_BEFORE = re.compile(r"(?i)(?:max-age=|s-maxage=|bytes[= ])$")
_WORD_BEFORE_SLASH = re.compile(r"([^\W\d_]+)/$")


def _a_setting(scan: str, start: int, raw: str) -> bool:
    """A product's version (Chrome/131.0.6778.86: a name, '/', dotted numbers) or a size or duration a header
    sets (max-age=31536000, bytes=0-1048575): never a phone number."""
    groups = raw.split(".")
    if (_VERSION.fullmatch(raw) and start >= 2 and scan[start - 1] == "/" and scan[start - 2].isalpha()
            and raw[0] != "0" and any(len(g) <= 2 for g in groups[1:]) and any(len(g) >= 3 for g in groups)):
        # a number is not: Tel/1.317.555.0100, FR/06.12.34.56.78 (groups alike, or a leading 0), Fax/44.20.7946.0958
        product = _WORD_BEFORE_SLASH.search(scan, max(0, start - 24), start)
        return product is None or product.group(1).lower() not in PHONE_LABELS
    return _SETTING_BEFORE.search(scan[max(0, start - 9):start]) is not None


_LABEL_SPLIT = re.compile(r"[._-]")
PHONE_LABELS = frozenset({"tel", "tél", "phone", "ph", "mob", "mobile", "cell", "fax", "no", "nr", "num", "t",
                           "m", "p", "f", "callback", "call", "home", "work", "office", "direct", "dd", "ddi",
                           "caller", "callee", "ani", "dnis", "sms"})
_ESCAPE_BEFORE = re.compile(r"\\(?:[tnrvfb]|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})$")
# words beside an emergency number that make a note about a phone (emergency_word)
_PHONE_WORDS = PHONE_LABELS | {"dial", "ring", "emergency", "sos", "cellphone", "telephone", "handy", "movil",
                               "móvil", "telefone", "telefono", "teléfono", "téléphone", "portable", "whatsapp"}


def _glued_to_letters(text: str, start: int, end: int) -> bool:
    """Digits inside an identifier with letters (f3af2a85-4c12-4930-9941-624d8a31a80e, a hash) are no number;
    a pause or extension after a number (x123, ext. 12, p1) does not make it one, nor a JSON escape before it
    (\n, \t, \u00a0 in a body kept as text)."""
    i = start
    if _ESCAPE_BEFORE.search(text, max(0, start - 6), start):
        return False
    while i > 0 and text[i - 1] in _ID_CHARS:
        i -= 1
    # a number written after a word that names a phone, glued by a plus, dot or dash (Tel+44 ..., Mob.07700 900123,
    # callback-+1 ..., No.+1317...): INV-2023 000123, sig=AbC+1234567890 and x+1317... stay as written
    glue = text[i:start]
    word = _LABEL_SPLIT.split(glue.rstrip("._-"))[-1].lower() if glue else ""
    written = word in PHONE_LABELS and (text[start] in "+\uff0b" or glue[-1:] in (".", "-"))
    if any(c.isalpha() for c in text[i:start]) and not written:
        return True
    tail = _PAUSE_TAIL.match(text, end)
    if tail and (tail.end() == len(text) or text[tail.end()] not in _ID_CHARS):
        return False
    j = end
    while j < len(text) and text[j] in _ID_CHARS and text[j] != ".":
        j += 1
    return any(c.isalpha() for c in text[end:j])


# ---- E.164 advice: what the doctor says of a number's spelling (tel:, formatting, a missing +) -----------

_FORMATTING = re.compile(r"[\s\-().\u00a0/]")


@dataclass
class PhoneCheck:
    raw: str
    cleaned: str                  # without tel: and parameters
    kind: str                     # "e164" | "number" | "address" (SIP/flow) | "empty"
    e164: str | None = None       # the normalised form, when one can be derived
    region: str | None = None
    valid: bool = False
    emergency_in: tuple[str, ...] = ()   # regions where this is an emergency number
    service_in: tuple[str, ...] = ()     # regions where this is another short service number
    problems: list[tuple[str, str]] = field(default_factory=list)  # (code, detail)

    @property
    def blocked(self) -> bool:
        return bool(self.emergency_in or self.service_in)


def strip_tel(value: str) -> tuple[str, bool]:
    """'tel:+1-317-555-0100;ext=2' -> ('+1-317-555-0100', True)."""
    v = value.strip()
    if v.lower().startswith("tel:"):
        return v[4:].split(";", 1)[0].strip(), True
    return v, False


def is_address(value: str) -> bool:
    """SIP URIs and flow addresses (user@host) are legal in phoneNumber, e.g. 'ForceDisconnect@localhost'."""
    v = value.strip().lower()
    return "@" in v or v.startswith(("sip:", "sips:"))


@lru_cache(maxsize=4096)
def service_regions(digits: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    """Regions (of those given) in which a digit string is a valid short service number."""
    if not digits or len(digits) > SHORT_MAX_DIGITS:
        return ()
    out = []
    for r in regions:
        try:
            if phonenumbers.shortnumberinfo.is_valid_short_number_for_region(phonenumbers.parse(digits, r), r):
                out.append(r)
        except phonenumbers.NumberParseException:
            pass
    return tuple(out)


@lru_cache(maxsize=8192)
def region_of(e164: str) -> str | None:
    """The region of a number in E.164 (cached: the doctor asks it of the caller id before and after Fix it)."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None


def caller_region(value: str) -> str | None:
    """The country a caller id places the call in, which reads the other numbers of a body written without '+':
    the region of the number it normalises to (its analysis knows it whenever it has an E.164 form: one parse)."""
    check = analyse(value)
    if check.e164 is not None and check.region is not None:
        return check.region
    return region_of(normalise(value))   # (an invalid number's analysis has no region; its E.164 parse may)


def as_e164(num) -> str:
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def analyse(value: str, region_hint: str | None = None) -> PhoneCheck:
    """Everything the doctor needs to know about one number-bearing string (cached: treat as read-only)."""
    if region_hint is not None and strip_tel(value)[0].startswith("+"):
        region_hint = None   # the hint is read only for a number without '+': one reading, whoever asks
    return _analysed(value, region_hint)


@lru_cache(maxsize=8192)
def _analysed(value: str, region_hint: str | None) -> PhoneCheck:
    cleaned, had_tel = strip_tel(value)
    if not cleaned:
        return PhoneCheck(value, cleaned, "empty")
    if is_address(cleaned):
        user = cleaned.split(":", 1)[-1].split("@", 1)[0]
        check = PhoneCheck(value, cleaned, "address")
        if user.isdigit():  # sip:911@host still dials 911
            check.emergency_in = emergency_in(user)
        return check
    check = PhoneCheck(value, cleaned, "number")
    if had_tel:
        check.problems.append(("phone-tel-prefix", "tel:"))
    digits = _NOT_DIGITS.sub("", cleaned)
    plus = cleaned.startswith("+")
    if plus:
        _analyse_international(check, cleaned)
    else:
        check.emergency_in = emergency_in(digits)
        if region_hint and not check.emergency_in:
            check.service_in = service_regions(digits, (region_hint,))
        if not check.blocked:
            _suggest_e164(check, digits, region_hint)
    if _FORMATTING.search(cleaned) and not check.blocked:
        check.problems.append(("phone-formatting", cleaned))
    if check.kind != "e164" and not check.blocked:
        check.problems.append(("phone-missing-plus" if check.e164 else
                               ("phone-invalid" if plus else "phone-not-e164"), check.e164 or ""))
    return check


def _analyse_international(check: PhoneCheck, cleaned: str) -> None:
    try:
        num = phonenumbers.parse(cleaned, None)
    except phonenumbers.NumberParseException:
        return
    national = str(num.national_number)
    if len(national) <= SHORT_MAX_DIGITS:  # only short numbers can be service codes
        regions = tuple(phonenumbers.region_codes_for_country_code(num.country_code or 0))
        check.emergency_in = tuple(r for r in regions if phonenumbers.shortnumberinfo.is_emergency_number(national, r))
        if not check.emergency_in:
            check.service_in = service_regions(national, regions)
    if check.blocked:
        return
    check.e164 = as_e164(num)
    check.region, check.valid = _region_and_validity(num)
    if check.valid:
        check.kind = "e164"


def _suggest_e164(check: PhoneCheck, digits: str, region_hint: str | None) -> None:
    """A number without '+': try the hint's country, then the digits read as already international."""
    candidates: list[tuple[str, str | None]] = []
    if region_hint:
        candidates.append((digits, region_hint))
    candidates.append(("+" + digits, None))
    for text, region in candidates:
        try:
            num = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        region, valid = _region_and_validity(num)
        if valid:
            check.e164 = as_e164(num)
            check.region = region
            return


def normalise(value: str, region_hint: str | None = None) -> str:
    """The form to send: E.164 when derivable, the SIP/flow address as is, else the value without tel:."""
    check = analyse(value, region_hint)
    if check.kind == "address":
        return check.cleaned
    return check.e164 or check.cleaned
