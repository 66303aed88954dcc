from flask import render_template
from flask_login import current_user

from ..auth.permissions import managed_unit_id, roles_required
from . import bp, services


@bp.route("/")
@roles_required("admin", "trainer")
def index():
    # Trainee counts come from the people domain, which sits above units in the import
    # order; asking for them here keeps units/services free of that dependency.
    from ..people.services import trainee_counts_by_commune

    rows = services.unit_overview(managed_unit_id(current_user), trainee_counts_by_commune())
    return render_template("units/index.html", rows=rows)
