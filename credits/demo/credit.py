"""Publish the shipped policy, create the demo terms, evaluate credit and print it with its reasons."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

POLICY_FILE = Path(__file__).resolve().parents[1] / "policies" / "default.yaml"
TERMS = [
    ("2026-spring", "2026年春季学期", "Spring 2026", dt.date(2026, 2, 1), dt.date(2026, 7, 31)),
    ("2026-autumn", "2026年秋季学期", "Autumn 2026", dt.date(2026, 8, 1), dt.date(2027, 1, 31)),
]


def credit_seed_and_evaluate(write) -> None:
    """Evaluate every demo term under the shipped default policy and print totals and a sample explanation."""
    from credits.demo.workflow import demo_policy_text
    from credits.models import CreditRecord, Term
    from credits.services.evaluation import term_evaluate
    from credits.services.policies import policy_publish, term_create

    # The shipped policy with its three-stage approval example switched on (the demo walks every stage).
    published = policy_publish(text=demo_policy_text(), source=str(POLICY_FILE))
    said = (_("Credit policy: version %(version)s (published)") if published.created
            else _("Credit policy: version %(version)s (already published)"))
    write(said % {"version": published.version.version})
    for code, zh, en, start, end in TERMS:
        term = Term.objects.filter(code=code).first() or term_create(
            code=code, name_zh=zh, name_en=en, starts_on=start, ends_on=end)
        write(f"  {term_evaluate(term=term, now=timezone.now())}")
    records = (CreditRecord.objects.select_related("student__student", "term").filter(credits__gt=0)
               .order_by("-credits", "student__username"))
    write(_("Draft credit records with credit: %(n)d") % {"n": records.count()})
    for record in records[:10]:
        profile = getattr(record.student, "student", None)
        write("  " + _("%(term)s  %(student)s  %(name)s  %(credits)s credits (%(course)s)")
              % {"term": record.term.code, "student": profile.student_id if profile else record.student,
                 "name": profile.name if profile else "", "credits": record.credits, "course": record.course_code})
    sample = records.first()
    if sample is not None:
        write(_("Why %(student)s earned %(credits)s in %(term)s:")
              % {"student": sample.student, "credits": sample.credits, "term": sample.term.code})
        chinese = (get_language() or "").startswith("zh")  # each line's reason in the run's language, as the portal
        for line in sample.lines.select_related("contribution__repository").order_by("position")[:12]:
            points = f"{line.points.normalize():f}"  # 15, 2.5 — not 15.0000
            # A credited line's reason names its PR; a refusal's reason does not, so name it here.
            subject = f"{line.contribution}: " if line.outcome != "credited" and line.contribution else ""
            write("  " + _("[%(outcome)s] %(points)s pts  %(subject)s%(reason)s")
                  % {"outcome": line.get_outcome_display(), "points": points, "subject": subject,
                     "reason": line.reason_zh if chinese else line.reason})
