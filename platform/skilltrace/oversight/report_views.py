"""The monthly report page (charts), its XLSX export and the targets form."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from skilltrace.errors import DomainError
from skilltrace.identity.models import Role
from skilltrace.oversight.report import monthly_report, report_xlsx, report_year
from skilltrace.oversight.services import overseen_cities
from skilltrace.oversight.targets import METRICS, may_edit_targets, set_targets
from skilltrace.oversight.views import bp
from skilltrace.regions import SHAANXI, SHAANXI_CITIES, scope_label
from skilltrace.web import role_required

REGULATORS = (Role.REGULATOR, Role.ADMIN)


def _regions() -> list[str]:
    cities = overseen_cities(current_user)
    if cities is None or current_user.region_scope == SHAANXI:
        return [SHAANXI, *SHAANXI_CITIES]
    return cities


def _chosen() -> tuple[int, str]:
    year = request.args.get("year", 0, type=int)
    year = year if 2000 <= year <= 2100 else report_year()
    regions = _regions()
    region = request.args.get("region") or regions[0]
    if region not in regions:
        abort(404)
    return year, region


def _labels() -> dict[str, str]:
    return {metric: str(label) for metric, label in METRICS.items()}


@bp.get("/report")
@role_required(*REGULATORS)
def report():
    year, region = _chosen()
    found = monthly_report(year, region)
    labels = _labels()
    chart = {
        "months": found.months,
        "progress": [
            {"name": labels[m], "actual": found.totals.get(m, 0.0), "target": found.targets[m]}
            for m in METRICS
            if m in found.targets and found.progress(m) is not None
        ],
        "trainings": found.monthly["trainings"],
        "hours": [round(v, 1) for v in found.monthly["attested_hours"]],
        "labels": {
            "actual": _("Year to date"),
            "target": _("Target"),
            "trainings": labels["trainings"],
            "hours": labels["attested_hours"],
        },
    }
    return render_template(
        "oversight/report.html",
        report=found,
        labels=labels,
        regions=_regions(),
        region_label=scope_label,
        chart=chart,
        may_edit=may_edit_targets(current_user),
    )


@bp.get("/report.xlsx")
@role_required(*REGULATORS)
def report_export():
    year, region = _chosen()
    headers = {
        "summary": _("Summary"),
        "monthly": _("By month"),
        "metric": _("Figure"),
        "total": _("Year to date"),
        "target": _("Target"),
        "progress": _("Progress"),
    }
    data = report_xlsx(monthly_report(year, region), _labels(), headers)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=report-{region}-{year}.xlsx"},
    )


@bp.route("/targets", methods=["GET", "POST"])
@role_required(*REGULATORS)
def targets():
    from skilltrace.oversight.targets import targets_for

    year, region = _chosen()
    if request.method == "POST":
        try:
            set_targets(
                current_user,
                year,
                region,
                {m: request.form.get(m, "") for m in METRICS},
            )
        except DomainError as err:
            flash(str(err.message), "error")
        else:
            flash(_("Targets saved."), "success")
            return redirect(url_for("oversight.report", year=year, region=region))
    return render_template(
        "oversight/targets.html",
        year=year,
        region=region,
        region_label=scope_label,
        values=targets_for(year, region),
        labels=_labels(),
        may_edit=may_edit_targets(current_user),
    )
