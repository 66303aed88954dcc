"""The floor for the check-in burst: a bare Flask route, served by gunicorn with the same
settings as the app (gunicorn.conf.py), answering the same JSON POST with a small JSON body,
with no database, session, CSRF or template work. Run as `gunicorn --chdir bench bare_app:app`."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/api/v1/checkins", methods=["GET", "POST"])
def checkin():
    payload = request.get_json(silent=True) or {}
    return jsonify(reason="ok", ok=True, message="bare", code=str(payload.get("code", ""))[:16])
