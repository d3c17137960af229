import pytest

from electroshop.mlops import registry


@pytest.fixture(autouse=True)
def isolated_registry():
    """Tests register fake trainers and tables; the apps' real registrations come back afterwards."""
    saved = dict(registry._REGISTRY)
    yield registry._REGISTRY
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


@pytest.fixture
def no_trainers(isolated_registry):
    isolated_registry.clear()


@pytest.fixture(autouse=True)
def artifact_dir(settings, tmp_path):
    settings.ELECTROSHOP = {**getattr(settings, "ELECTROSHOP", {}), "ARTIFACT_DIR": str(tmp_path / "artifacts")}
    return tmp_path / "artifacts"


