"""Transports: the one way out of diag (see base.py)."""
from diag.transport.app import AppTransport
from diag.transport.base import Request, Response, Transport, TransportFailure
from diag.transport.http import HTTPTransport

__all__ = ["AppTransport", "HTTPTransport", "Request", "Response", "Transport", "TransportFailure"]
