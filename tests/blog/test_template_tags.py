from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import translation


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("format_string", ["DATE_FORMAT", "DATETIME_FORMAT"])
def test_time_element_is_the_markup_of_two_local_dates(settings, language, format_string):
    settings.TIME_ZONE = "Asia/Tokyo"
    moment = datetime(2024, 1, 1, 0, 30, tzinfo=ZoneInfo("UTC"))
    engine = engines["django"]
    context = {"value": moment, "format": format_string}
    with translation.override(language):
        by_filters = engine.from_string(
            "{% load blog_tags %}<time datetime=\"{{ value|local_date:'c' }}\">"
            "{{ value|local_date:format }}</time>"
        ).render(context)
        by_tag = engine.from_string("{% load blog_tags %}{% time_element value format %}").render(
            context
        )

    assert by_tag == by_filters
    assert 'datetime="2024-01-01T09:30:00+09:00"' in by_tag
