"""The pure core: no network, no files but the contract data. The doctor, what numbers dial, redaction, the
exchange record, the API contract, errors and regions."""

__version__ = "0.1.0"   # the one place the version is written (pyproject reads it)
