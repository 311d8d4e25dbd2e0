"""The error a simulated endpoint raises; the server turns it into a full ErrorBody."""
from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, code: str | None, message: str, params: dict | None = None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.params = params or {}
        self.headers = headers or {}
