"""What a value would dial, and whether diag may ever send it: the one numbers module of the safety gate.

`dial_of(value)` reads a string or a JSON number the way a lenient phone system would: Unicode and full-width
digits, any separator (spaces of every kind, tabs, dashes, dots, brackets, invisible characters), `tel:` and
`sip:`/`sips:` URIs (user part, percent-escapes), `name@host` addresses, `00`/`011` international prefixes,
pauses and extensions (`,` `;` `p` `w` `x` `ext`), feature codes (`*`, `#`) and keypad letters.

`refusal(value, strict=...)` says why a value must never be sent, or None:
  - strict (a position that may be dialled: `phoneNumber`, `participants[].address`, an unknown key):
    emergency numbers of any region, every short number (at most 6 national digits: service codes are never test
    destinations), feature codes, emergency numbers in an extension, and long numbers that begin with an
    emergency number where they are not valid numbers (`9115550100`);
  - not strict (any other value of a write): emergency numbers of any region.
Which numbers are emergency numbers comes from libphonenumber's short-number metadata, never from a hand list.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

import phonenumbers
from phonenumbers import shortnumberinfo
from phonenumbers.phonemetadata import PhoneMetadata

SHORT_MAX_DIGITS = 6   # the longest emergency number in libphonenumber's metadata is 6 digits
PAUSE = re.compile(r"(?:ext\.?|[,;pwx])")
_KEYPAD = str.maketrans("abcdefghijklmnopqrstuvwxyz", "22233344455566677778889999")
_PLUS_LIKE = "+\uff0b\u2795\ufe62\u207a\u208a"
_INVISIBLE = {"Cf", "Cc", "Zs", "Zl", "Zp", "Pd"}   # format chars, controls, spaces, dashes
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


@dataclass(frozen=True)
class Refusal:
    code: str           # emergency-number | short-number | feature-code | emergency-extension | emergency-prefix
    shown: str          # the value as it may be shown: service numbers whole, anything longer masked
    reason: str
    regions: tuple[str, ...] = ()


def masked(value: str, keep: int = 0) -> str:
    """`value` with every digit after the first `keep` (and before the last two) replaced by a bullet."""
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


def _canonical(text: str) -> str:
    """NFKC (full-width digits and plus), other Unicode digits to ASCII, separators and invisibles removed."""
    if text.isascii() and text.isprintable():     # the common case, without the per-character walk
        return text.translate(_ASCII_SEPARATORS).lower()
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isascii():
            if ch.isspace() or ch in _SEPARATORS or ch == "-":
                continue
            out.append(ch.lower())
        elif ch in _PLUS_LIKE:
            out.append("+")
        elif unicodedata.category(ch) == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        elif unicodedata.category(ch) in _INVISIBLE:
            continue
        else:
            out.append(ch.lower())
    return "".join(out)


def _user_part(text: str) -> tuple[str, bool]:
    """The part of a tel:/sip: URI or name@host address that is dialled."""
    low = text.strip().lower()
    for scheme in ("tel:", "sips:", "sip:"):
        if low.startswith(scheme):
            rest = text.strip()[len(scheme):]
            user = rest.split("@", 1)[0]
            return unquote(user), True
    if "@" in text:
        return unquote(text.split("@", 1)[0]), True
    return text, False


@lru_cache(maxsize=16384)
def dial_of(value) -> Dial | None:
    """How `value` would be dialled, or None when it is not a dial string at all (an id, a date, a word)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    elif isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or len(value) > 200:
        return None
    user, address = _user_part(value)
    text = _canonical(user)
    feature = "*" in text or "#" in text
    text = text.replace("*", "").replace("#", "")
    plus = text.startswith("+")
    text = text.lstrip("+")
    m = re.match(r"\d+", text)
    head = m.group(0) if m else ""
    rest = text[len(head):]
    tail = ""
    vanity = paused = False
    if rest:
        pause = PAUSE.match(rest)
        if head and pause:
            tail = re.sub(r"\D", "", rest[pause.end():])
            paused = True
        elif re.fullmatch(r"[0-9a-z]+", rest):
            head = (head + rest).translate(_KEYPAD)   # 1-800-FLOWERS, or "www"
            vanity = True
        elif head:
            tail = ""   # trailing punctuation or text after a number: what is dialled is the head
        else:
            return None
    if not head:
        return None
    return Dial(plus, head, tail, feature, vanity, address, paused)


# ---- emergency metadata ----

@lru_cache(maxsize=1)
def _emergency_patterns() -> dict[str, re.Pattern]:
    out = {}
    for region in phonenumbers.SUPPORTED_SHORT_REGIONS:
        md = PhoneMetadata.short_metadata_for_region(region)
        if md is not None and md.emergency is not None and md.emergency.national_number_pattern:
            out[region] = re.compile(f"(?:{md.emergency.national_number_pattern})")
    return out


@lru_cache(maxsize=1)
def _any_emergency_prefix() -> re.Pattern:
    return re.compile("|".join(f"(?:{p.pattern})" for p in _emergency_patterns().values()))


_EXACT_ONLY = frozenset(shortnumberinfo._REGIONS_WHERE_EMERGENCY_NUMBERS_MUST_BE_EXACT)


