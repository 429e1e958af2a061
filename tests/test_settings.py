import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_manage(env, "check", *args)


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_check({"DEBUG": "false", "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_check({"DEBUG": "false", "SECRET_KEY": "django-insecure-abc"})

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_documented_production_settings_pass_check_deploy():
    result = run_check(
        {
            "DEBUG": "false",
            "SECRET_KEY": "p" * 10 + "production-secret-key-with-enough-randomness-0123456789",
            "ALLOWED_HOSTS": "blog.example.com",
            "SECURE_HSTS_PRELOAD": "true",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_language_code_from_the_environment_selects_the_japanese_catalogue():
    result = run_manage(
        {"DEBUG": "true", "LANGUAGE_CODE": "ja"},
        "shell",
        "--no-imports",
        "-c",
        "from django.utils.translation import gettext; print(gettext('Continue reading'))",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "続きを読む"
