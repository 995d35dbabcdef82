from waffle.testutils import override_flag

from bakery.views import menu


@override_flag("seasonal-menu", active=True)
def test_seasonal_menu(rf):
    assert menu(rf.get("/")).status_code == 200
