"""Time: stored in UTC (naive datetimes), shown in Asia/Ho_Chi_Minh."""

import re
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp is stored in."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    """A local wall-clock time (naive or aware) as naive UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL_TZ)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc: datetime) -> datetime:
    """A stored naive-UTC time as an aware local time."""
    return utc.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def utc_at(day: date, at: time) -> datetime:
    """Naive UTC for a local date and wall-clock time."""
    return to_utc(datetime.combine(day, at))


_DAY = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")


def parse_day(text: str | None) -> date | None:
    """A date as Vietnamese write it, dd/mm/yyyy (or with - or .), or as a URL carries it,
    yyyy-mm-dd; None when it is neither or no such day exists."""
    text = text or ""
    match = _DAY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO_DAY.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_clock(text: str | None) -> time | None:
    """A 24-hour wall-clock time: "13:30", "7:05", "7h30", "13h"; None when it is not one."""
    match = _CLOCK.match(text or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None
