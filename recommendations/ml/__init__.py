"""Pure-Python recommendation core (numpy / scipy / pandas / scikit-learn / implicit only).

No Django or ORM imports here: the Django app feeds DataFrames in and stores what comes out.

Entry points:

* :func:`recommendations.ml.interactions.build_interaction_matrix` - events -> CSR confidence matrix.
* :func:`recommendations.ml.training.train_hybrid` - fit candidate generators + learned re-ranker.
* :class:`recommendations.ml.hybrid.HybridModel` - ``recommend``, ``similar_items``,
  ``bought_together``, ``similar_to_texts``.
* :mod:`recommendations.ml.segments` - trending lists per customer segment (cold start).
* :mod:`recommendations.ml.evaluation` - temporal split and ranking metrics.
"""
