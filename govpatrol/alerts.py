"""Alerts: tell the office at once when a sweep opens a veto-level finding (单项否决).

One message per new veto finding, to every configured channel: WeCom (企业微信) and DingTalk (钉钉)
robot webhooks, and SMTP email. Each finding is alerted once, ever: the state lives on the finding
document in Elasticsearch (``alerted_at``, plus ``alert_channels`` for a partial delivery), so a
repeat sweep sends nothing and a failed delivery is retried by the next sweep, on the failed
channels only. Webhook URLs carry access tokens and SMTP has a password: neither is ever logged.

Configuration: the ``[alerts]`` table, read by :mod:`crawlers.alerts_config`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from crawlers.alerts_config import AlertsConfig, SmtpConfig, WebhookConfig, load_alerts_config
from crawlers.dates import BEIJING
from crawlers.models import Finding
from crawlers.thresholds import load_thresholds

log = logging.getLogger(__name__)

PREFIX = "【政务巡网预警】"


# --- messages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertMessage:
    """One finding, as the texts every channel sends."""

    finding_id: str
    title: str  # email subject, DingTalk title
    line: str  # the one-line alert: 【政务巡网预警】{单位} {对象}：{问题}，首次发现 {date}，详情 {url}
    details: tuple[tuple[str, str], ...]  # labelled lines for markdown and email bodies


def _indicator_name(indicator: str) -> str:
    table = load_thresholds().get(indicator)
    return str(table.get("name", indicator)) if isinstance(table, dict) else indicator


def build_message(finding: Finding, sweep: Mapping[str, Any] | None = None) -> AlertMessage:
    """The Chinese alert text of one finding (first seen date in Beijing time)."""
    name = _indicator_name(finding.indicator)
    first = finding.first_seen or finding.as_of
    date = first.astimezone(BEIJING).strftime("%Y-%m-%d")
    owner = finding.owner or "（未登记单位）"
    subject = finding.target_name or finding.target_id
    problem = finding.message or name
    line = f"{PREFIX}{owner} {subject}：{problem}，首次发现 {date}，详情 {finding.subject_url}"
    details = [("指标", f"{name}（单项否决）"), ("单位", owner), ("对象", subject)]
    if finding.region:
        details.append(("地区", finding.region))
    if finding.platform:
        details.append(("平台", finding.platform))
    details += [("问题", problem), ("首次发现", date), ("详情", finding.subject_url)]
    if sweep and sweep.get("id"):
        details.append(("巡检批次", str(sweep["id"])))
    return AlertMessage(finding.id, f"{PREFIX}{subject}：{name}", line, tuple(details))


def _markdown(msg: AlertMessage) -> str:
    rows = "\n".join(f"> {label}：{value}" for label, value in msg.details)
    return f"### {msg.title}\n{msg.line}\n\n{rows}"


def wecom_payload(msg: AlertMessage, fmt: str = "markdown") -> dict[str, Any]:
    """WeCom group robot body (markdown, or plain text)."""
    if fmt == "text":
        return {"msgtype": "text", "text": {"content": msg.line}}
    return {"msgtype": "markdown", "markdown": {"content": _markdown(msg)}}


def dingtalk_payload(msg: AlertMessage) -> dict[str, Any]:
    """DingTalk custom robot body (markdown; the title shows in the notification)."""
    return {"msgtype": "markdown", "markdown": {"title": msg.title, "text": _markdown(msg)}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The robot URL with ``timestamp`` and ``sign`` when a secret is set (unchanged otherwise)."""
    if not secret:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def email_message(msg: AlertMessage, smtp: SmtpConfig) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = msg.title
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(smtp.recipients)
    mail["X-Govpatrol-Finding"] = msg.finding_id
    body = "\n".join(f"{label}：{value}" for label, value in msg.details)
    mail.set_content(f"{msg.line}\n\n{body}\n\n—— 政务巡网（govpatrol）自动预警\n")
    return mail


# --- delivery ------------------------------------------------------------------------------------


class DeliveryError(RuntimeError):
    """A delivery attempt failed; ``retry`` says whether another attempt may succeed."""

    def __init__(self, reason: str, retry: bool = True) -> None:
        super().__init__(reason)
        self.retry = retry


@dataclass
class Delivery:
    finding_id: str
    channel: str
    ok: bool
    attempts: int
    error: str = ""


@dataclass
class AlertReport:
    """What one notify did: finding ids by outcome and every delivery."""

    candidates: list[str] = field(default_factory=list)  # open veto violations given
    already: list[str] = field(default_factory=list)  # alerted by an earlier sweep: skipped
    sent: list[str] = field(default_factory=list)  # delivered on every channel, marked alerted
    failed: list[str] = field(default_factory=list)  # some channel failed: retried next sweep
    deliveries: list[Delivery] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"alerts: {len(self.sent)} sent, {len(self.failed)} failed, "
            f"{len(self.already)} already alerted ({len(self.candidates)} open veto finding(s))"
        )


def is_alertable(finding: Finding) -> bool:
    return finding.severity == "veto" and finding.level == "violation" and finding.status == "open"


