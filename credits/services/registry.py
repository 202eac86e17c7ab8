"""The registry of eligible repositories: add one, or load a file of them all-or-nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.platforms import spec_message
from config.commands import decode_reason, os_reason
from credits.forges import ForgeError, ForgeRepo
from credits.forges.specs import SpecError, parse_repository
from credits.models import Repository, SyncState
from credits.services.audit import audit_record
from credits.services.forge_tokens import forge_client

SHIPPED_REGISTRY = Path(__file__).resolve().parents[1] / "data" / "repositories.yaml"


class RegistryError(Exception):
    """A registry entry or file that cannot be applied; nothing was written."""


@dataclass(frozen=True)
class RegistryEntry:
    """One line of a registry file: a spec, its tier, and optionally the repository it mirrors."""

    spec: str
    tier: str = "standard"
    mirror_of: str = ""


def repository_resolve(spec: str) -> tuple[str, ForgeRepo]:
    """Ask the forge for the repository behind `spec` (its numeric id and canonical path)."""
    parsed = parse_repository(spec)  # the forge's own syntax, checked before any request
    try:
        return parsed.platform, forge_client(parsed.platform).get_repository(parsed.key)
    except ForgeError as exc:
        raise RegistryError(f"{spec}: {exc.message}") from exc


DEFAULT_POLICY = Path(__file__).resolve().parents[1] / "policies" / "default.yaml"


def known_tiers() -> set[str]:
    """Tiers some published policy weights (the shipped default policy's before any is published)."""
    from credits.models import PolicyVersion

    documents = list(PolicyVersion.objects.values_list("document", flat=True))
    if not documents:
        documents = [yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))]
    return {tier for document in documents for tier in (document.get("tiers") or {})}


def tier_check(tier: str, *, where: str) -> None:
    """Refuse a tier no policy knows: a repository there would silently earn nothing."""
    known = known_tiers()
    if tier not in known:
        raise RegistryError(_("%(where)s: tier %(tier)r is not in any credit policy (known: %(known)s); publish a "
                              "policy that weights it first") % {"where": where, "tier": tier,
                                                                  "known": ", ".join(sorted(known))})


@dataclass(frozen=True)
class Registration:
    """What add_repository did: a new entry, changes to an existing one (field: (before, after)), or nothing."""

    repository: Repository
    created: bool
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@transaction.atomic
def repository_add(*, spec: str, tier: str | None = None, actor=None, mirror_of: str | None = None) -> Repository:
    """Register a repository, or change an existing entry only in what is given; path and id come from the forge."""
    return repository_register(spec=spec, tier=tier, actor=actor, mirror_of=mirror_of).repository


@transaction.atomic
def repository_register(*, spec: str, tier: str | None = None, actor=None,
                        mirror_of: str | None = None) -> Registration:
    """The entry, whether it is new, and what changed on an existing one (field: (before, after)).

    On an existing entry nothing changes unless `tier` or `mirror_of` is given ("" or "none" unlinks a mirror).
    """
    if tier is not None:
        tier_check(tier, where=spec)
    platform, forge_repo = repository_resolve(spec)
    source = _find(mirror_of) if mirror_of and mirror_of.lower() != "none" else None
    existing = Repository.objects.select_for_update().filter(platform=platform,
                                                             external_id=forge_repo.external_id).first()
    if existing is None:
        repository = _save(platform, forge_repo, tier=tier or "standard", actor=actor, mirror_of=source)
        return Registration(repository, created=True)
    wanted = {"path": forge_repo.path, "active": True,
              "tier": existing.tier if tier is None else tier,
              "mirror_of": existing.mirror_of if mirror_of is None else source}
    changes = {f: (_shown(getattr(existing, f)), _shown(v)) for f, v in wanted.items() if getattr(existing, f) != v}
    if not changes:
        return Registration(existing, created=False)
    repository = _save(platform, forge_repo, tier=wanted["tier"], actor=actor, mirror_of=wanted["mirror_of"])
    return Registration(repository, created=False, changes=changes)


