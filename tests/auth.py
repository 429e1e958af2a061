"""Authentication backends for the test run."""

from axes.backends import AxesStandaloneBackend


class AxesWhenThereIsARequest(AxesStandaloneBackend):
    """django-axes' lockout check for every login that comes with a request.

    `Client.login()` authenticates with no request, which the production
    backend refuses; with no client address there is nothing to count, so such
    a login goes on to the next backend. Logins through the admin's form (all
    the throttling tests, the browser tests) still pass through the check.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