class Alerter:
    """Sends the alerts of one sweep's findings and records them on the findings in Elasticsearch."""

    def __init__(
        self,
        config: AlertsConfig,
        store: Any,
        *,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep

    def channels(self) -> list[str]:
        names = [hook.channel for hook in self.config.webhooks]
        return names + ([self.config.smtp.channel] if self.config.smtp else [])

    def notify(self, findings: list[Finding], sweep: Mapping[str, Any] | None = None) -> AlertReport:
        """Alert every open veto violation not alerted before; one message per finding per channel."""
        report = AlertReport()
        if not self.config.enabled or not self.channels():
            return report
        chosen = {f.id: f for f in findings if is_alertable(f)}
        report.candidates = sorted(chosen)
        if not chosen:
            return report
        stored = self.store.get_findings(list(chosen))
        for doc_id in sorted(chosen):
            doc = stored.get(doc_id, {})
            if doc.get("alerted_at"):
                report.already.append(doc_id)
                continue
            done = set(doc.get("alert_channels") or [])
            ok = self._deliver(build_message(chosen[doc_id], sweep), done, report)
            if ok:
                self.store.mark_alerted([doc_id], self.clock())
                report.sent.append(doc_id)
            else:
                if done:  # remember the channels that did get it, so a retry does not repeat them
                    self.store.update_findings({doc_id: {"alert_channels": sorted(done)}})
                report.failed.append(doc_id)
        log.info("%s", report.summary())
        return report

    def deliver(self, msg: AlertMessage, done: set[str]) -> bool:
        """Send ``msg`` on every channel not in ``done`` (which gains those that took it); True
        when every channel has it. For alerts whose state is kept elsewhere (outages)."""
        if not self.config.enabled or not self.channels():
            return False
        return self._deliver(msg, done, AlertReport())

    def _deliver(self, msg: AlertMessage, done: set[str], report: AlertReport) -> bool:
        senders: list[tuple[str, Callable[[], None]]] = [
            (hook.channel, functools.partial(self._post, hook, msg)) for hook in self.config.webhooks
        ]
        if self.config.smtp:
            smtp = self.config.smtp
            senders.append((smtp.channel, lambda: self._mail(smtp, msg)))
        all_ok = True
        for channel, send in senders:
            if channel in done:
                continue
            delivery = self._attempt(msg.finding_id, channel, send)
            report.deliveries.append(delivery)
            if delivery.ok:
                done.add(channel)
            else:
                all_ok = False
        return all_ok

    def _attempt(self, finding_id: str, channel: str, send: Callable[[], None]) -> Delivery:
        """Try, then retry with doubling backoff while the failure may be transient."""
        attempts = 0
        error = ""
        for attempt in range(self.config.retries + 1):
            attempts += 1
            try:
                send()
                return Delivery(finding_id, channel, True, attempts)
            except DeliveryError as exc:
                error = str(exc)
                if not exc.retry or attempt == self.config.retries:
                    break
                log.info("alert %s via %s failed (%s); retrying", finding_id, channel, error)
                self.sleep(self.config.backoff_s * 2**attempt)
        log.warning("alert %s via %s failed after %d attempt(s): %s", finding_id, channel, attempts, error)
        return Delivery(finding_id, channel, False, attempts, error)

    def _post(self, hook: WebhookConfig, msg: AlertMessage) -> None:
        if hook.kind == "dingtalk":
            payload = dingtalk_payload(msg)
            url = dingtalk_url(hook.url, hook.secret, int(self.clock().timestamp() * 1000))
        else:
            payload, url = wecom_payload(msg, hook.format), hook.url
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - config allows only http(s) URLs
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_s) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as exc:  # the message names the status, never the URL
            raise DeliveryError(f"HTTP {exc.code}", retry=exc.code >= 500 or exc.code == 429) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"connection failed: {type(reason).__name__}: {reason}") from None
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            raise DeliveryError("robot answered with something other than JSON") from None
        code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
        if code != 0:
            raise DeliveryError(f"robot errcode {code}: {answer.get('errmsg', '')}")

    def _mail(self, smtp: SmtpConfig, msg: AlertMessage) -> None:
        factory = smtplib.SMTP_SSL if smtp.ssl else smtplib.SMTP
        try:
            with factory(smtp.host, smtp.port, timeout=self.config.timeout_s) as client:
                if smtp.starttls:
                    client.starttls()
                if smtp.username:
                    client.login(smtp.username, smtp.password)
                client.send_message(email_message(msg, smtp))
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}", retry=exc.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP failed: {type(exc).__name__}") from None


def alert_after_sweep(
    config: str | Path | Mapping[str, Any] | AlertsConfig | None,
    store: Any,
    findings: list[Finding],
    sweep_record: Mapping[str, Any] | None = None,
) -> AlertReport | None:
    """The sweep's hook: alert new veto findings once the findings are in Elasticsearch.

    Without Elasticsearch (``store`` None) there is no record of what was sent, so nothing is sent
    rather than repeating every alert on every sweep. Alerting never fails the sweep.
    """
    alerts = load_alerts_config(config)
    if not alerts.enabled:
        return None
    if store is None:
        log.warning("alerts are enabled but the sweep has no Elasticsearch: no alerts sent")
        return None
    try:
        return Alerter(alerts, store).notify(findings, sweep_record)
    except Exception as exc:  # noqa: BLE001 - a broken alert path must not lose the sweep's result
        log.error("alerts failed: %s: %s", type(exc).__name__, exc)
        return None
