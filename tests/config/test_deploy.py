"""Production settings as deployed: `check --deploy` is silent, HTTPS is enforced, the health check gets through."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from django.urls import reverse
c = Client()
plain = c.get("/", HTTP_HOST="xuefen.example.edu")
health = c.get("/healthz", HTTP_HOST="127.0.0.1")
proxied = c.get("/accounts/login/", HTTP_HOST="xuefen.example.edu", HTTP_X_FORWARDED_PROTO="https")
callback = proxied.wsgi_request.build_absolute_uri(reverse("github_callback"))
print(json.dumps({"plain": [plain.status_code, plain.get("Location")], "health": health.status_code,
                  "proxied": proxied.status_code, "hsts": proxied.get("Strict-Transport-Security"),
                  "cookie_secure": bool(proxied.cookies["csrftoken"]["secure"]), "callback": callback}))
"""


def production_env(tmp_path) -> dict[str, str]:
    """What docker-compose gives the web container (plus a throw-away database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update(DEBUG="false", SECRET_KEY="x" * 20 + Fernet.generate_key().decode(),
               FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(), ALLOWED_HOSTS="xuefen.example.edu,127.0.0.1",
               EMAIL_URL="smtp+tls://xuefen:secret@mail.example.edu:587", DEFAULT_FROM_EMAIL="xuefen@example.edu",
               SITE_URL="https://xuefen.example.edu", DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
               DJANGO_SETTINGS_MODULE="config.settings")
    return env


def test_check_deploy_with_production_settings_prints_no_warning(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_production_redirects_to_https_trusts_the_proxy_and_lets_the_health_check_through(tmp_path):
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=production_env(tmp_path),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://xuefen.example.edu/"]
    assert seen["health"] == 200  # plain HTTP from 127.0.0.1, as compose's health check asks
    assert seen["proxied"] == 200 and seen["hsts"].startswith("max-age=31536000")
    assert seen["cookie_secure"] is True
    assert seen["callback"] == "https://xuefen.example.edu/accounts/oauth/github/login/callback/"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "EMAIL_URL", "FIELD_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    env = production_env(tmp_path)
    env.pop(missing)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and f"{missing} must be set" in result.stderr


def test_docker_compose_validates_with_the_tls_proxy():
    compose = ROOT / "docker-compose.yml"
    if not any((Path(p) / "docker-compose").exists() for p in os.environ.get("PATH", "").split(os.pathsep)):
        pytest.skip("Debian's docker-compose is not installed") if not os.environ.get("CI") else pytest.fail(
            "docker-compose is required in CI")
    env = {**os.environ, "SECRET_KEY": "s", "FIELD_ENCRYPTION_KEYS": "k", "EMAIL_URL": "consolemail://",
           "XUEFEN_DOMAIN": "xuefen.example.edu"}
    result = subprocess.run(["docker-compose", "-f", str(compose), "config", "-q"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    text = compose.read_text()
    assert "caddy" in text and "SECURE_PROXY_SSL_HEADER" in text
    assert (ROOT / "config" / "Caddyfile").exists()
