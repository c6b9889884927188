"""Read a copy of a database the way an attacker would: directly, read-only, no app keys.

Only the ``sqlite3`` module (for a file, ``sqlite:///path`` or ``file:`` URI) or ``psycopg``
(for ``postgresql://``) — never Django's connection, which could reach the key store.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    primary_key: bool = False


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str


class Source(ABC):
    label: str

    @abstractmethod
    def tables(self) -> list[str]: ...

    @abstractmethod
    def columns(self, table: str) -> list[Column]: ...

    @abstractmethod
    def foreign_keys(self, table: str) -> list[ForeignKey]: ...

    @abstractmethod
    def count(self, table: str) -> int: ...

    @abstractmethod
    def sample(self, table: str, limit: int) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def close(self) -> None: ...


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteSource(Source):
    def __init__(self, path: str):
        self.label = f"sqlite:///{path}" if not path.startswith("file:") else path
        if path.startswith("file:"):
            self.conn = sqlite3.connect(path, uri=True)
        else:
            if not Path(path).is_file():
                raise FileNotFoundError(f"no SQLite database at {path}")
            # Read-only: the drill must never change the copy it inspects.
            self.conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
        self.conn.text_factory = lambda b: b.decode("utf-8", "replace")

    def tables(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        return [r[0] for r in rows]

    def columns(self, table: str) -> list[Column]:
        rows = self.conn.execute(f"PRAGMA table_info({_q(table)})")  # noqa: S608
        return [Column(r[1], (r[2] or "").lower(), bool(r[5])) for r in rows]

    def foreign_keys(self, table: str) -> list[ForeignKey]:
        rows = self.conn.execute(f"PRAGMA foreign_key_list({_q(table)})")  # noqa: S608
        return [ForeignKey(r[3], r[2], r[4] or "id") for r in rows]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {_q(table)}").fetchone()[0])  # noqa: S608

    def sample(self, table: str, limit: int) -> list[tuple[Any, ...]]:
        sql = f"SELECT * FROM {_q(table)}"  # noqa: S608 - identifier quoted
        if limit > 0:
            sql += f" LIMIT {int(limit)}"
        return list(self.conn.execute(sql))

    def close(self) -> None:
        self.conn.close()


class PostgresSource(Source):
    def __init__(self, url: str):
        import psycopg

        parsed = urlparse(url)
        self.label = parsed._replace(netloc=parsed.hostname or "").geturl()  # no password
        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.read_only = True

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)  # type: ignore[arg-type]
            return list(cur.fetchall())

    def tables(self) -> list[str]:
        rows = self._rows(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        )
        return [name if schema == "public" else f"{schema}.{name}" for schema, name in rows]

    @staticmethod
    def _split(table: str) -> tuple[str, str]:
        schema, _, name = table.rpartition(".")
        return schema or "public", name

    def columns(self, table: str) -> list[Column]:
        schema, name = self._split(table)
        pks = {
            r[0]
            for r in self._rows(
                "SELECT kcu.column_name FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage kcu "
                "ON tc.constraint_name = kcu.constraint_name "
                "AND tc.table_schema = kcu.table_schema "
                "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = %s "
                "AND tc.table_name = %s",
                schema,
                name,
            )
        }
        rows = self._rows(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            schema,
            name,
        )
        return [Column(r[0], r[1].lower(), r[0] in pks) for r in rows]

    def foreign_keys(self, table: str) -> list[ForeignKey]:
        schema, name = self._split(table)
        rows = self._rows(
            "SELECT kcu.column_name, ccu.table_schema, ccu.table_name, ccu.column_name "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu "
            "ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema "
            "JOIN information_schema.constraint_column_usage ccu "
            "ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema "
            "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = %s "
            "AND tc.table_name = %s",
            schema,
            name,
        )
        return [
            ForeignKey(r[0], r[2] if r[1] == "public" else f"{r[1]}.{r[2]}", r[3]) for r in rows
        ]

    def _ident(self, table: str) -> Any:
        from psycopg import sql

        schema, name = self._split(table)
        return sql.Identifier(schema, name)

    def count(self, table: str) -> int:
        from psycopg import sql

        with self.conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(self._ident(table)))
            row = cur.fetchone()
            return int(row[0]) if row else 0

    def sample(self, table: str, limit: int) -> list[tuple[Any, ...]]:
        from psycopg import sql

        query = sql.SQL("SELECT * FROM {}").format(self._ident(table))
        if limit > 0:
            query = query + sql.SQL(" LIMIT {}").format(sql.Literal(int(limit)))
        with self.conn.cursor() as cur:
            cur.execute(query)
            return list(cur.fetchall())

    def close(self) -> None:
        self.conn.close()


def open_source(target: str) -> Source:
    """A path, ``sqlite:///path``, ``file:…`` URI or ``postgresql://`` URL."""
    scheme = urlparse(target).scheme
    if scheme in {"postgres", "postgresql"}:
        return PostgresSource(target)
    if target.startswith("sqlite://"):
        return SqliteSource(target.removeprefix("sqlite://"))
    return SqliteSource(target)


def default_target() -> str:
    """The main database of this deployment, as a URL the drill can open by itself."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if str(db["ENGINE"]).endswith("sqlite3"):
        return str(db["NAME"])
    user = quote(str(db.get("USER") or ""))
    password = quote(str(db.get("PASSWORD") or ""))
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{db.get('HOST') or ''}{port}/{quote(str(db['NAME']))}"
