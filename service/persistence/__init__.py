"""Persistence: the database (SQLite file by default, PostgreSQL through DATABASE_URL)."""
