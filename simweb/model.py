"""The simulated web's records: sites, columns, items, planted links, and HTTP responses.

Pages are rendered from these records, and the ground truth is computed from the same records, so
what a page shows and what the truth says cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simweb.checkplan import SiteChecks

# Placeholders in page text, replaced when served: the world is built before its port is known.
PORT_TOKEN = "@@SIMWEB_PORT@@"
CLOSED_TOKEN = "@@SIMWEB_CLOSED_PORT@@"


@dataclass
class Item:
    """One dated list entry (and the article page it links to)."""

    title: str
    date: datetime  # exactly as precise as the list shows it (midnight unless a time is shown)
    path: str  # the article's absolute path on its site
    fmt: str  # date format on list pages (see content.format_date)
    pinned: bool = False
    date_in_link: bool = False  # the date sits inside the <a>, before the title
    docid: int = 0


@dataclass
class Column:
    """A column (栏目) list page."""

    key: str
    name: str
    level: int  # 1 = navigation, 2 = reachable from the site map only
    path: str
    category: str  # news | notice_policy | other | exempt (from indicators.toml [columns])
    items: list[Item] = field(default_factory=list)
    empty_style: str = (
        ""  # '' = has items; placeholder | empty_ul | column_placeholder | no_data | hanweb_zero
    )
    js: bool = False  # the list is rendered by JavaScript from /api/list.json
    parent: str = ""  # key of the first-level column a second-level one sits under
    colid: int = 0
    display: str = ""  # the name as the CMS renders it ("政 策 文 件"), when it is not ``name``

    @property
    def shown(self) -> str:
        """The name in the navigation, the site map, the breadcrumb and the ColumnName meta."""
        return self.display or self.name

    @property
    def empty(self) -> bool:
        return bool(self.empty_style)

    @property
    def latest(self) -> datetime | None:
        """max(date) over the items, never the first item (pinned items come first)."""
        return max((i.date for i in self.items), default=None)


@dataclass
class PlantedLink:
    """A link the world puts on a page on purpose, dead or deceptively alive."""

    url: str  # absolute path for in-site links, or a full URL with port tokens
    text: str
    kind: str  # page | image | attachment | external
    on_homepage: bool
    why: str = ""  # 404 | dns | refused | soft404 | loop ('' = not dead)
    column: str = ""  # column key when the link sits on a column page


@dataclass
class Site:
    """One government website and everything planted on it."""

    id: str
    host: str
    cms: str  # trs | hanweb | govcn | handmade
    name: str
    owner: str
    region: str
    site_code: str  # the registry's 标识码
    footer_code: str | None  # what the pages show (None = missing)
    icp: str | None
    beian: str
    conac_id: str
    profiles: list[str]
    columns: list[Column] = field(default_factory=list)
    home_blocks: list[tuple[str, list[Item]]] = field(default_factory=list)  # (column key, items shown)
    home_path: str = "/"  # where the homepage content is served (after redirects)
    redirects: list[tuple[str, int, str]] = field(default_factory=list)  # (path, status, location)
    links: list[PlantedLink] = field(default_factory=list)
    encoding: str = "utf-8"  # body encoding
    header_charset: dict[str, str | None] = field(default_factory=dict)  # page role -> charset in header
    meta_charset: str = "utf-8"
    home_delay: float = 0.0
    closed: bool = False  # served on the refused port (nothing listens)
    nav_only: bool = False
    variant: int = 0  # chooses among a CMS's list markups
    checks: SiteChecks = field(default_factory=SiteChecks)  # the site checks' plants (simweb.checkplan)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class Response:
    """What a route answers. ``body`` may hold port tokens; the server fills them in."""

    status: int = 200
    body: str | bytes = ""
    content_type: str = "text/html"
    charset: str | None = "utf-8"  # charset in the Content-Type header (None = none given)
    encoding: str = "utf-8"  # how a str body is encoded
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (interruptible)
    head_status: int | None = None  # a different status for HEAD (e.g. 405)
    # writes the whole answer itself (status line, headers, body) on the request handler: for hosts
    # that stream, trickle or never answer (simweb.hostile); the connection is closed afterwards
    writer: Callable[[Any], None] | None = None


# A fixed response, or one built per request; a callable with ``wants_path = True`` gets the request path.
Route = Response | Callable[[], Response] | Callable[[str], Response]
