"""Time: stored in UTC (naive datetimes), shown in Asia/Ho_Chi_Minh."""
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
