"""The one way a view turns an object id into an object: through a scoped selector, 404 otherwise.

Selectors that read one object take the user (`member_get(user=…, pk=…)`) and raise the model's DoesNotExist
both for a missing id and for an object outside the user's scope. `get_or_404` turns either into a 404, so a
page never tells a user that something they may not see exists (403 is only for an object in scope that the
user may look at but not change)."""

from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404


def get_or_404[T](selector: Callable[..., T], /, **lookup: object) -> T:
    """`selector(**lookup)`, or Http404 when it finds nothing in scope."""
    try:
        return selector(**lookup)
    except ObjectDoesNotExist:
        raise Http404 from None