def _shown(value) -> str:
    return value.spec if isinstance(value, Repository) else ("" if value is None else str(value))


def _find(spec: str) -> Repository:
    parsed = parse_repository(spec, what="mirror source")
    platform = parsed.platform
    key = {"external_id": parsed.external_id} if parsed.external_id is not None else {"path__iexact": parsed.path}
    found = Repository.objects.filter(platform=platform, **key).first()
    if found is None:
        raise RegistryError(_("mirror source %(spec)s is not in the registry; add it first") % {"spec": spec})
    return found


def _save(platform: str, forge_repo: ForgeRepo, *, tier: str, actor, mirror_of: Repository | None) -> Repository:
    repository, created = Repository.objects.update_or_create(
        platform=platform, external_id=forge_repo.external_id,
        defaults={"path": forge_repo.path, "tier": tier, "active": True, "mirror_of": mirror_of},
        create_defaults={"path": forge_repo.path, "tier": tier, "active": True, "mirror_of": mirror_of,
                         "added_by": actor},
    )
    SyncState.objects.get_or_create(repository=repository)
    if repository.contributions.exists():
        # A mirror link added or removed changes which stored copies earn the credit.
        from credits.services.mirrors import duplicates_mark

        duplicates_mark(contribution_ids=list(repository.contributions.values_list("id", flat=True)))
    audit_record(
        actor=actor, action="repository_add" if created else "repository_update", subject_type="repository",
        subject_id=str(repository.pk), data={"spec": repository.spec, "tier": tier,
                                             "mirror_of": mirror_of.spec if mirror_of else ""},
    )
    return repository


def registry_file_parse(path: Path) -> list[RegistryEntry]:
    """Read a YAML registry file (a list of {spec, tier, mirror_of}); errors name the file and entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(_("cannot read %(file)s: %(error)s") % {"file": path, "error": os_reason(exc)}) from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(_("%(file)s: not UTF-8 text (%(error)s at byte %(byte)d)")
                            % {"file": path, "error": decode_reason(exc), "byte": exc.start}) from exc
    except yaml.YAMLError as exc:  # the YAML library's own diagnostic (line and column), inside our sentence
        raise RegistryError(_("%(file)s is not valid YAML: %(error)s") % {"file": path, "error": exc}) from exc
    items = data.get("repositories") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RegistryError(_("%(file)s: expected a list under 'repositories'") % {"file": path})
    entries = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"spec": item}
        if not isinstance(item, dict) or not item.get("spec") or set(item) - {"spec", "tier", "mirror_of", "note"}:
            raise RegistryError(_("%(file)s: entry %(index)d must have 'spec' and only tier/mirror_of/note: %(item)r")
                                % {"file": path, "index": index, "item": item})
        entries.append(RegistryEntry(spec=str(item["spec"]), tier=str(item.get("tier", "standard")),
                                     mirror_of=str(item.get("mirror_of", ""))))
    return entries


def registry_load(*, entries: list[RegistryEntry], actor=None) -> list[Repository]:
    """Resolve every entry first, then write them all in one transaction (all or nothing)."""
    resolved, problems = [], []
    for entry in entries:
        try:
            tier_check(entry.tier, where=entry.spec)
            resolved.append((entry, *repository_resolve(entry.spec)))
        except SpecError as exc:
            problems.append(spec_message(exc))
        except RegistryError as exc:
            problems.append(str(exc))
    if problems:
        raise RegistryError("; ".join(problems))
    with transaction.atomic():
        saved = {}
        for entry, platform, forge_repo in resolved:
            source = saved.get(entry.mirror_of) or (_find(entry.mirror_of) if entry.mirror_of else None)
            saved[entry.spec] = _save(platform, forge_repo, tier=entry.tier, actor=actor, mirror_of=source)
    return list(saved.values())
