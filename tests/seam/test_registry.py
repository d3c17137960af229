import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from electroshop.seam import ShopAdapter, get_adapter
from electroshop.seam.registry import load_adapter
from electroshop.shop.adapter import BuiltinShopAdapter


class HalfAdapter(ShopAdapter):
    """Implements nothing: a shop adapter that forgot the required reads."""


def test_the_default_is_the_builtin_shop_and_one_instance_serves_the_process():
    adapter = get_adapter()
    assert type(adapter) is BuiltinShopAdapter
    assert get_adapter() is adapter


def test_a_dotted_path_names_the_adapter_class_and_a_settings_change_drops_the_old_instance():
    before = get_adapter()
    with override_settings(ELECTROSHOP={"SHOP_ADAPTER": "electroshop.shop.adapter.BuiltinShopAdapter"}):
        inside = get_adapter()
        assert type(inside) is BuiltinShopAdapter and inside is not before
    assert get_adapter() is not inside


@pytest.mark.parametrize("value, message", [
    ("nowhere.Adapter", "cannot import 'nowhere.Adapter'"),
    ("magento", "cannot import 'magento'"),
    # The alias of a shop whose apps this project does not have.
    ("oscar", "cannot import 'electroshop.oscar.adapter.OscarShopAdapter'"),
    ("electroshop.conf.DEFAULTS", "is not a subclass of electroshop.seam.ShopAdapter"),
    ("tests.seam.test_registry.HalfAdapter", "abstract method"),
])
def test_a_bad_value_is_a_clear_configuration_error(value, message):
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        load_adapter(value)
    assert 'ELECTROSHOP["SHOP_ADAPTER"]' in str(error.value)


def test_the_builtin_adapter_implements_every_required_method():
    assert not getattr(BuiltinShopAdapter, "__abstractmethods__", None)
    assert BuiltinShopAdapter().sku_max_length == 64


def test_the_plugin_apps_pin_their_auto_field_whatever_the_host_project_sets():
    from django.apps import apps

    for label in ("mlops", "api", "seam", "recommendations", "forecasting", "fraud"):
        assert apps.get_app_config(label).default_auto_field == "django.db.models.BigAutoField", label
