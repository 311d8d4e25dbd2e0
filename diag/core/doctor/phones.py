"""Phone numbers as Genesys sees them: E.164 normalisation, SIP/flow addresses, emergency and service numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from phonenumbers import shortnumberinfo

_FORMATTING = re.compile(r"[\s\-().\u00a0/]")
_NOT_DIGIT = re.compile(r"\D")
_SHORT_MAX_DIGITS = 6  # service codes are short; anything longer is an ordinary number


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
def emergency_regions(digits: str) -> tuple[str, ...]:
    """Regions in which a bare digit string is an emergency number (checked against every region)."""
    if not digits or len(digits) > _SHORT_MAX_DIGITS:
        return ()
    return tuple(r for r in sorted(phonenumbers.SUPPORTED_SHORT_REGIONS)
                 if shortnumberinfo.is_emergency_number(digits, r))


@lru_cache(maxsize=4096)
def service_regions(digits: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    """Regions (of those given) in which a digit string is a valid short service number."""
    if not digits or len(digits) > _SHORT_MAX_DIGITS:
        return ()
    out = []
    for r in regions:
        try:
            if shortnumberinfo.is_valid_short_number_for_region(phonenumbers.parse(digits, r), r):
                out.append(r)
        except phonenumbers.NumberParseException:
            pass
    return tuple(out)


def region_of(e164: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None


def _as_e164(num) -> str:
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=8192)
def analyse(value: str, region_hint: str | None = None) -> PhoneCheck:
    """Everything the doctor needs to know about one number-bearing string (cached: treat as read-only)."""
    cleaned, had_tel = strip_tel(value)
    if not cleaned:
        return PhoneCheck(value, cleaned, "empty")
    if is_address(cleaned):
        user = cleaned.split(":", 1)[-1].split("@", 1)[0]
        check = PhoneCheck(value, cleaned, "address")
        if user.isdigit():  # sip:911@host still dials 911
            check.emergency_in = emergency_regions(user)
        return check
    check = PhoneCheck(value, cleaned, "number")
    if had_tel:
        check.problems.append(("phone-tel-prefix", "tel:"))
    digits = _NOT_DIGIT.sub("", cleaned)
    plus = cleaned.startswith("+")
    if plus:
        _analyse_international(check, cleaned)
    else:
        check.emergency_in = emergency_regions(digits)
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
    if len(national) <= _SHORT_MAX_DIGITS:  # only short numbers can be service codes
        regions = tuple(phonenumbers.region_codes_for_country_code(num.country_code))
        check.emergency_in = tuple(r for r in regions if shortnumberinfo.is_emergency_number(national, r))
        if not check.emergency_in:
            check.service_in = service_regions(national, regions)
    if check.blocked:
        return
    check.e164 = _as_e164(num)
    check.region = phonenumbers.region_code_for_number(num)
    check.valid = phonenumbers.is_valid_number(num)
    if check.valid:
        check.kind = "e164"


def _suggest_e164(check: PhoneCheck, digits: str, region_hint: str | None) -> None:
    """A number without '+': try the hint's country, then the digits read as already international."""
    candidates = []
    if region_hint:
        candidates.append((digits, region_hint))
    candidates.append(("+" + digits, None))
    for text, region in candidates:
        try:
            num = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            check.e164 = _as_e164(num)
            check.region = phonenumbers.region_code_for_number(num)
            return


def normalise(value: str, region_hint: str | None = None) -> str:
    """The form to send: E.164 when derivable, the SIP/flow address as is, else the value without tel:."""
    check = analyse(value, region_hint)
    if check.kind == "address":
        return check.cleaned
    return check.e164 or check.cleaned
