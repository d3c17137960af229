"""Pure-Python demand forecasting and inventory arithmetic (no Django imports).

Entry points: ``engine.forecast`` / ``engine.backtest``; ``inventory.reorder_advice``.
"""
