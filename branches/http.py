"""Types for views: what a request looks like once login_required has let it through."""

from branches.models import User
from portal.http import HtmxHttpRequest


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request behind login_required: its user is a signed-in User, never AnonymousUser.

    Only for annotations (the type checker's view of request.user); Django still builds a plain HttpRequest.
    """

    user: User
