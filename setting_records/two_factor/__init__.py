"""Two-factor login: a code from an authenticator app (TOTP, RFC 6238) after the password.

Built on django-otp: its TOTP devices hold each person's secret, its static devices their
single-use backup codes, its middleware marks a session that has passed the second step, and
its throttling makes each wrong code double the wait before the next. This package decides who
needs it (``policy``), enforces it (``middleware``), and holds the pages (``views``) and the
logged writes (``services``).
"""
