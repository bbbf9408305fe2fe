"""``govpatrol users add|passwd|list``: the duty desk's local users, stored in Elasticsearch."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

_HELP = """\
Manage the duty desk's (值班台) users, kept in the <prefix>-users index. Roles: admin (管理员: also
edits the duty roster), duty (值守人员: confirms or dismisses hits), inspector (检查人员: reads and
exports). Passwords (at least 10 characters) are read from the terminal, or from stdin with
--password-stdin, or generated and printed once with --generate; they are stored as argon2 hashes.

examples:
  govpatrol users add --role admin zhangsan --name 张三
  govpatrol users add --role duty lisi --generate
  govpatrol users passwd lisi
  govpatrol users list
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol users`."""
    p = subparsers.add_parser(
        "users",
        help="manage the duty desk's users (add, passwd, list)",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.add_argument(
        "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)"
    )
    sub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="admin, duty or inspector (or 管理员, 值守人员, 检查人员)")
    add.add_argument("--name", default="", help="display name shown on pages and in the audit trail")
    _password_options(add)
    passwd = sub.add_parser("passwd", help="set a user's password")
    passwd.add_argument("username")
    _password_options(passwd)
    sub.add_parser("list", help="list users and roles")
    p.set_defaults(func=users_command)


def _password_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    group.add_argument("--generate", action="store_true", help="generate a password and print it once")


def _password(args: argparse.Namespace) -> str:
    from govpatrol.users import generate_password

    if args.generate:
        return generate_password()
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("passwords differ")
    return first


def users_command(args: argparse.Namespace) -> int:
    from govpatrol.services.discovery import command_store, hint
    from govpatrol.users import ROLE_ZH, UserError, UserStore
    from pipelines.store import StoreUnavailable

    opened = command_store(args)
    if opened is None:
        return 2
    config, store = opened
    try:
        store.ensure_indices()
        users = UserStore(store)
        if args.users_command == "list":
            for user in users.list():
                print(
                    f"{user.username}\t{user.role} ({ROLE_ZH.get(user.role, user.role)})\t{user.display_name}"
                )
            return 0
        password = _password(args)
        if args.users_command == "add":
            user = users.add(args.username, args.role, password, args.name)
            print(f"user {user.username} added ({user.role})")
        else:
            users.passwd(args.username, password)
            print(f"password of {args.username} changed")
        if args.generate:
            print(f"password: {password}  (shown once)")
    except (UserError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"error: {exc}\n{hint(config)}", file=sys.stderr)
        return 1
    return 0
