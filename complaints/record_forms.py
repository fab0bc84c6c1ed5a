"""The period an inspector-ready record of complaints covers, and whose."""

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setting_records.fields import IdChoiceField, UKDateField, parse_id
from setting_records.models import Setting

# The EYFS framework has a setting keep its record of complaints for at least three years;
# five is room for an inspector who asks for the whole of it, and a bound on one export.
LONGEST_YEARS = 5


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (29 February becomes 28 February), or the last day there
    is."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        if day.year + years > datetime.MAXYEAR:
            return datetime.date.max
        return day.replace(year=day.year + years, day=28)


class RecordPeriodForm(forms.Form):
    """Which setting, and the days the complaints were received on (both included).

    The setting is chosen only by a manager of more than one; for the others it is theirs,
    and may be left out of the address.
    """

    setting = IdChoiceField(
        label=_("Setting"), queryset=Setting.objects.none(), empty_label=_("Choose…")
    )
    start = UKDateField(label=_("Received from"))
    end = UKDateField(label=_("Received up to and including"))

    def __init__(self, *args: Any, managed: QuerySet[Setting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The settings the user manages (access.managed_settings): none, and the view is a 404.
        self.managed = list(managed)
        field = self.fields["setting"]
        field.queryset = managed  # type: ignore[attr-defined]
        if len(self.managed) == 1:
            field.required = False
            field.widget = forms.HiddenInput()
            self.initial.setdefault("setting", self.managed[0].pk)
        today = timezone.localdate()
        self.initial.setdefault("start", years_after(today, -1))
        self.initial.setdefault("end", today)

    def clean_setting(self) -> Setting:
        chosen = self.cleaned_data.get("setting")
        if chosen is None and len(self.managed) == 1:
            return self.managed[0]
        if chosen is None:
            raise forms.ValidationError(_("Choose the setting."), code="required")
        return chosen

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None:
            if end < start:
                self.add_error("end", _("This must be on or after the first day."))
            elif end >= years_after(start, LONGEST_YEARS):
                self.add_error(
                    "end",
                    _("One record covers at most %(years)d years: choose a shorter period.")
                    % {"years": LONGEST_YEARS},
                )
        return cleaned

    def names_a_setting_not_managed(self) -> bool:
        """An id in ``setting`` that is not one of the user's: the same answer as for a setting
        that does not exist (a 404), not a form error that would tell them apart."""
        if self.is_valid() or "setting" not in self.errors:
            return False
        return parse_id(self.data.get("setting", "")) is not None

    def query(self) -> dict[str, str]:
        """The valid period, as the PDF and CSV links carry it."""
        return {
            "setting": str(self.cleaned_data["setting"].pk),
            "start": self.cleaned_data["start"].isoformat(),
            "end": self.cleaned_data["end"].isoformat(),
        }
