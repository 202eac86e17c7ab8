"""Strict specs: each forge's login and repository syntax, checked before any request; answers of the kind asked."""
from __future__ import annotations

import pytest

from credits.forges import ForgeBadAnswer, ForgeBadSpec
from credits.forges.gitee import GiteeClient
from credits.forges.github import _repo_answer, _user_answer, client_from_settings
from credits.forges.specs import SpecError, parse_identity, parse_repository

pytestmark = pytest.mark.security


@pytest.mark.parametrize("spec", [
    "github:owner/../name", "github:./name", "github:owner/.", "github:a%2Fb/c", "github:owner/name/", "github:/a/b",
    "github:owner/name?x=1", "github:owner/name#x", "github:owner//name", "github:-owner/name", "github:ow ner/name",
    "gitee:owner/..", "gitee:owner%2F../x", "gitlab:group/../x", "gitlab:group/./x", "gitlab:group", "gitlab:a//b",
    "gitlab:group/sub/name%2F", "gitee:123", "github:0", "github:owner/name\x00",
])
def test_repository_specs_outside_each_forges_syntax_are_refused(spec):
    with pytest.raises(SpecError):
        parse_repository(spec)


@pytest.mark.parametrize("spec, platform, key", [
    ("github:deepseek-ai/DeepSeek-V3", "github", "deepseek-ai/DeepSeek-V3"),
    ("github:vllm-project/.github", "github", "vllm-project/.github"),
    ("gitee:mindspore/mindspore", "gitee", "mindspore/mindspore"),
    ("gitlab:ai-lab/nlp/toolkit", "gitlab", "ai-lab/nlp/toolkit"),
    ("gitlab:300001", "gitlab", "300001"),
    ("github:100002", "github", "100002"),
])
def test_valid_repository_specs_parse(spec, platform, key):
    parsed = parse_repository(spec)
    assert (parsed.platform, parsed.key) == (platform, key)


@pytest.mark.parametrize("spec", [
    "github:../repos/QwenLM/Qwen3", "github:a/b", "github:wangxm--ai", "github:-x", "github:%2e%2e", "gitee:..",
    "gitee:a/b", "gitlab:user.git", "gitlab:-user", "github:", "github:name with space", "gitee:.hidden",
])
def test_identity_specs_outside_each_forges_login_syntax_are_refused(spec):
    with pytest.raises(SpecError):
        parse_identity(spec)


def test_clients_refuse_a_bad_spec_before_sending_anything(sim):
    client = client_from_settings()
    with pytest.raises(ForgeBadSpec):
        client.get_user("../repos/QwenLM/Qwen3")
    with pytest.raises(ForgeBadSpec):
        client.get_repository("../rate_limit")
    assert client.requests_spent == 0
    gitee = GiteeClient(sim.gitee_api_url)
    with pytest.raises(ForgeBadSpec):
        gitee.get_repository("../user")
    assert gitee.requests_spent == 0


def test_a_repository_answer_to_a_user_question_is_refused():
    repository = {"id": 100002, "full_name": "QwenLM/Qwen3", "owner": {"login": "QwenLM", "id": 9}}
    with pytest.raises(ForgeBadAnswer):
        _user_answer(repository, asked="QwenLM")
    profile = {"id": 1001, "login": "wangxm-ai", "type": "User"}
    with pytest.raises(ForgeBadAnswer):
        _repo_answer(profile, asked="wangxm-ai/x")
    with pytest.raises(ForgeBadAnswer):
        _repo_answer({"resources": {}, "rate": {}}, asked="x/rate_limit")
    assert _user_answer(profile, asked="WANGXM-AI").external_id == 1001


def test_a_gitee_profile_answered_for_a_repository_is_refused(sim, monkeypatch):
    gitee = GiteeClient(sim.gitee_api_url)
    # What /repos/../user reaches on the real Gitee: the token's own profile.
    profile = {"id": 2001, "login": "wangxm", "name": "w"}
    monkeypatch.setattr(gitee, "_fetch", lambda path, params, kind, etag="": (None, profile))
    with pytest.raises(ForgeBadAnswer):
        gitee.get_repository("wangxm/repo")
