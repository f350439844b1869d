import factory

from celedger.activities.tests.factories import ActivityFactory
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm, Question
from celedger.publishers.tests.factories import PublisherFactory


class EvaluationFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationForm
        skip_postgeneration_save = True

    publisher = factory.SubFactory(PublisherFactory)
    name = factory.Sequence(lambda n: f"Course evaluation {n}")
    version = 1

    @factory.post_generation
    def own_lineage(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.lineage_id is None:
            self.lineage = self
            self.save(update_fields=["lineage"])


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    form = factory.SubFactory(EvaluationFormFactory)
    order = factory.Sequence(lambda n: n + 1)
    kind = Question.Kind.AGREEMENT
    text = factory.Sequence(lambda n: f"Statement {n}")
    required = True


class ActivityEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityEvaluation

    activity = factory.SubFactory(ActivityFactory)
    mode = ActivityEvaluation.Mode.BUILTIN
    form = factory.LazyFunction(lambda: standard_form())
    per_session = True


def standard_form() -> EvaluationForm:
    return EvaluationForm.objects.get(is_standard=True)
