import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")
application = get_wsgi_application()

# Load every view now (the URLconf is otherwise imported by the first request), then move everything
# loaded so far out of the garbage collector's reach: a full collection would walk those ~160,000
# long-lived objects (numpy, pandas, scikit-learn, Django) for ~70 ms in the middle of a request.
import_module(settings.ROOT_URLCONF)
# Load the active models now: the first fraud score would otherwise read and unpickle its model (~2 s).
from electroshop.mlops.services import warm_up_models  # noqa: E402 - needs the application set up above

warm_up_models()
connections.close_all()  # a server that forks workers after loading this (--preload) must not share it
gc.freeze()
