"""Types for views: what a request looks like once the portal's middleware has run."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django_htmx's HtmxMiddleware (every request of the portal does).

    Only for annotations; Django still builds a plain HttpRequest. The apps' views behind login_required use
    `branches.http.AuthenticatedHttpRequest`, which also says the user is signed in.
    """

    htmx: HtmxDetails
