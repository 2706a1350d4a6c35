"""Money typed into a form: amounts its column cannot hold are refused with a message, not a database error."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal.commissioning.forms import SpendCapForm, ZoneForm


@pytest.mark.parametrize("typed", ["1e10", "1000000", "-1000000", "Infinity", "NaN"])
def test_an_hourly_rate_out_of_range_is_refused_with_a_message(app, typed):
    with app.test_request_context():
        form = ZoneForm(MultiDict({"name": "Fenland", "ceiling_rate": typed}))
        assert not form.validate()
        assert form.ceiling_rate.errors == ["Enter an amount less than £1,000,000, like 19.65"]


def test_rates_and_spend_caps_within_their_columns_are_kept(app):
    with app.test_request_context():
        zone = ZoneForm(MultiDict({"name": "Fenland", "ceiling_rate": "£999,999.99"}))
        zone.validate()
        assert zone.ceiling_rate.data == Decimal("999999.99") and not zone.ceiling_rate.errors
        cap = SpendCapForm(MultiDict({"spend_cap": "2500000"}))
        cap.validate()
        assert cap.spend_cap.data == Decimal("2500000") and not cap.spend_cap.errors
