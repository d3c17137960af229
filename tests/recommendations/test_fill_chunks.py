"""The fill in chunks: every cached table fills in idempotent chunks, activation waits for the last
one, and the stored artifact carries no event history yet fills exactly as the trained model."""
import pickle
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from electroshop.mlops import fanout
from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion, TrainingRun, TrainingRunChunk
from electroshop.mlops.tasks import retrain_task
from recommendations import tables, tasks
from recommendations.ml.hybrid import EVENT_SUMMARIES
from recommendations.ml.training import train_hybrid
from recommendations.models import BoughtTogether, ProductRecommendation, SimilarProducts, TrendingProducts
from recommendations.services import _interactions_until, product_frame_for_training
from tests.recommendations import shops

small_shop = shops.small_shop

TABLES = (ProductRecommendation, SimilarProducts, BoughtTogether, TrendingProducts)


def _rows(version_id: int) -> dict[str, list]:
    """Every cached row of a version, table by table, in a stable order."""
    return {table.__name__: sorted(
        (str(row.get("customer_id", row.get("product_id", (row.get("category_id"), row.get("segment"))))), row["items"])
        for row in table.objects.filter(model_version_id=version_id).values()) for table in TABLES}


def _fill_every_chunk(model, version_id: int) -> None:
    for kind, payload in tables.fill_chunks(model):
        tables.fill_chunk(model=model, version_id=version_id, kind=kind, payload=payload)


def test_the_artifact_holds_no_events_and_fills_exactly_as_the_trained_model(small_shop):
    as_of = timezone.now()
    model = train_hybrid(_interactions_until(as_of), product_frame_for_training(), as_of=as_of.replace(tzinfo=None))
    assert model.data.events is not None and len(model.data.events)
    with_events = len(pickle.dumps({**model.__dict__, "validation": None}, protocol=pickle.HIGHEST_PROTOCOL))
    version = ModelVersion.objects.create(app="recommendations", kind="hybrid", version=1, as_of=as_of)

    _fill_every_chunk(model, version.pk)  # the trained model, events in hand
    before = _rows(version.pk)
    registry.save_artifact(version_id=version.pk, obj=model)
    version.refresh_from_db()
    loaded = registry.load_artifact(version=version)

    assert loaded.data.events is None
    assert all(name in loaded.__dict__ for name in EVENT_SUMMARIES)
    assert model.data.events is not None  # pickling leaves the trained model alone
    assert Path(version.artifact_path).stat().st_size < with_events
    _fill_every_chunk(loaded, version.pk)  # the same chunks again, from the artifact: replaces every row
    assert _rows(version.pk) == before
    assert all(before[name] for name in before)  # every table has rows
    assert any(key.startswith("(0, 'country:") for key, _ in before["TrendingProducts"])


def test_a_product_chunk_run_twice_replaces_its_rows(small_shop):
    call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.get(app="recommendations", status="active")
    model = registry.load_artifact(version=version)
    counts = {table: table.objects.filter(model_version=version).count() for table in (SimilarProducts, BoughtTogether)}
    first = _rows(version.pk)
    products = [("products", chunk) for kind, chunk in tables.fill_chunks(model) if kind == "products"]
    assert products
    for kind, payload in products + [("shop", name) for name in tables.SHOP_LISTS]:
        tables.fill_chunk(model=model, version_id=version.pk, kind=kind, payload=payload)
    assert {table: table.objects.filter(model_version=version).count() for table in counts} == counts
    assert _rows(version.pk) == first


def test_activation_waits_for_the_last_chunk_and_a_redelivered_chunk_counts_once(small_shop, settings, monkeypatch):
    settings.ELECTROSHOP = {"RECOMMENDATIONS_FILL_CHUNK_SIZE": 8, "RECOMMENDATIONS_PRODUCT_CHUNK_SIZE": 10}
    queued = []  # the chunk messages a broker would hold, instead of running them in this process
    monkeypatch.setattr(tasks.fill_chunk_task, "delay", lambda *args: queued.append(args))
    # the finaliser, enqueued by the chunk that completes the set, runs here (whatever the broker)
    monkeypatch.setattr(tasks.finalize_recommendations_task, "delay",
                        lambda run_id: tasks.finalize_recommendations_task.run(run_id))
    run = registry.start_training_run(app="recommendations", kind="hybrid", as_of=timezone.now(), triggered_by="test")
    retrain_task.run(run.pk, "recommendations", None)  # trains in this process, fans the fill out

    run = TrainingRun.objects.get()
    version = run.model_version
    kinds = [chunk[0] for _, _, chunk in queued]
    # 40 customers in chunks of 8, 24 products in chunks of 10, trending, the repurchase intervals and
    # the two segment groupings
    assert kinds == ["customers"] * 5 + ["products"] * 3 + ["shop"] * 4
    assert run.chunks_total == len(queued)
    for position, message in enumerate(queued[:-1]):
        tasks.fill_chunk_task.run(*message)
        if position == 1:
            tasks.fill_chunk_task.run(*message)  # redelivered after a worker died: counted once
        version.refresh_from_db()
        assert version.status == "training" and not TrainingRun.objects.get().finalize_claimed
    assert TrainingRunChunk.objects.filter(run=run).count() == len(queued) - 1
    assert ProductRecommendation.objects.filter(model_version=version).count() == 40  # no duplicates

    tasks.fill_chunk_task.run(*queued[-1])
    version.refresh_from_db()
    run.refresh_from_db()
    assert version.status == "active" and run.status == "succeeded"
    assert SimilarProducts.objects.filter(model_version=version).count() == 24
    assert TrendingProducts.objects.filter(model_version=version, segment="country:UK").count() == 1


@pytest.mark.parametrize("count,size", [(0, 3), (7, 3), (6, 3)])
def test_split_into_chunks_covers_every_item_once(count, size):
    chunks = fanout.split_into_chunks(list(range(count)), size)
    assert [i for chunk in chunks for i in chunk] == list(range(count))
    assert all(0 < len(chunk) <= size for chunk in chunks)
