"""What sign-in keeps besides the accounts: the counters that throttle password guessing."""

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SignInCounter(db.Model):
    """Sign-in attempts within a window, for one account name from one address, or for one
    account name from everywhere. The key is a keyed hash: the table names neither."""

    #: HMAC-SHA-256 (hex) of the kind, the account name and, for the first kind, the address
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    def __repr__(self) -> str:
        return f"<SignInCounter {self.key[:8]} {self.attempts}>"
