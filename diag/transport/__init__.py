"""Transports: the one way out of diag (see base.py)."""
from .app import AppTransport
from .base import Request, Response, Transport, TransportFailure
from .http import HTTPTransport

__all__ = ["AppTransport", "HTTPTransport", "Request", "Response", "Transport", "TransportFailure"]
