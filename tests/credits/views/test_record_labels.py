"""The record page names rules, actions, statuses and stages for people, in the page's language."""
from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from credits.models import CreditLine
from credits.rules.explain import rule_label
from credits.rules.schema import Policy
from credits.services.audit import audit_record
from credits.services.records import record_approve, record_submit
from tests.credits.services.records_helpers import NOW, build_uni
from tests.credits.services.rules_helpers import simple_policy

pytestmark = pytest.mark.django_db


def test_rule_labels_use_the_policys_names_and_the_engines_own():
    policy = Policy.model_validate(yaml.safe_load(simple_policy()))
    assert rule_label(policy, "kinds.pull_request", "zh-hans") == "已合并的拉取请求"
    assert rule_label(policy, "caps.per_term", "en") == "term cap"
    assert rule_label(policy, "exclusions.self_merged", "zh-hans") == "自行合并"
    assert rule_label(None, "something.new", "en") == "something.new"  # unknown keys stay visible


@pytest.mark.parametrize("language, words", [
    ("zh-hans", ["已合并的拉取请求", "已提交", "已批准", "导师审核", "系统自动评定"]),
    ("en", ["merged pull request", "submitted", "approved", "Advisor review", "automatic evaluation"]),
])
def test_the_record_page_shows_names_not_keys(client, language, words):
    uni = build_uni()
    record = uni.record(uni.alice)
    CreditLine.objects.create(record=record, contribution_key="github:1", position=0, outcome="credited",
                              rule="kinds.pull_request", points=10, base_points=10, reason="r", reason_zh="理由")
    audit_record(action="credit_record_create", subject=record, actor=None, reason="re-evaluation")
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    client.force_login(uni.dean_cs)
    page = client.get(reverse("record_detail", args=[record.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in page
    assert ">record_submit<" not in page and ">kinds.pull_request<" not in page
