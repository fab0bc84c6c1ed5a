from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length checked before anyone is asked.

    ``AuthenticationForm`` sets the username's ``max_length`` after the field is built, so the
    limit reaches the page but is never checked: an over-long name went on to django-axes,
    whose attempt log refuses more than 255 characters on PostgreSQL (a 500). No account can
    have a longer name than the user model allows, so a longer one is simply not a login.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(
            MaxLengthValidator(
                field.max_length,
                _("No account has a username this long. Check what you typed."),
            )
        )
