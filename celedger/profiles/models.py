from django.conf import settings
from django.db import models
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from celedger.accreditation.models import Board, Credential, Profession, Specialty

LICENSE_PLACEHOLDER = "0000"


class LearnerProfile(models.Model):
    """A learner's professional identity: everything the guide's "Online Profile" asks."""

    class Status(models.TextChoices):
        PRACTICING = "practicing", "Practicing / active"
        RESIDENT = "resident", "Resident or fellow"
        STUDENT = "student", "Student"
        FACULTY = "faculty", "Faculty / educator"
        NOT_PRACTICING = "not_practicing", "Not currently practicing"
        RETIRED = "retired", "Retired"
        OTHER = "other", "Other"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    # Case- and accent-folded last name for the duplicate-account check.
    last_name_key = models.CharField(max_length=100, db_index=True, editable=False)
    credentials = models.ManyToManyField(Credential, related_name="profiles")
    profession = models.ForeignKey(Profession, on_delete=models.PROTECT, related_name="profiles")
    affiliation = models.CharField(max_length=200, blank=True)
    specialty = models.ForeignKey(
        Specialty, on_delete=models.PROTECT, related_name="profiles_in_specialty"
    )
    sub_specialty = models.ForeignKey(
        Specialty,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="profiles_in_subspecialty",
    )
    address1 = models.CharField("address", max_length=200)
    address2 = models.CharField("address 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField("state / region", max_length=100)
    postal_code = models.CharField("zip / postal code", max_length=20)
    country = CountryField(default="US")
    phone = PhoneNumberField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    license_number = models.CharField(max_length=40)
    license_state = models.CharField(max_length=100, blank=True)
    nabp_eprofile_id = models.CharField("NABP e-Profile ID", max_length=7, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    is_board_member = models.BooleanField("board member", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(birth_month__gte=1, birth_month__lte=12),
                name="profile_birth_month_range",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_day__isnull=True)
                | models.Q(birth_day__gte=1, birth_day__lte=31),
                name="profile_birth_day_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def name_with_credentials(self) -> str:
        """ "Ana Nuñez, MSN, NP": the name, then each credential after a comma (prefetch
        `credentials` for lists)."""
        name = f"{self.first_name} {self.last_name}".strip()
        return ", ".join([name, *(c.abbreviation for c in self.credentials.all())])

    @property
    def license_is_placeholder(self) -> bool:
        return self.license_number.strip() == LICENSE_PLACEHOLDER

    @property
    def birth_mmdd(self) -> str:
        if self.birth_month and self.birth_day:
            return f"{self.birth_month:02d}{self.birth_day:02d}"
        return ""

    @property
    def has_nabp_data(self) -> bool:
        return bool(self.nabp_eprofile_id and self.birth_mmdd)


class BoardCertification(models.Model):
    """A diplomate's board, board ID and consent to report MOC completions through ACCME."""

    profile = models.ForeignKey(
        LearnerProfile, on_delete=models.CASCADE, related_name="board_certifications"
    )
    board = models.ForeignKey(Board, on_delete=models.PROTECT)
    diplomate_id = models.CharField("board ID", max_length=40)
    consented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "board"], name="boardcert_unique_board")
        ]

    def __str__(self) -> str:
        return f"{self.board.code} {self.diplomate_id}"
