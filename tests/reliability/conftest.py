"""A database that real server processes can share with the test."""

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.reliability.servers import manage


@dataclass
class ServedDatabase:
    """The database a gunicorn under test serves, and a way to read it back."""

    url: str
    sqlite_path: Path | None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as db:
                return db.execute(sql, params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall()


@pytest.fixture
def served_db(transactional_db, tmp_path) -> ServedDatabase:
    """The run's own database on PostgreSQL (its test database, committed for real);
    on SQLite a migrated file with the settings the README gives (WAL, busy timeout).
    """
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return ServedDatabase(url, None)
    path = tmp_path / "kiji.sqlite3"
    url = f"sqlite:///{path}"
    manage(url, "migrate", "--no-input")
    return ServedDatabase(url, path)


def make_served_post(db: ServedDatabase, title: str = "Served post") -> tuple[int, str]:
    """Create a published post in the served database; return (id, path)."""
    code = (
        "from tests.factories import make_post; "
        f"p = make_post({title!r}); print(p.pk, p.get_absolute_url())"
    )
    out = manage(db.url, "shell", "--no-imports", "-c", code).stdout.split()
    return int(out[0]), out[1]
