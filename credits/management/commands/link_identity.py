"""manage.py link_identity STUDENT_ID PLATFORM:LOGIN: an operator-verified link, resolved to a numeric id."""
from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.models import StudentProfile, User, Verification
from accounts.platforms import SpecError, parse_identity, spec_message
from accounts.services.identities import IdentityConflict, IdentityInvalid, identity_link
from config.commands import LocalizedCommand
from credits.forges import ForgeError
from credits.services.forge_tokens import forge_client
from credits.tasks import backfill_enqueue


class Command(LocalizedCommand):
    help = "Link a student's forge account after an operator checked it; starts the backfill sync."

    def add_arguments(self, parser):
        parser.add_argument("student_id")
        parser.add_argument("identity", help="PLATFORM:LOGIN, e.g. github:octocat")
        parser.add_argument("--by", default="", help="username of the operator who verified the account")

    def handle(self, *args, student_id: str, identity: str, by: str, **options):
        try:
            platform, login = parse_identity(identity)
            student = StudentProfile.objects.select_related("user").get(student_id=student_id)
            actor = User.objects.get(username=by) if by else None
            forge_user = forge_client(platform).get_user(login)
            linked = identity_link(user=student.user, platform=platform, external_id=forge_user.external_id,
                                   login=forge_user.login, via=Verification.OPERATOR, actor=actor)
        except StudentProfile.DoesNotExist:
            raise CommandError(_("no student with student id %(id)r") % {"id": student_id}) from None
        except User.DoesNotExist:
            raise CommandError(_("no user %(name)r (--by)") % {"name": by}) from None
        except SpecError as exc:
            raise CommandError(spec_message(exc)) from exc
        except (IdentityConflict, IdentityInvalid) as exc:
            raise CommandError(str(exc)) from exc
        except ForgeError as exc:  # the forge client's own diagnostic (often the forge's words), as it wrote it
            raise CommandError(f"{identity}: {exc.message}") from exc
        queued = backfill_enqueue(linked)
        text = (_("linked %(identity)s (id %(id)s) to %(student)s; backfill enqueued") if queued
                else _("linked %(identity)s (id %(id)s) to %(student)s; already backfilled"))
        self.stdout.write(text % {"identity": linked, "id": linked.external_id, "student": student})
