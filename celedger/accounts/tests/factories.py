import factory
from allauth.account.models import EmailAddress

from celedger.accounts.models import User

PASSWORD = "correct horse battery 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: object, **kwargs: object) -> None:
        """A verified primary email (allauth), unless verified=False is passed."""
        if not create:
            return
        self.save()
        EmailAddress.objects.create(
            user=self, email=self.email, primary=True, verified=extracted is not False
        )
