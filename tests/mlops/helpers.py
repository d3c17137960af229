from datetime import datetime, timezone

from electroshop.mlops import services
from electroshop.mlops.models import ModelVersion

AS_OF = datetime(2026, 11, 1, tzinfo=timezone.utc)


def ready_version(app="recommendations", kind="hybrid", metrics=None) -> ModelVersion:
    version = services.register_model_version(app=app, kind=kind, as_of=AS_OF)
    return services.mark_version_ready(version_id=version.pk, metrics=metrics or {"ndcg@10": 0.31})


def active_ids(app="recommendations", kind="hybrid") -> list[int]:
    return list(ModelVersion.objects.filter(app=app, kind=kind, status="active").values_list("pk", flat=True))
