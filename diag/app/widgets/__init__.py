"""Notebook panels: each a plain view-model (state and logic, tested directly) plus an ipywidgets view."""
