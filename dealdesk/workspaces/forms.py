from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from dealdesk.workspaces import throttle
from dealdesk.workspaces.logo import Logo, LogoLimits, LogoRejected, clean_logo, too_large_message
from dealdesk.workspaces.models import Role, User, Workspace


class SignInForm(AuthenticationForm):
    """Sign in with email and password, throttled per client address and per account.

    Every attempt counts against the client's address (``sign_in_ip``); failures count
    against the account (``sign_in_account_failures``) from whatever address they come,
    so spreading a guessing attack over many addresses does not help. The price is that
    an attacker can keep the owner out until the window ends; the message says how long,
    and no other account is affected. Once refused, even the right password is refused,
    and a successful sign-in resets no counter.
    """

    throttled: throttle.Verdict | None = None

    def clean(self) -> dict[str, Any]:
        if self.request is None:
            raise TypeError("SignInForm needs the request to throttle attempts.")
        username = self.cleaned_data.get("username")
        account = throttle.normalized_email(username) if username else None
        verdict = throttle.record(self.request, limit="sign_in_ip")
        if not verdict.refused and account:
            verdict = throttle.peek(self.request, limit="sign_in_account_failures", key=account)
        if verdict.refused:
            self.throttled = verdict
            raise forms.ValidationError(verdict.message, code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            if account:
                throttle.record(self.request, limit="sign_in_account_failures", key=account)
            raise


class SignupEmailForm(forms.Form):
    email = forms.EmailField(label=_("Work email"))


class SignupForm(forms.Form):
    """Finishing a sign-up: the address is known from the emailed link."""

    workspace_name = forms.CharField(
        label=_("Company name"), max_length=120, help_text=_("Your workspace is named after it.")
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password, User(email=self.email))
        return password


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.SELLER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class WorkspaceForm(forms.ModelForm[Workspace]):
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    class Meta:
        model = Workspace
        fields = [
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "vat_number",
        ]
        help_texts = {"vat_number": _("Printed with your address on every quote.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limits = LogoLimits.from_settings()
        self.fields["logo"].help_text = _(
            "PNG or JPEG, at most %(size)s and %(max_size)s pixels. "
            "Shown on your quotes and their PDFs."
        ) % {"size": filesizeformat(limits.max_bytes), "max_size": limits.max_dimensions}

    def clean_logo(self) -> Logo | None:
        """The re-encoded logo to store (see workspaces.logo), or None when none was sent."""
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        limits = LogoLimits.from_settings()
        if upload.size > limits.max_bytes:  # before reading it into memory
            raise forms.ValidationError(too_large_message(limits))
        try:
            return clean_logo(upload.read(), limits)
        except LogoRejected as rejected:
            raise forms.ValidationError(str(rejected)) from None


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "language"]
        help_texts = {"language": _("The language DealDesk speaks to you in.")}
