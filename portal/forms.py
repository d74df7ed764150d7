from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting


class PortalBoundField(forms.BoundField):
    """A field in error is marked for the eye (Bootstrap's red border) as Django marks it for screen readers
    (aria-invalid, and aria-describedby pointing at the error list and help text of `components/field.html`)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not widget.is_hidden:
            css = attrs.get("class", widget.attrs.get("class", ""))
            if "is-invalid" not in css.split():
                attrs["class"] = f"{css} is-invalid".strip()
        return attrs


class PortalFormRenderer(TemplatesSetting):
    """Every form of the portal (settings.FORM_RENDERER): fields are drawn by `components/field.html`, which gives
    the help text and the errors the ids that Django's aria-describedby names."""

    field_template_name = "components/field.html"
    bound_field_class = PortalBoundField


class BootstrapFormMixin:
    """Give every widget Bootstrap's class so templates stay plain."""

    fields: dict[str, forms.Field]  # the form's, once Form.__init__ has run

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
