"""Web views: the Django-style ones use waffle, the rest the shop's own client."""

from __future__ import annotations

import waffle

from shop.features import Feature
from shop.flags import flag_enabled


def dashboard(request):
    if flag_enabled(Feature.BETA_DASHBOARD):
        return render("dashboard/beta.html", request)
    return render("dashboard/classic.html", request)


def search(request):
    ranking = "vector" if waffle.flag_is_active(request, "search-v2") else "bm25"
    return render("search.html", request, ranking=ranking)


def product(request, product):
    widgets = ["reviews"]
    if flag_enabled("legacy-recommendations"):
        widgets.append("recommendations")
    if flag_enabled("gift-wrap"):
        widgets.append("gift-wrap")
    if flag_enabled("new-chekout"):  # a typo: reads a flag that does not exist
        widgets.append("quick-buy")
    return render("product.html", request, widgets=widgets)


def loyalty(request):
    return flag_enabled(Feature.LOYALTY)


def render(template, request, **context):
    return {"template": template, "context": context}
