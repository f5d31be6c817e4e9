"""The SQLite catalog. All SQL lives in this package, behind functions named for what they answer;
other layers hold its connections as ``Connection`` and never write SQL themselves."""

from sqlite3 import Connection, Row

__all__ = ["Connection", "Row"]
