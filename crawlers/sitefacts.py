"""Facts the site checks record on the pages they read: interaction channels, the site search,
sampled articles.

They ride on the :class:`~crawlers.models.PageObservation` of the page they were read from (its
``interaction``, ``search`` or ``article`` field), so they are stored, replayed and re-judged with
the page. Each says what a page showed -- a channel link, a form, the letters of a message list with
their dates and status words as printed, the links a search answered -- never what it means:
whether a channel works, whether a letter counts as answered, whether a search found its item is
judged by the rules from these facts and the indicator data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Letter:
    """One entry of a public message list (信件, 留言), as the list shows it."""

    title: str = ""
    url: str = ""
    submitted: datetime | None = None  # 来信/提交/留言 date
    replied: datetime | None = None  # 回复/答复/办结 date
    status: str = ""  # the status words as printed (已回复, 办理中, ...), '' when none shown
    raw_submitted: str = ""
    raw_replied: str = ""


@dataclass
class ChannelLink:
    """A link that names an interaction channel (领导信箱, 留言板, 12345, ...) or the 互动 column."""

    url: str
    text: str
    kind: str = "channel"  # channel | column (a 互动 column to look for channels in)


@dataclass
class ChannelFacts:
    """What one page showed of the site's interaction channels.

    ``step`` says which page it is: ``scan`` (a page searched for channel links: the homepage or a
    互动 column), ``entry`` (a channel's entry page), ``submit`` (its 写信 page), ``list`` (a page of
    its message list, HTML or JSON).
    """

    step: str
    channel: str = ""  # the channel's entry URL: groups the pages of one channel
    name: str = ""  # the link text that named the channel
    found: list[ChannelLink] = field(default_factory=list)  # scan: channel and column links found
    form: bool = False  # a form a citizen can submit (a text area, or text fields and a submit button)
    list_shape: str = ""  # the message list's markup: table | items | json | '' (no list)
    letters: list[Letter] = field(default_factory=list)
    rows: int = 0  # list rows seen (dated or not)
    page: int = 1  # 1-based page of the list
    next_url: str = ""  # the list's next page, when it shows one
    followed: list[str] = field(default_factory=list)  # further pages asked for from this page
    not_followed: list[str] = field(default_factory=list)  # ... and refused by the page budget
    unreadable: str = ""  # why a list this page points to could not be read ('' = none)


@dataclass
class SearchFacts:
    """The site search: where it is, what was asked, what it answered.

    ``step`` ``form`` (the homepage: the form or search page found, the query chosen) or ``result``
    (the answer page).
    """

    step: str
    action: str = ""  # the search form's action or search page URL ('' when none was found)
    method: str = "GET"
    field_name: str = ""  # the query field's name
    query: str = ""  # the title searched for
    expected_url: str = ""  # the homepage item that title belongs to
    expected_date: datetime | None = None
    results: list[str] = field(default_factory=list)  # URLs the answer links to (page links, capped)
    result_titles: list[str] = field(default_factory=list)  # their link texts, same order
    rendered: bool = False  # the answer was rendered in Chromium
    not_followed: bool = False  # the page budget refused the query


@dataclass
class ArticleFacts:
    """A sampled article page: the list entry that led to it (its meta tags are the page's own)."""

    list_url: str
    list_title: str = ""
    list_date: datetime | None = None  # the date the list showed for it
    list_raw: str = ""
