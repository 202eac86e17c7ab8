"""Staff pages for people: the student directory, a student's page, and the roster upload."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .access import contributions_visible_to, identities_visible_to, records_visible_to, students_visible_to
from .forms import RosterUploadForm
from .roles import Role, roles_of
from .services.roster import roster_import


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    """Students the viewer may see (a student sees only themselves), searchable by id or name."""
    students = students_visible_to(request.user).order_by("student_id")
    query = request.GET.get("q", "").strip()
    if query:
        students = students.filter(Q(student_id__startswith=query) | Q(name__icontains=query))
    page = Paginator(students, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/student_list.html", {"page": page, "q": query})


@login_required
def student_detail(request: HttpRequest, student_id: str) -> HttpResponse:
    """One student's profile, forge accounts, contributions and records; 404 for anyone outside scope."""
    profile = get_object_or_404(students_visible_to(request.user), student_id=student_id)
    staff = bool(roles_of(request.user) - {Role.STUDENT.value})
    context = {
        "profile": profile,
        "identities": identities_visible_to(request.user).filter(user_id=profile.user_id),
        # Explicit: which 100 are shown must not hang on the model's Meta.ordering.
        "contributions": contributions_visible_to(request.user).filter(identity__user_id=profile.user_id)
        .order_by("-merged_at", "id")[:100],
        "records": records_visible_to(request.user).filter(student_id=profile.user_id),
        # Roster handles are unverified; staff use them to chase links, students see their verified accounts.
        "hints": profile.roster_hints.all() if staff else [],
    }
    return render(request, "accounts/student_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("accounts.import_roster", raise_exception=True)
def roster_upload(request: HttpRequest) -> HttpResponse:
    """Registrar staff upload a roster; errors are listed per line and nothing is applied."""
    result = None
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = roster_import(data=form.cleaned_data["file"], actor=request.user)  # streamed, never read whole
        if result.applied:
            messages.success(request, _("%(rows)d students imported: %(created)d new, %(updated)d updated.")
                             % {"rows": result.rows, "created": result.created, "updated": result.updated})
            return redirect("roster_upload")
    return render(request, "accounts/roster_upload.html", {"form": form, "result": result})
