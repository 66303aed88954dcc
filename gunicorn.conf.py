"""gunicorn settings for serving the app in production: `gunicorn app:app` from the project's
root reads this file (or `gunicorn -c gunicorn.conf.py app:app` from elsewhere). Flags on the
command line win, e.g. `-b 0.0.0.0:8000`.

Two processes of eight threads each suit a 2-core host: a request spends much of its time
waiting on SQLite or PostgreSQL, when another thread can run; more processes would only
contend for the database's write lock. WEB_CONCURRENCY and GUNICORN_THREADS change the counts.
bench/checkin_burst.py measures these settings (200 badge scans at once).
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A hall of trainees scanning at once opens a couple of hundred connections together.
backlog = 2048
keepalive = 5
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