@lru_cache(maxsize=8192)
def emergency_in(digits: str, regions: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Regions (of `regions`, default all) where `digits` is exactly an emergency number."""
    if not digits or len(digits) > SHORT_MAX_DIGITS or not _any_emergency_prefix().match(digits):
        return ()
    table = _emergency_patterns()
    return tuple(sorted(r for r in (regions or table) if r in table and table[r].fullmatch(digits)))


@lru_cache(maxsize=8192)
def emergency_prefix_in(digits: str, regions: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Regions where dialling `digits` would reach an emergency number first (prefix match, as switches do)."""
    if not _any_emergency_prefix().match(digits):
        return ()
    table = _emergency_patterns()
    return tuple(sorted(r for r in (regions or table) if r in table and r not in _EXACT_ONLY
                        and table[r].match(digits)))


def _split_country(digits: str) -> tuple[int, str] | None:
    for n in (1, 2, 3):
        cc = int(digits[:n]) if len(digits) >= n else 0
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return cc, digits[n:]
    return None


def _valid(text: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False


def _named(regions: tuple[str, ...]) -> str:
    return ", ".join(regions[:8]) + (f" and {len(regions) - 8} more" if len(regions) > 8 else "")


# ---- the verdict ----

@lru_cache(maxsize=16384)
def refusal(value, *, strict: bool) -> Refusal | None:
    """Why `value` must never be sent (None: nothing against it). See the module docstring."""
    dial = dial_of(value)
    if dial is None:
        return None
    found = _refusal(dial, strict, "{shown}")
    if found is None:
        return None
    shown = masked(value if isinstance(value, str) else str(value), keep=4)   # only when there is something to say
    return Refusal(found.code, shown, found.reason.replace("'{shown}'", repr(shown)), found.regions)


_PRIORITY = ("emergency-number", "emergency-extension", "emergency-prefix", "short-number", "unknown-country",
             "feature-code")


def _refusal(d: Dial, strict: bool, shown: str) -> Refusal | None:
    found: list[Refusal] = []
    readings = [(d.plus, d.digits)]
    if not d.plus:
        readings += [(True, d.digits[len(idd):]) for idd in ("00", "011")
                     if d.digits.startswith(idd) and len(d.digits) > len(idd)]
    for plus, digits in readings:
        found.append(_international_refusal(digits, strict, shown) if plus else _national_refusal(digits, strict, shown))
    # Readings a lenient system might make: the + dropped, or a feature code (*67) in front.
    others = [d.digits] if d.plus else []
    if d.feature:
        others += [d.digits[2:], d.digits[3:]]
    for digits in others:
        regions = emergency_in(digits)
        if regions:
            found.append(Refusal("emergency-number", shown, f"{shown!r} can dial {digits}, an emergency number in "
                                                            f"{_named(regions)}. diag never sends it.", regions))
    if d.tail and emergency_in(d.tail):
        regions = emergency_in(d.tail)
        found.append(Refusal("emergency-extension", shown, f"{shown!r} sends {d.tail} after the number, an "
                                                           f"emergency number in {_named(regions)}.", regions))
    if strict and d.feature:
        found.append(Refusal("feature-code", shown, f"{shown!r} contains * or #: feature codes can change what is "
                                                    "dialled, so diag never sends them."))
    found = [f for f in found if f is not None and (strict or f.code == "emergency-number")]
    return min(found, key=lambda f: _PRIORITY.index(f.code)) if found else None


def _national_refusal(digits: str, strict: bool, shown: str) -> Refusal | None:
    regions = emergency_in(digits)
    if regions:
        return Refusal("emergency-number", shown, f"{shown!r} dials {digits}, an emergency number in "
                                                  f"{_named(regions)}. diag never sends it.", regions)
    if not strict:
        return None
    if len(digits) <= SHORT_MAX_DIGITS:
        return Refusal("short-number", shown, f"{shown!r} dials {digits}, a short number: short codes reach "
                                              "services, never a test phone. Use a full number in E.164 (+...).")
    prefixed = emergency_prefix_in(digits)
    nanp = len(digits) == 11 and digits[0] == "1" and _valid("+" + digits, None)   # 1 + ten digits, as in North America
    if prefixed and not nanp and not all(_valid(digits, r) for r in prefixed):
        return Refusal("emergency-prefix", shown, f"{shown!r} begins with an emergency number in "
                                                  f"{_named(prefixed)} and is not a valid number there: a phone "
                                                  "system would dial the emergency number. Write it in E.164 "
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
        return Refusal("emergency-number", shown, f"{shown!r} dials {national}, an emergency number in "
                                                  f"{_named(found)}. diag never sends it.", found)
    if not strict:
        return None
    if len(national) <= SHORT_MAX_DIGITS:
        return Refusal("short-number", shown, f"{shown!r} is +{cc} with only {len(national)} digits after the country "
                                              "code: a short service code, never a test phone.")
    prefixed = emergency_prefix_in(national, regions)
    if prefixed and not _valid("+" + digits, None):
        return Refusal("emergency-prefix", shown, f"{shown!r} is not a valid number and its digits after +{cc} "
                                                  f"begin with an emergency number in {_named(prefixed)}.", prefixed)
    return None


def e164_key(value) -> str | None:
    """The exact form used by allow-lists: '+' and digits for numbers, the lower-cased address otherwise."""
    d = dial_of(value)
    if d is None or d.feature:
        return None
    if d.vanity:   # a flow or SIP name (ForceDisconnect@localhost): the address itself is the key
        return value.strip().lower() if d.address and isinstance(value, str) else None
    key = "+" + d.digits if d.plus else d.digits
    for idd in ("00", "011"):
        if not d.plus and d.digits.startswith(idd):
            key = "+" + d.digits[len(idd):]
            break
    return key + ("," + d.tail if d.pause else "")   # a pause or extension never matches an allow-listed number


def emergency_by_country_code() -> dict[int, str]:
    """Every country calling code with the union of its regions' emergency-number patterns ('' when none):
    the table the bundle's repro scripts carry so that they refuse emergency numbers without diag installed."""
    table = _emergency_patterns()
    out = {}
    for cc, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        pats = sorted({table[r].pattern for r in regions if r in table})
        out[cc] = "|".join(pats)
    return out
