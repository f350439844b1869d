"""A new worker pays its first-request costs before it takes a request (issue 10)."""

import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import engines
from django.template.base import Template
from django.urls import reverse

from celedger.core import warm
from celedger.credits.tests.helpers import activity_with, learner
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm


def _forget_compiled_templates() -> None:
    for loader in engines["django"].engine.template_loaders:  # type: ignore[attr-defined]
        loader.reset()


def test_the_warm_up_compiles_every_template_of_the_project() -> None:
    root = Path(settings.BASE_DIR) / "templates"
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.suffix in warm.TEMPLATE_SUFFIXES
    }
    assert "base.html" in on_disk
    assert set(warm.compile_project_templates()) == on_disk


@pytest.mark.django_db
def test_after_a_workers_start_the_learners_pages_compile_no_template(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = activity_with("ama-pra-1", "ancc")
    # Claimed without an evaluation: the claim page shows its form.
    claimed = activity_with("ama-pra-1", "ancc")
    ActivityEvaluation.objects.create(
        activity=session.activity,
        mode=ActivityEvaluation.Mode.BUILTIN,
        form=EvaluationForm.objects.get(is_standard=True),
    )
    client.force_login(learner("MD").user)
    _forget_compiled_templates()
    pdf_warmed: list[bool] = []
    monkeypatch.setattr(warm, "warm_up_pdf", lambda: pdf_warmed.append(True))

    hooks = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py"))
    hooks["post_worker_init"](object())

    assert pdf_warmed
    compiled: list[str | None] = []
    compile_template = Template.__init__

    def counting(self: Template, *args: Any, **kwargs: Any) -> None:
        compile_template(self, *args, **kwargs)
        compiled.append(self.name)

    monkeypatch.setattr(Template, "__init__", counting)
    for name in ("activities:program", "evaluations:evaluate"):
        assert client.get(reverse(name, args=[session.event_id])).status_code == 200
    assert client.get(reverse("credits:claim", args=[claimed.event_id])).status_code == 200
    assert client.get(reverse("credits:transcript")).status_code == 200
    assert compiled == []
