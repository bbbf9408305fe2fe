"""The repost watch's hook in the account spider: for each open event an account is in scope of, the
posts its check read that were published since the event, as a :class:`RepostObservation`.

Facts only: every post since the event is kept (its own time, title, masked text and links) with
how far back the posts read reach; which of them is a repost, and whether it was in time, is the
rule's decision. The watches come from the application (the open events), as the spider's
``watches`` argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from crawlers.contentwatch import observe_post
from crawlers.events import EventWatch, RepostObservation, RepostPost
from crawlers.models import Target
from crawlers.platforms.base import AccountResult, Post


def _post(target: Target, post: Post, fetched_at: datetime) -> RepostPost:
    text = observe_post(target.id, post, fetched_at=fetched_at, profile_url=target.url).text  # masked
    return RepostPost(
        date=post.date,
        raw=post.raw,
        url=post.url,
        title=post.title,
        text=text,
        links=list(post.links),
        pinned=post.pinned,
    )


def repost_facts(
    watches: Iterable[EventWatch],
    target: Target,
    result: AccountResult,
    fetched_at: datetime,
    platform: str,
    as_of: datetime,
) -> list[RepostObservation]:
    """One fact per event watching ``target`` (none when no open event names it)."""
    out = []
    in_order = [p for p in result.posts if not p.pinned]  # pinned posts sit out of date order
    oldest = min((p.date for p in in_order or result.posts), default=None)
    for watch in watches:
        if target.id not in watch.target_ids:
            continue
        since = [p for p in result.posts if p.date >= watch.since]
        out.append(
            RepostObservation(
                event_id=watch.event_id,
                target_id=target.id,
                platform=platform,
                url=target.url,
                fetched_at=fetched_at,
                as_of=as_of,
                state=result.state,
                since=watch.since,
                posts=[_post(target, p, fetched_at) for p in sorted(since, key=lambda p: p.date)],
                posts_seen=len(result.posts),
                oldest_seen=oldest,
                reason=result.reason,
            )
        )
    return out
