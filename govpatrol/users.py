"""The duty desk's local users: admin, duty officer (值守人员), inspector (检查人员).

Users live in ``<prefix>-users`` (one document per user, id = user name), so every desk process and
``govpatrol users`` share them. Passwords are hashed with argon2id (``argon2-cffi``'s defaults, the
RFC 9106 low-memory profile); a hash made under older parameters is rehashed at the next login.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from elasticsearch import ApiError, NotFoundError, TransportError

from pipelines.store import Store, StoreUnavailable

ROLES = ("admin", "duty", "inspector")
ROLE_ZH = {"admin": "管理员", "duty": "值守人员", "inspector": "检查人员"}
ROLE_WORDS = {**{v: k for k, v in ROLE_ZH.items()}, "值班人员": "duty"}
MIN_PASSWORD = 10
_NAME = re.compile(r"[A-Za-z0-9_.\-]{2,40}")
_hasher = PasswordHasher()
# verified against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """Bad user input (name, role, password): the message names the field, exit code 2."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    display_name: str = ""
    last_visit: str = ""

    @property
    def label(self) -> str:
        """How pages and the audit trail name this person."""
        return self.display_name or self.username

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.role, self.role)


def parse_role(value: str) -> str:
    """A role key from its key or Chinese name; raises UserError."""
    role = ROLE_WORDS.get(value.strip(), value.strip().lower())
    if role not in ROLES:
        known = ", ".join(f"{r} ({ROLE_ZH[r]})" for r in ROLES)
        raise UserError(f"--role: unknown role {value!r}; known: {known}")
    return role


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")


def generate_password() -> str:
    """A random first password (printed once by the demo and by ``users add --generate``)."""
    return secrets.token_urlsafe(12)


def _user(doc: dict[str, Any]) -> User:
    return User(
        username=str(doc["username"]),
        role=str(doc.get("role", "")),
        display_name=str(doc.get("display_name") or ""),
        last_visit=str(doc.get("last_visit") or ""),
    )


class UserStore:
    """Users in ``<prefix>-users`` over the project's :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = store.index_name("users")

    def _get(self, username: str) -> dict[str, Any] | None:
        try:
            return dict(self.store.es.get(index=self.index, id=username)["_source"])
        except NotFoundError:
            return None
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.store.url}: cannot read users: {exc}") from exc

    def _put(self, doc: dict[str, Any], *, create: bool = False) -> None:
        try:
            self.store.es.index(
                index=self.index,
                id=doc["username"],
                document=doc,
                refresh=True,
                op_type="create" if create else "index",
            )
        except (TransportError, ApiError) as exc:
            if isinstance(exc, ApiError) and exc.status_code == 409:
                raise UserError(
                    f"user {doc['username']!r} already exists (use `govpatrol users passwd`)"
                ) from None
            raise StoreUnavailable(f"Elasticsearch at {self.store.url}: cannot write users: {exc}") from exc

    def add(self, username: str, role: str, password: str, display_name: str = "") -> User:
        if not _NAME.fullmatch(username):
            raise UserError(f"user name {username!r}: 2-40 letters, digits, '_', '.' or '-'")
        role = parse_role(role)
        check_password(password)
        now = datetime.now(UTC).isoformat()
        doc = {
            "username": username,
            "display_name": display_name.strip(),
            "role": role,
            "password_hash": _hasher.hash(password),
            "created_at": now,
            "password_changed_at": now,
            "disabled": False,
        }
        self._put(doc, create=True)
        return _user(doc)

    def passwd(self, username: str, password: str) -> None:
        doc = self._get(username)
        if doc is None:
            raise UserError(f"no user {username!r} (see `govpatrol users list`)")
        check_password(password)
        doc.update(password_hash=_hasher.hash(password), password_changed_at=datetime.now(UTC).isoformat())
        self._put(doc)

    def get(self, username: str) -> User | None:
        doc = self._get(username)
        return _user(doc) if doc and not doc.get("disabled") else None

    def list(self) -> list[User]:
        docs = self.store.search_all("users", {"match_all": {}}, [{"username": "asc"}])
        return [_user(doc) for doc in docs]

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right, else None (as slow for an unknown name)."""
        doc = self._get(username.strip()) if _NAME.fullmatch(username.strip()) else None
        stored = str(doc["password_hash"]) if doc and not doc.get("disabled") else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if doc is None or stored == _DUMMY_HASH:
            return None
        if _hasher.check_needs_rehash(stored):
            doc["password_hash"] = _hasher.hash(password)
            self._put(doc)
        return _user(doc)

    def touch_visit(self, username: str, when: datetime) -> None:
        """Remember the officer's visit to 今日值守 (the next visit's "new since" starts here)."""
        try:
            self.store.es.update(index=self.index, id=username, doc={"last_visit": when.isoformat()})
        except NotFoundError:
            return
        except (TransportError, ApiError) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.store.url}: cannot write users: {exc}") from exc
