"""Registry writes: versions, activation, rollback, pruning, artifacts."""
import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from electroshop.mlops import registry, selectors, services
from electroshop.mlops.models import ModelVersion

from .helpers import AS_OF, active_ids, ready_version


@pytest.mark.django_db
def test_versions_are_numbered_per_kind():
    a1 = services.register_model_version(app="recommendations", kind="hybrid", as_of=AS_OF)
    a2 = services.register_model_version(app="recommendations", kind="hybrid", as_of=AS_OF)
    b1 = services.register_model_version(app="fraud", kind="order_risk", as_of=AS_OF)
    assert (a1.version, a2.version, b1.version) == (1, 2, 1)
    assert a1.status == ModelVersion.Status.TRAINING


@pytest.mark.django_db
def test_register_links_the_training_run():
    run = services.start_training_run(app="fraud", kind="order_risk", as_of=AS_OF, triggered_by="test")
    version = services.register_model_version(app="fraud", kind="order_risk", as_of=AS_OF, run_id=run.pk)
    run.refresh_from_db()
    assert run.model_version_id == version.pk


@pytest.mark.django_db
def test_activate_flips_the_pointer_and_readers_see_it(django_capture_on_commit_callbacks):
    v1, v2 = ready_version(), ready_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.activate_model_version(version_id=v1.pk)
    assert selectors.active_version_id(app="recommendations", kind="hybrid") == v1.pk  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        services.activate_model_version(version_id=v2.pk)
    assert selectors.active_version_id(app="recommendations", kind="hybrid") == v2.pk  # cache forgotten at commit
    v1.refresh_from_db()
    assert v1.status == ModelVersion.Status.READY
    assert active_ids() == [v2.pk]


@pytest.mark.django_db
def test_activating_twice_changes_nothing():
    version = ready_version()
    first = services.activate_model_version(version_id=version.pk).activated_at
    assert services.activate_model_version(version_id=version.pk).activated_at == first


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ModelVersion.Status.TRAINING, ModelVersion.Status.FAILED])
def test_unready_versions_cannot_be_activated(status):
    version = services.register_model_version(app="recommendations", kind="hybrid", as_of=AS_OF)
    ModelVersion.objects.filter(pk=version.pk).update(status=status)
    with pytest.raises(services.RegistryError):
        services.activate_model_version(version_id=version.pk)
    assert active_ids() == []


@pytest.mark.django_db
def test_rollback_reactivates_the_previous_version():
    v1, v2, v3 = ready_version(), ready_version(), ready_version()
    services.activate_model_version(version_id=v1.pk)
    services.activate_model_version(version_id=v2.pk)
    services.activate_model_version(version_id=v3.pk)
    assert services.rollback_model_version(app="recommendations", kind="hybrid").pk == v2.pk
    assert active_ids() == [v2.pk]
    assert services.rollback_model_version(app="recommendations", kind="hybrid").pk == v1.pk
    with pytest.raises(services.RegistryError):
        services.rollback_model_version(app="recommendations", kind="hybrid")
    assert active_ids() == [v1.pk]


@pytest.mark.django_db
def test_rollback_never_goes_to_a_version_that_was_never_active():
    v1, v2 = ready_version(), ready_version()
    services.activate_model_version(version_id=v2.pk)
    with pytest.raises(services.RegistryError):
        services.rollback_model_version(app="recommendations", kind="hybrid")
    assert active_ids() == [v2.pk]
    assert v1.pk not in active_ids()


@pytest.mark.django_db
def test_the_database_allows_one_active_version_per_kind():
    v1, v2 = ready_version(), ready_version()
    other = ready_version(kind="other")
    ModelVersion.objects.filter(pk=v1.pk).update(status="active")
    ModelVersion.objects.filter(pk=other.pk).update(status="active")  # another kind: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=v2.pk).update(status="active")
    assert active_ids() == [v1.pk]


