from django.db import models


class BaselineRow(models.Model):
    """A row the benchmark's one-INSERT baseline writes (bench/closing_rush.py)."""

    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"baseline {self.pk}"
