from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """CE Ledger's allauth adapter: the sign-up flow is extended in accounts.views."""
