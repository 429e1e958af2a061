"""The fediverse is off by default (FEDIVERSE=false); its tests turn it on."""

import pytest


@pytest.fixture(autouse=True)
def _fediverse_on(settings):
    settings.KIJI_FEDIVERSE_ENABLED = True
