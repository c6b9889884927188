"""The learner's own insights page: only ever about the signed-in learner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from candor.insights.access import require_learner
from candor.insights.learner import learner_insights


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    require_learner(request.user)
    # No parameter names a person: the page is built from request.user alone.
    ctx = learner_insights(request.user)
    return render(request, "insights/me.html", {**ctx, "nav": "insights"})
