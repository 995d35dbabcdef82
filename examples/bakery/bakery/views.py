"""Views of the bakery: which menu, which ordering flow."""

from django.shortcuts import render
from django.views.generic import TemplateView
from waffle import flag_is_active
from waffle.decorators import waffle_switch
from waffle.mixins import WaffleFlagMixin


def menu(request):
    if flag_is_active(request, "seasonal-menu"):
        sections = ["spring", "summer", "autumn", "winter"]
    else:
        sections = ["bread", "pastry"]
    return render(request, "bakery/menu.html", {"sections": sections})


@waffle_switch("!oven-maintenance")
def order(request):
    return render(request, "bakery/order.html")


class PreorderView(WaffleFlagMixin, TemplateView):
    waffle_flag = "pastry-preorder"
    template_name = "bakery/preorder.html"
