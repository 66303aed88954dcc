"""The scanner API's OpenAPI document and the request check that follows it."""

import re
from datetime import datetime

from ..clock import to_utc
from .models import REASONS, STATUSES

CHECKIN_REQUEST = {
    "type": "object",
    "required": ["session", "code"],
    "additionalProperties": False,
    "properties": {
        "session": {"type": "integer", "minimum": 1, "maximum": 2147483647, "description": "CourseSession id"},
        "code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "What the badge QR or a USB scanner produced: the trainee's personal code",
        },
        "nonce": {
            "type": "string",
            "minLength": 8,
            "maxLength": 64,
            "pattern": "^[A-Za-z0-9_-]+$",
            "description": "Made on the device for each scan; a resend with the same nonce is answered "
            "without recording twice",
        },
        "scanned_at": {
            "type": "string",
            "format": "date-time",
            "maxLength": 40,
            "description": "When the badge was scanned, on the server's clock (ISO 8601; without a zone, "
            "Vietnam's local time); "
            "used for offline scans. A device corrects its own clock by its distance from the `server_time` of "
            "the answers",
        },
        "offline": {"type": "boolean", "description": "The scan was queued on the device while it had no connection"},
        "device": {"type": "string", "maxLength": 64},
    },
}


#: the values of an error answer's `error` (training/errors.py gives the HTTP ones)
ERROR_CODES = (
    "bad_request",
    "csrf_expired",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "too_large",
    "too_many_requests",
    "server_error",
    "unavailable",
    "error",
)
SERVER_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "The server's clock when it answered (UTC, ISO 8601)",
}


def spec(server_url: str) -> dict:
    """The OpenAPI 3.1 description of /api/v1."""
    result = {
        "type": "object",
        "required": ["reason", "ok", "message"],
        "properties": {
            "reason": {"type": "string", "enum": list(REASONS)},
            "ok": {"type": "boolean"},
            "message": {"type": "string", "description": "Vietnamese sentence for the trainer's screen"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "checked_in_at": {"type": "string", "description": "HH:MM, local time of the (first) check-in"},
            "trainee": {
                "type": "object",
                "description": "Absent when the code is nobody's, or someone's outside the trainer's area",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "commune": {"type": "string"}},
            },
            "server_time": SERVER_TIME,
        },
    }
    error = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "enum": list(ERROR_CODES),
                "description": "What went wrong, as a code; csrf_expired: send again with the token from /api/v1/time",
            },
            "message": {"type": "string", "description": "A sentence for the user, in the page's language"},
            "details": {
                "type": "array",
                "items": {"type": "string"},
                "description": "For bad_request: each problem with the body (English)",
            },
            "server_time": SERVER_TIME,
        },
    }
    clock = {
        "type": "object",
        "required": ["server_time", "csrf_token"],
        "properties": {"server_time": SERVER_TIME, "csrf_token": {"type": "string"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tập huấn check-in API",
            "version": "1",
            "description": "Badge scanning for district trainers. Authenticated by the trainer's session cookie; "
            "state-changing requests carry the page's CSRF token in the X-CSRFToken header.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Without it every path answers 401 (before the CSRF token is looked at)",
                },
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
            "schemas": {"CheckinRequest": CHECKIN_REQUEST, "CheckinResult": result, "Error": error, "Clock": clock},
        },
        "paths": {
            "/api/v1/checkins": {
                "post": {
                    "summary": "Record one badge scan",
                    "security": [{"session": [], "csrf": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckinRequest"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The scan was handled; `reason` says how",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckinResult"}}},
                        },
                        "400": {
                            "description": "Malformed request, or an expired CSRF token (`csrf_expired`)",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                        "401": {
                            "description": "Not signed in",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                        "403": {
                            "description": "Not a trainer of this session's district",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                        "404": {
                            "description": "No such session",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                    },
                }
            },
            "/api/v1/time": {
                "get": {
                    "summary": "The server's clock and a fresh CSRF token; answers 401 once the sign-in has ended",
                    "security": [{"session": []}],
                    "responses": {
                        "200": {
                            "description": "Clock",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Clock"}}},
                        },
                        "401": {
                            "description": "Not signed in",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                        "403": {
                            "description": "Not a trainer",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                    },
                }
            },
            "/api/v1/sessions/{session_id}/roster": {
                "get": {
                    "summary": "The enrolled trainees of a session, kept by the scanner page for offline use",
                    "security": [{"session": []}],
                    "parameters": [
                        {"name": "session_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {
                        "200": {"description": "Roster"},
                        "401": {"description": "Not signed in"},
                        "403": {"description": "Another district"},
                        "404": {"description": "No such session"},
                    },
                }
            },
        },
    }


def validate_checkin(payload: dict) -> list[str]:
    """Problems with a check-in request body, checked against CHECKIN_REQUEST."""
    problems = []
    properties = CHECKIN_REQUEST["properties"]
    for key in CHECKIN_REQUEST["required"]:
        if key not in payload:
            problems.append(f"missing '{key}'")
    for key, value in payload.items():
        rule = properties.get(key)
        if rule is None:
            problems.append(f"unknown field '{key}'")
        elif rule["type"] == "integer" and (
            isinstance(value, bool) or not isinstance(value, int) or not rule["minimum"] <= value <= rule["maximum"]
        ):
            problems.append(f"'{key}' must be an integer")
        elif rule["type"] == "boolean" and not isinstance(value, bool):
            problems.append(f"'{key}' must be true or false")
        elif rule["type"] == "string":
            if not isinstance(value, str) or len(value) > rule["maxLength"] or len(value) < rule.get("minLength", 0):
                problems.append(
                    f"'{key}' must be a string of {rule.get('minLength', 0)}–{rule['maxLength']} characters"
                )
            elif key == "nonce" and not re.fullmatch(properties["nonce"]["pattern"].strip("^$"), value):
                problems.append("'nonce' may hold only letters, digits, - and _")
            elif key == "scanned_at":
                try:
                    to_utc(datetime.fromisoformat(value))  # the view stores it in UTC; year 1 would overflow there
                except (ValueError, OverflowError):
                    problems.append("'scanned_at' must be an ISO 8601 date-time")
    return problems
