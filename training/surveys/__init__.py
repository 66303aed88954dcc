"""Surveys: trainees evaluate each course on their phone (or on paper), and the trainers and
the province see what worked, by course, programme, trainer and area."""

from flask import Blueprint, Flask

from .questionnaire import load_questionnaires

bp = Blueprint("surveys", __name__)


def init_app(app: Flask) -> None:
    """Load the questionnaires once at start-up (after the programmes, whose modules they ask
    about); an invalid file stops the app here."""
    app.extensions["questionnaires"] = load_questionnaires(
        app.config["QUESTIONNAIRES_DIR"], app.extensions["curricula"], app.config["CURRICULA_DIR"]
    )


from . import views  # noqa: E402,F401
