from flask import abort, render_template, request

from . import bp, catalogue


@bp.route("/")
def index():
    return render_template("curricula/index.html", curricula=catalogue().all_current())


@bp.route("/<code>")
def detail(code: str):
    version = request.args.get("version")
    curriculum = catalogue().get(code, version) if version else catalogue().current(code)
    if curriculum is None:
        abort(404)
    return render_template("curricula/detail.html", curriculum=curriculum)
