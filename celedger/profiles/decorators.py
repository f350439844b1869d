from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from celedger.profiles.selectors import profile_for_user


def profile_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in with a saved profile; otherwise sign in, or complete the profile, then return."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if profile_for_user(user=request.user) is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('profiles:edit')}?{query}")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