class _FakeCachedTable:
    """Stands in for an app's cached table: records which version's rows were deleted."""

    deleted: list[int] = []

    class objects:  # noqa: N801 - mimics a manager
        db = "default"

        @classmethod
        def filter(cls, *, model_version_id):
            class _QuerySet:
                def _raw_delete(self, using):
                    _FakeCachedTable.deleted.append(model_version_id)
                    return 0

            return _QuerySet()


@pytest.mark.django_db
def test_prune_deletes_old_versions_their_cached_rows_and_artifacts():
    _FakeCachedTable.deleted = []
    registry.register_app(app="recommendations", kind="hybrid", cached_tables=[_FakeCachedTable])
    versions = [ready_version() for _ in range(6)]
    for version in versions:
        services.save_artifact(version_id=version.pk, obj={"weights": [version.version]})
    services.activate_model_version(version_id=versions[1].pk)
    training = services.register_model_version(app="recommendations", kind="hybrid", as_of=AS_OF)
    paths = {v.pk: ModelVersion.objects.get(pk=v.pk).artifact_path for v in versions}

    doomed = services.prune_model_versions(app="recommendations", kind="hybrid", keep=2)

    # Kept: the active one, the one still training and the two newest inactive ones (v6, v5).
    assert sorted(doomed) == sorted([versions[0].pk, versions[2].pk, versions[3].pk])
    remaining = set(ModelVersion.objects.values_list("pk", flat=True))
    assert remaining == {versions[1].pk, versions[4].pk, versions[5].pk, training.pk}
    assert sorted(_FakeCachedTable.deleted) == sorted(doomed)
    from pathlib import Path

    for pk, path in paths.items():
        assert Path(path).exists() == (pk in remaining)


@pytest.mark.django_db
def test_prune_uses_the_setting_by_default(settings):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "KEEP_MODEL_VERSIONS": 1}
    versions = [ready_version() for _ in range(3)]
    assert sorted(services.prune_model_versions(app="recommendations", kind="hybrid")) == [versions[0].pk, versions[1].pk]


@pytest.mark.django_db
def test_the_active_version_cannot_be_deleted():
    version = ready_version()
    services.activate_model_version(version_id=version.pk)
    with pytest.raises(services.RegistryError):
        services.delete_model_version(version_id=version.pk)
    assert ModelVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.django_db
def test_artifacts_round_trip_and_a_tampered_file_is_refused(artifact_dir):
    version = ready_version()
    saved = services.save_artifact(version_id=version.pk, obj={"factors": [1.0, 2.0]})
    assert saved.artifact_path.startswith(str(artifact_dir))
    assert len(saved.artifact_sha256) == 64
    assert services.load_artifact(version=saved) == {"factors": [1.0, 2.0]}
    from pathlib import Path

    Path(saved.artifact_path).write_bytes(Path(saved.artifact_path).read_bytes() + b"x")
    with pytest.raises(services.RegistryError, match="checksum"):
        services.load_artifact(version=saved)


@pytest.mark.django_db(transaction=True)
def test_readers_see_the_old_or_the_new_version_never_none_or_both():
    v1, v2 = ready_version(), ready_version()
    services.activate_model_version(version_id=v1.pk)
    seen: list[tuple[int, ...]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                # One statement, like a request's read of the pointer; never the cache.
                try:
                    seen.append(tuple(ModelVersion.objects.filter(
                        app="recommendations", kind="hybrid", status="active").values_list("pk", flat=True)))
                except OperationalError as exc:
                    if "locked" not in str(exc):  # SQLite's in-memory test database: wait for the writer
                        raise
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        flips = 0
        while flips < 60:
            try:
                services.activate_model_version(version_id=(v2 if flips % 2 == 0 else v1).pk)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                continue  # SQLite: the reader held the table; the transaction rolled back, try again
            flips += 1
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert seen, "the reader never ran"
    assert set(seen) <= {(v1.pk,), (v2.pk,)}, set(seen) - {(v1.pk,), (v2.pk,)}
