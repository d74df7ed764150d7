from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.forms import DATE_WIDGET
from branches.models import Member, RoleKind
from branches.terms.services import Seat
from portal.forms import BootstrapFormMixin

# The single positions of the form, by field name; 委员 are picked in `committee_members`.
POSITION_FIELDS = {
    "secretary": RoleKind.SECRETARY,
    "deputy_secretary": RoleKind.DEPUTY_SECRETARY,
    "organizer": RoleKind.ORGANIZER,
    "propaganda": RoleKind.PROPAGANDA,
    "discipline": RoleKind.DISCIPLINE,
}


class ElectionForm(BootstrapFormMixin, forms.Form):
    """A 换届选举: the day, and the new committee picked from the branch's active members (the access module's
    scope: a member of another branch is not a valid choice)."""

    elected_on = forms.DateField(label=_("选举日期"), widget=DATE_WIDGET)
    secretary = forms.ModelChoiceField(label=_("书记"), queryset=Member.objects.none())
    deputy_secretary = forms.ModelChoiceField(label=_("副书记"), queryset=Member.objects.none(), required=False)
    organizer = forms.ModelChoiceField(label=_("组织委员"), queryset=Member.objects.none(), required=False)
    propaganda = forms.ModelChoiceField(label=_("宣传委员"), queryset=Member.objects.none(), required=False)
    discipline = forms.ModelChoiceField(label=_("纪检委员"), queryset=Member.objects.none(), required=False)
    committee_members = forms.ModelMultipleChoiceField(
        label=_("其他委员"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, members: QuerySet[Member], **kwargs):
        super().__init__(*args, **kwargs)
        for name in [*POSITION_FIELDS, "committee_members"]:
            self.fields[name].queryset = members  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["elected_on"].initial = timezone.localdate()

    def seats(self) -> list[Seat]:
        data = self.cleaned_data
        seats = [Seat(member=data[name], kind=kind) for name, kind in POSITION_FIELDS.items() if data.get(name)]
        seats += [Seat(member=member, kind=RoleKind.COMMITTEE_MEMBER) for member in data.get("committee_members", [])]
        return seats
