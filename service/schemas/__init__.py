"""Marshmallow schemas for every input and output of the HTTP API (Flask-free)."""
