"""The rooms pages' forms: a room's name, and which children move to which room."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from children.models import Child, Room
from setting_records.fields import IdChoiceField, IdMultipleChoiceField
from setting_records.models import Setting


class RoomForm(forms.Form):
    name = forms.CharField(
        label=_("Room name"),
        max_length=100,
        help_text=_("e.g. “Babies”, “Toddlers”, “Pre-school”"),
    )


class RoomAddForm(RoomForm):
    """A new room, in one of the settings the manager manages: asked only when there are
    several; with one, the room is for it."""

    def __init__(self, *args: Any, settings: QuerySet[Setting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = list(settings)
        if len(self.settings) > 1:
            self.fields["setting"] = IdChoiceField(
                label=_("Setting"), queryset=settings, empty_label=_("Choose a setting")
            )
            self.order_fields(["setting", "name"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "setting" not in self.fields:
            cleaned["setting"] = self.settings[0]
        return cleaned


class ChildChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj: Child) -> str:
        return obj.display_name


class MoveForm(forms.Form):
    # Each form is given the children in the room and the rooms they may go to (``__init__``).
    children = ChildChoiceField(
        label=_("Children to move"),
        queryset=Child.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one child to move."),
            "invalid_choice": _("One of the children chosen is no longer in this room."),
        },
    )
    to_room = IdChoiceField(
        label=_("Move them to"),
        queryset=Room.objects.none(),
        empty_label=_("Choose a room"),
        error_messages={"invalid_choice": _("Choose one of the open rooms listed.")},
    )

    def __init__(self, *args, children, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = children
        self.fields["to_room"].queryset = rooms
