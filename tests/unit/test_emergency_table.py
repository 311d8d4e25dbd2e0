"""diag/_data/emergency-numbers.json is a cache of libphonenumber's metadata, never a hand list: it matches the
metadata of the release it names, and any other release is read from the metadata itself."""
import json
from importlib.resources import files

import phonenumbers
import pytest

from diag.core import numbers


def shipped() -> dict:
    return json.loads((files("diag") / "_data" / numbers.EMERGENCY_TABLE).read_text())


def test_the_table_is_the_metadata_of_its_release():
    table = shipped()
    if table["phonenumbers"] != phonenumbers.__version__:
        pytest.skip(f"table made for phonenumbers {table['phonenumbers']}, {phonenumbers.__version__} installed: "
                    "diag reads the metadata instead (make contract refreshes the table)")
    assert table["patterns"] == numbers.emergency_table_from_metadata()
    assert table["international_prefixes"] == numbers.international_prefixes_from_metadata()
    assert table["possible_lengths"] == numbers.possible_lengths_from_metadata()
    lengths = numbers.possible_lengths_by_country_code()
    assert 10 in lengths[1] and 13 not in lengths[1] and 9 in lengths[44]


def test_another_release_is_read_from_the_metadata(monkeypatch):
    monkeypatch.setattr(phonenumbers, "__version__", "0.0.0-not-the-shipped-one")
    numbers._emergency_patterns.cache_clear()
    try:
        patterns = numbers._emergency_patterns()
        assert dict(patterns.source) == numbers.emergency_table_from_metadata()
        assert patterns["US"].fullmatch("911") and patterns["GB"].fullmatch("999")
    finally:
        numbers._emergency_patterns.cache_clear()
