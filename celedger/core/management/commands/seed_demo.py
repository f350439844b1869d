import importlib
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app's demo module has seed() -> list[str] (lines to print); safe to run again.
DEMO_APPS = [
    "profiles",
    "publishers",
    "activities",
    "evaluations",
    "assessments",
    "credits",
    "integrity",
    "reporting",
]


class Command(BaseCommand):
    help = "Load demo data (learners, staff, publishers, activities); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        lines: list[str] = []
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"celedger.{app}.demo")
                except ModuleNotFoundError:
                    continue
                lines.extend(module.seed())
        for line in lines:
            self.stdout.write(line)
